package envoyref

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ProjectFiles are the project's own rules files: deploy/examples and the benchmark's rules.
func ProjectFiles(root string) ([]CorpusFile, error) {
	var out []CorpusFile
	for _, pattern := range []string{"deploy/examples/*.yaml", "bench/*.yaml"} {
		paths, err := filepath.Glob(filepath.Join(root, pattern))
		if err != nil {
			return nil, err
		}
		sort.Strings(paths)
		for _, p := range paths {
			text, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			if !bytes.HasPrefix(text, []byte("domain:")) && !bytes.Contains(text, []byte("\ndomain:")) {
				continue // not a rules file (deploy/examples/envoy.yaml is Envoy's bootstrap)
			}
			rel, _ := filepath.Rel(root, p)
			out = append(out, CorpusFile{Name: strings.NewReplacer("/", "-", ".yaml", "").Replace(rel),
				Text: string(text)})
		}
	}
	return out, nil
}

var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// ReadmeExamples are the rules files of the reference's README, read from the module the Go
// command downloaded (the same version the script installs).
func ReadmeExamples(version string) ([]CorpusFile, error) {
	out, err := exec.Command("go", "mod", "download", "-json",
		"github.com/envoyproxy/ratelimit@"+version).Output()
	if err != nil {
		return nil, fmt.Errorf("go mod download github.com/envoyproxy/ratelimit@%s: %v", version, err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil {
		return nil, err
	}
	readme, err := os.ReadFile(filepath.Join(mod.Dir, "README.md"))
	if err != nil {
		return nil, err
	}
	var files []CorpusFile
	for i, m := range yamlBlock.FindAllStringSubmatch(string(readme), -1) {
		if strings.HasPrefix(m[1], "domain:") {
			files = append(files, CorpusFile{Name: fmt.Sprintf("readme-%02d", i), Text: m[1]})
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no rules examples in %s/README.md", mod.Dir)
	}
	return files, nil
}

// Verdict is one service's answer to a rules file.
type Verdict struct {
	Accepted bool
	Message  string // the error, when rejected
}

// LoadVerdict makes `file` the service's only rules and reports whether its reload succeeded.
func LoadVerdict(s *Service, file CorpusFile) (Verdict, error) {
	files := map[string]string{"rules.yaml": file.Text}
	if file.Extra != "" {
		files["rules-extra.yaml"] = file.Extra
	}
	mark, err := s.Reloads()
	if err != nil {
		return Verdict{}, err
	}
	if err := s.Replace(files); err != nil {
		return Verdict{}, err
	}
	ok, err := s.WaitReload(mark, 10*time.Second, 300*time.Millisecond)
	if err != nil {
		return Verdict{}, err
	}
	v := Verdict{Accepted: ok}
	if !ok {
		v.Message = s.LastReloadError()
	}
	return v, nil
}

// A corpus difference: a construct one service accepts and the other rejects, by design.
type corpusDifference struct {
	id         string
	refAccepts bool // the reference's verdict when the construct is present; Sluice's is the other
	present    func(text string, docs []*yaml.Node) bool
}

var corpusDifferences = []corpusDifference{
	{"ENVOY-ALGORITHM-KEY", false, func(_ string, docs []*yaml.Node) bool {
		return anyKey(docs, func(path []string, key string) bool { return key == "algorithm" })
	}},
	{"ENVOY-UNIT-MULTIPLIER", false, func(_ string, docs []*yaml.Node) bool {
		return anyKey(docs, func(path []string, key string) bool { return key == "unit_multiplier" })
	}},
	{"ENVOY-RATE-LIMITS", false, func(_ string, docs []*yaml.Node) bool {
		return anyKey(docs, func(path []string, key string) bool { return key == "rate_limits" })
	}},
	{"ENVOY-METADATA-KEY", false, func(_ string, docs []*yaml.Node) bool {
		return anyKey(docs, func(path []string, key string) bool { return key == "metadata" })
	}},
	{"ENVOY-KEY-PLACEMENT", true, func(_ string, docs []*yaml.Node) bool {
		return anyKey(docs, func(path []string, key string) bool { return !keyBelongs(path, key) })
	}},
	{"ENVOY-DUPLICATE-MAP-KEY", true, func(_ string, docs []*yaml.Node) bool {
		return anyNode(docs, func(n *yaml.Node) bool {
			if n.Kind != yaml.MappingNode {
				return false
			}
			seen := map[string]bool{}
			for i := 0; i+1 < len(n.Content); i += 2 {
				if seen[n.Content[i].Value] {
					return true
				}
				seen[n.Content[i].Value] = true
			}
			return false
		})
	}},
	{"ENVOY-EMPTY-VALUE", true, func(_ string, docs []*yaml.Node) bool {
		return anyNode(docs, func(n *yaml.Node) bool {
			m := mapOf(n)
			v := m["rate_limit"]
			return v != nil && v.Kind == yaml.ScalarNode && v.Tag == "!!null"
		})
	}},
	{"ENVOY-MULTI-DOC", true, func(_ string, docs []*yaml.Node) bool { return len(docs) > 1 }},
	{"ENVOY-MISSING-RPU", true, func(_ string, docs []*yaml.Node) bool {
		return anyRateLimit(docs, func(rl map[string]*yaml.Node) bool {
			return rl["requests_per_unit"] == nil && !isTrue(rl["unlimited"])
		})
	}},
	{"ENVOY-UNLIMITED-UNIT", true, func(_ string, docs []*yaml.Node) bool {
		return anyRateLimit(docs, func(rl map[string]*yaml.Node) bool {
			return isTrue(rl["unlimited"]) && rl["unit"] != nil &&
				UnitValue(rl["unit"].Value) == 0
		})
	}},
	{"ENVOY-SHARE-THRESHOLD-INNER", false, func(_ string, docs []*yaml.Node) bool {
		return anyNode(docs, func(n *yaml.Node) bool {
			m := mapOf(n)
			v := m["value"]
			return m != nil && isTrue(m["share_threshold"]) && v != nil &&
				strings.Contains(v.Value, "*") && !strings.HasSuffix(v.Value, "*")
		})
	}},
}

// The keys each level may hold, in Sluice's reading; the reference allows any listed key anywhere.
var levelKeys = map[string][]string{
	"root":       {"domain", "descriptors"},
	"descriptor": {"key", "value", "rate_limit", "descriptors", "shadow_mode", "quota_mode", "detailed_metric", "value_to_metric", "share_threshold", "metadata"},
	"rate_limit": {"unit", "requests_per_unit", "unlimited", "name", "replaces", "algorithm"},
	"replaces":   {"name"},
}

var referenceKeys = map[string]bool{"domain": true, "key": true, "value": true, "descriptors": true,
	"rate_limit": true, "unit": true, "requests_per_unit": true, "unlimited": true, "shadow_mode": true,
	"quota_mode": true, "name": true, "replaces": true, "detailed_metric": true,
	"value_to_metric": true, "share_threshold": true}

// keyBelongs: `key` is one of the reference's keys and Sluice expects it at this level.
func keyBelongs(path []string, key string) bool {
	if !referenceKeys[key] {
		return true // unknown everywhere: not a placement question
	}
	level := "root"
	if len(path) > 0 {
		level = path[len(path)-1]
	}
	if level == "metadata" {
		return true
	}
	for _, k := range levelKeys[level] {
		if k == key {
			return true
		}
	}
	return false
}

func mapOf(n *yaml.Node) map[string]*yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	m := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		m[n.Content[i].Value] = n.Content[i+1]
	}
	return m
}

func isTrue(n *yaml.Node) bool {
	if n == nil {
		return false
	}
	switch strings.ToLower(n.Value) {
	case "true", "yes", "on", "y":
		return n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) == 0
	}
	return false
}

func anyNode(docs []*yaml.Node, f func(*yaml.Node) bool) bool {
	var walk func(n *yaml.Node) bool
	walk = func(n *yaml.Node) bool {
		if n == nil {
			return false
		}
		if f(n) {
			return true
		}
		for _, c := range n.Content {
			if walk(c) {
				return true
			}
		}
		return false
	}
	for _, d := range docs {
		if walk(d) {
			return true
		}
	}
	return false
}

// anyKey walks the maps with the level each is at: root, descriptor, rate_limit, replaces or
// metadata (the level a map is at is named by the key that holds it).
func anyKey(docs []*yaml.Node, f func(path []string, key string) bool) bool {
	var walk func(n *yaml.Node, path []string) bool
	walk = func(n *yaml.Node, path []string) bool {
		switch n.Kind {
		case yaml.DocumentNode, yaml.SequenceNode:
			for _, c := range n.Content {
				if walk(c, path) {
					return true
				}
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				key := n.Content[i].Value
				if f(path, key) {
					return true
				}
				level := key
				if key == "descriptors" {
					level = "descriptor"
				}
				if walk(n.Content[i+1], append(append([]string{}, path...), level)) {
					return true
				}
			}
		}
		return false
	}
	for _, d := range docs {
		if walk(d, nil) {
			return true
		}
	}
	return false
}

func anyRateLimit(docs []*yaml.Node, f func(map[string]*yaml.Node) bool) bool {
	return anyNode(docs, func(n *yaml.Node) bool {
		m := mapOf(n)
		return m != nil && m["rate_limit"] != nil && mapOf(m["rate_limit"]) != nil &&
			f(mapOf(m["rate_limit"]))
	})
}

// yamlDocs parses every document of a file (nil when it is not YAML at all).
func yamlDocs(text string) []*yaml.Node {
	dec := yaml.NewDecoder(strings.NewReader(text))
	var docs []*yaml.Node
	for {
		var n yaml.Node
		if err := dec.Decode(&n); err != nil {
			if err != io.EOF {
				return docs
			}
			return docs
		}
		docs = append(docs, &n)
	}
}

var fileLine = regexp.MustCompile(`rules(-extra)?\.yaml:(\d+): `)

// CorpusResult is one file's comparison.
type CorpusResult struct {
	File      CorpusFile
	Reference Verdict
	Sluice    Verdict
	ID        string // a classifying corpus difference, when the verdicts differ
	Failure   string // why it fails, "" when it passes
}

// JudgeCorpus compares the two verdicts on one file.
func JudgeCorpus(f CorpusFile, ref, sl Verdict) CorpusResult {
	res := CorpusResult{File: f, Reference: ref, Sluice: sl}
	if !sl.Accepted {
		g := fileLine.FindStringSubmatch(sl.Message)
		lines := strings.Count(f.Text, "\n") + 1
		switch {
		case g == nil:
			res.Failure = fmt.Sprintf("Sluice's rejection names no file and line: %q", sl.Message)
		default:
			line, _ := strconv.Atoi(g[2])
			if line < 1 || (g[1] == "" && line > lines) {
				res.Failure = fmt.Sprintf("Sluice names line %d of a %d-line file: %q", line, lines, sl.Message)
			} else if f.Line != 0 && g[1] == "" && line != f.Line {
				res.Failure = fmt.Sprintf("Sluice names line %d, the problem is on line %d: %q",
					line, f.Line, sl.Message)
			}
		}
	}
	if ref.Accepted == sl.Accepted {
		return res
	}
	docs := yamlDocs(f.Text)
	for _, d := range corpusDifferences {
		if d.refAccepts == ref.Accepted && d.present(f.Text, docs) {
			res.ID = d.id
			return res
		}
	}
	if res.Failure == "" {
		res.Failure = fmt.Sprintf("unclassified: the reference %s (%s), Sluice %s (%s)",
			verdictWord(ref), ref.Message, verdictWord(sl), sl.Message)
	}
	return res
}

func verdictWord(v Verdict) string {
	if v.Accepted {
		return "accepts"
	}
	return "rejects"
}

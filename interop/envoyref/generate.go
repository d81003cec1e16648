package envoyref

import (
	"fmt"
	"math/rand"
	"strings"
)

// A generated rules file: random trees of descriptors with every feature of the format, and
// files with one injected problem each (a mutation). The corpus check sends each to both
// services; the decision streams use the ones both accept.

// CorpusFile is one item of the rules-file corpus.
type CorpusFile struct {
	Name  string // short, unique: becomes the file name under the output directory
	Text  string
	Extra string // a second file loaded with the first (a duplicate-domain pair), or ""
	// Line is the 1-based line of an injected problem Sluice must name, or 0 when unknown.
	Line int
}

type genNode struct {
	key, value  string
	noValue     bool
	policy      *genPolicy
	flags       []string // "shadow_mode: true" etc., written as given
	children    []*genNode
	extraLines  []string // written verbatim after the node's fields (mutations)
	childrenRaw []string // replaces the children list verbatim (mutations)
	line        int      // 1-based line of "- key:", set when written
}

type genPolicy struct {
	fields     []string // "unit: second", "requests_per_unit: 5", ...
	replaces   []string
	extraLines []string
	line       int
}

type generator struct {
	r      *rand.Rand
	names  []string // limit names used so far in the file, targets for replaces
	nNames int
}

var (
	genKeys        = []string{"user", "path", "method", "remote_address", "plan", "api_key", "tenant", "svc*"}
	genExactValues = []string{"a", "b", "get", "post", "/api", "free", "gold", "10.0.0.1"}
	genWildcards   = []string{"/api/*", "a*", "*", "ten*", "/users/*/orders", "a*b", "*x", "x*y*", "/v*/items/*"}
	genUnits       = []string{"second", "second", "second", "minute", "minute", "hour", "day", "week",
		"month", "year", "Second", "MINUTE"}
)

func (g *generator) pick(list []string) string { return list[g.r.Intn(len(list))] }

func (g *generator) chance(p float64) bool { return g.r.Float64() < p }

func (g *generator) policy() *genPolicy {
	p := &genPolicy{}
	if g.chance(0.08) {
		p.fields = append(p.fields, "unlimited: true")
	} else {
		rpu := g.r.Intn(12)
		if g.chance(0.1) {
			rpu = 50 + g.r.Intn(1000)
		}
		p.fields = append(p.fields, "unit: "+g.pick(genUnits), fmt.Sprintf("requests_per_unit: %d", rpu))
	}
	if g.chance(0.35) {
		g.nNames++
		name := fmt.Sprintf("limit-%d", g.nNames)
		p.fields = append(p.fields, "name: "+name)
		if len(g.names) > 0 && g.chance(0.4) {
			p.replaces = append(p.replaces, g.pick(g.names))
		}
		g.names = append(g.names, name)
	}
	return p
}

// level makes the children of one level, without two siblings on the same composite key.
func (g *generator) level(depth int) []*genNode {
	used := map[string]bool{}
	n := 1 + g.r.Intn(4)
	var nodes []*genNode
	for i := 0; i < n*3 && len(nodes) < n; i++ {
		node := &genNode{key: g.pick(genKeys)}
		switch x := g.r.Float64(); {
		case x < 0.35:
			node.noValue = true
		case x < 0.7:
			node.value = g.pick(genExactValues)
		default:
			node.value = g.pick(genWildcards)
		}
		composite := node.key
		if !node.noValue {
			composite += "_" + node.value
		}
		if used[composite] {
			continue
		}
		used[composite] = true
		if depth < 3 && g.chance(0.35) {
			node.children = g.level(depth + 1)
		}
		if len(node.children) == 0 || g.chance(0.3) {
			node.policy = g.policy()
		}
		if g.chance(0.1) {
			node.flags = append(node.flags, "shadow_mode: true")
		}
		if g.chance(0.05) {
			node.flags = append(node.flags, "quota_mode: true")
		}
		if g.chance(0.1) {
			node.flags = append(node.flags, "detailed_metric: true")
		}
		if g.chance(0.05) {
			node.flags = append(node.flags, "value_to_metric: true")
		}
		if strings.HasSuffix(node.value, "*") && g.chance(0.3) {
			node.flags = append(node.flags, "share_threshold: true")
		}
		nodes = append(nodes, node)
	}
	return nodes
}

// write renders a tree as block YAML and records each node's line.
func write(domain string, nodes []*genNode) string {
	var lines []string
	if domain != "\x00" {
		lines = append(lines, "domain: "+domain)
	}
	lines = append(lines, "descriptors:")
	var walk func(nodes []*genNode, indent string)
	walk = func(nodes []*genNode, indent string) {
		for _, n := range nodes {
			n.line = len(lines) + 1
			lines = append(lines, indent+"- key: "+quoteIfNeeded(n.key))
			in := indent + "  "
			if !n.noValue {
				lines = append(lines, in+"value: "+quoteIfNeeded(n.value))
			}
			if n.policy != nil {
				n.policy.line = len(lines) + 1
				lines = append(lines, in+"rate_limit:")
				for _, f := range n.policy.fields {
					lines = append(lines, in+"  "+f)
				}
				if len(n.policy.replaces) > 0 {
					lines = append(lines, in+"  replaces:")
					for _, r := range n.policy.replaces {
						lines = append(lines, in+"    - name: "+quoteIfNeeded(r))
					}
				}
				for _, e := range n.policy.extraLines {
					lines = append(lines, in+"  "+e)
				}
			}
			for _, f := range n.flags {
				lines = append(lines, in+f)
			}
			for _, e := range n.extraLines {
				lines = append(lines, in+e)
			}
			if n.childrenRaw != nil {
				lines = append(lines, in+"descriptors:")
				for _, e := range n.childrenRaw {
					lines = append(lines, in+"  "+e)
				}
			} else if len(n.children) > 0 {
				lines = append(lines, in+"descriptors:")
				walk(n.children, in+"  ")
			}
		}
	}
	walk(nodes, "  ")
	return strings.Join(lines, "\n") + "\n"
}

func quoteIfNeeded(s string) string {
	if s == "" || strings.ContainsAny(s, "*:#{}[],&!|>'\"%@`") || strings.HasPrefix(s, "-") {
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return s
}

// allNodes lists a tree's nodes depth first.
func allNodes(nodes []*genNode) []*genNode {
	var out []*genNode
	for _, n := range nodes {
		out = append(out, n)
		out = append(out, allNodes(n.children)...)
	}
	return out
}

// mutation injects one problem (or one unusual but valid spelling) into a generated tree. It
// returns the node whose line Sluice must name (nil: the line is not checked), and may rewrite
// the text afterwards (post).
type mutation struct {
	name  string
	apply func(g *generator, f *genFile) (lineOf func() int)
}

type genFile struct {
	domain string
	nodes  []*genNode
	post   func(text string) string
	extra  string
}

func withPolicy(nodes []*genNode) []*genNode {
	var out []*genNode
	for _, n := range allNodes(nodes) {
		if n.policy != nil {
			out = append(out, n)
		}
	}
	return out
}

func counted(nodes []*genNode) []*genNode {
	var out []*genNode
	for _, n := range withPolicy(nodes) {
		if n.policy.fields[0] != "unlimited: true" {
			out = append(out, n)
		}
	}
	return out
}

func nodeLine(n *genNode) func() int { return func() int { return n.line } }

// unitLine: the unit is the first field under rate_limit.
func unitLine(n *genNode) func() int { return func() int { return n.policy.line + 1 } }

var mutations = []mutation{
	{"bad-unit", func(g *generator, f *genFile) func() int {
		n := g.pickNode(counted(f.nodes))
		n.policy.fields[0] = "unit: fortnight"
		return unitLine(n)
	}},
	{"unknown-key-descriptor", func(g *generator, f *genFile) func() int {
		n := g.pickNode(allNodes(f.nodes))
		n.extraLines = append(n.extraLines, "limits: 5")
		return nil
	}},
	{"unknown-key-rate-limit", func(g *generator, f *genFile) func() int {
		n := g.pickNode(withPolicy(f.nodes))
		n.policy.extraLines = append(n.policy.extraLines, "uint: second")
		return nil
	}},
	{"duplicate-composite-key", func(g *generator, f *genFile) func() int {
		n := f.nodes[0]
		dup := &genNode{key: n.key, value: n.value, noValue: n.noValue,
			policy: &genPolicy{fields: []string{"unit: second", "requests_per_unit: 1"}}}
		f.nodes = append(f.nodes, dup)
		return nodeLine(dup)
	}},
	{"composite-collision", func(g *generator, f *genFile) func() int {
		// key "a_b" without a value and key "a" with value "b" share the composite "a_b".
		f.nodes = append(f.nodes,
			&genNode{key: "zone", value: "eu", policy: &genPolicy{fields: []string{"unit: minute", "requests_per_unit: 3"}}},
			&genNode{key: "zone_eu", noValue: true, policy: &genPolicy{fields: []string{"unit: minute", "requests_per_unit: 4"}}})
		return nil
	}},
	{"empty-key", func(g *generator, f *genFile) func() int {
		n := g.pickNode(allNodes(f.nodes))
		n.key = ""
		return nodeLine(n)
	}},
	{"empty-domain", func(g *generator, f *genFile) func() int {
		f.domain = "''"
		return func() int { return 1 }
	}},
	{"missing-domain", func(g *generator, f *genFile) func() int {
		f.domain = "\x00"
		return nil
	}},
	{"unlimited-with-unit", func(g *generator, f *genFile) func() int {
		n := g.pickNode(counted(f.nodes))
		n.policy.fields = append(n.policy.fields, "unlimited: true")
		return unitLine(n)
	}},
	{"replaces-empty-name", func(g *generator, f *genFile) func() int {
		n := g.pickNode(withPolicy(f.nodes))
		n.policy.replaces = append(n.policy.replaces, "")
		return nil
	}},
	{"replaces-itself", func(g *generator, f *genFile) func() int {
		n := g.pickNode(counted(f.nodes))
		n.policy.fields = append(n.policy.fields, "name: self-limit")
		n.policy.replaces = []string{"self-limit"}
		return nil
	}},
	{"share-threshold-without-wildcard", func(g *generator, f *genFile) func() int {
		n := &genNode{key: "bucket", value: "files", flags: []string{"share_threshold: true"},
			policy: &genPolicy{fields: []string{"unit: hour", "requests_per_unit: 9"}}}
		f.nodes = append(f.nodes, n)
		return nil
	}},
	{"descriptors-as-map", func(g *generator, f *genFile) func() int {
		n := g.pickNode(allNodes(f.nodes))
		n.children, n.childrenRaw = nil, []string{"key: nested", "rate_limit: {unit: second, requests_per_unit: 1}"}
		return nil
	}},
	{"descriptors-of-scalars", func(g *generator, f *genFile) func() int {
		n := g.pickNode(allNodes(f.nodes))
		n.children, n.childrenRaw = nil, []string{"- nested", "- other"}
		return nil
	}},
	{"rate-limit-as-list", func(g *generator, f *genFile) func() int {
		n := g.pickNode(allNodes(f.nodes))
		n.policy = nil
		n.extraLines = append(n.extraLines, "rate_limit:", "  - unit: second", "    requests_per_unit: 3")
		return nil
	}},
	{"rpu-string", requestsPerUnit(`ten`)},
	{"rpu-negative", requestsPerUnit(`-1`)},
	{"rpu-too-big", requestsPerUnit(`4294967296`)},
	{"rpu-float", requestsPerUnit(`1.5`)},
	{"rpu-quoted", requestsPerUnit(`"5"`)},
	{"rpu-hexadecimal", requestsPerUnit(`0x10`)},
	{"rpu-underscores", requestsPerUnit(`1_000`)},
	{"rpu-max", requestsPerUnit(`4294967295`)},
	{"yaml-syntax", func(g *generator, f *genFile) func() int {
		n := g.pickNode(allNodes(f.nodes))
		n.extraLines = append(n.extraLines, "value2: [unclosed")
		return nil
	}},
	{"key-at-wrong-level", func(g *generator, f *genFile) func() int {
		n := g.pickNode(allNodes(f.nodes))
		n.extraLines = append(n.extraLines, "requests_per_unit: 5")
		return nil
	}},
	{"duplicate-map-key", func(g *generator, f *genFile) func() int {
		n := g.pickNode(withPolicy(f.nodes))
		n.policy.extraLines = append(n.policy.extraLines, "requests_per_unit: 7")
		if n.policy.fields[0] == "unlimited: true" {
			n.policy.extraLines = append(n.policy.extraLines, "unlimited: true")
		}
		return nil
	}},
	{"two-documents", func(g *generator, f *genFile) func() int {
		f.post = func(text string) string {
			return text + "---\ndomain: second-document\ndescriptors:\n  - key: x\n"
		}
		return nil
	}},
	{"missing-requests-per-unit", func(g *generator, f *genFile) func() int {
		n := g.pickNode(counted(f.nodes))
		n.policy.fields = n.policy.fields[:1]
		return nil
	}},
	{"unlimited-bad-unit", func(g *generator, f *genFile) func() int {
		n := g.pickNode(withPolicy(f.nodes))
		n.policy.fields = []string{"unlimited: true", "unit: fortnight"}
		return nil
	}},
	{"share-threshold-inner-wildcard", func(g *generator, f *genFile) func() int {
		f.nodes = append(f.nodes, &genNode{key: "bucket", value: "a*b", flags: []string{"share_threshold: true"},
			policy: &genPolicy{fields: []string{"unit: hour", "requests_per_unit: 9"}}})
		return nil
	}},
	{"metadata-key", func(g *generator, f *genFile) func() int {
		n := g.pickNode(allNodes(f.nodes))
		n.extraLines = append(n.extraLines, "metadata:", "  team: payments")
		return nil
	}},
	{"algorithm-key", func(g *generator, f *genFile) func() int {
		n := g.pickNode(counted(f.nodes))
		n.policy.extraLines = append(n.policy.extraLines, "algorithm: token_bucket")
		return nil
	}},
	{"yaml-1.1-booleans", func(g *generator, f *genFile) func() int {
		n := g.pickNode(allNodes(f.nodes))
		n.flags = append(n.flags, "shadow_mode: yes")
		return nil
	}},
	{"quoted-boolean", func(g *generator, f *genFile) func() int {
		n := g.pickNode(allNodes(f.nodes))
		n.flags = append(n.flags, `shadow_mode: "true"`)
		return nil
	}},
	{"integer-value-and-name", func(g *generator, f *genFile) func() int {
		f.nodes = append(f.nodes, &genNode{key: "port", value: "443",
			policy: &genPolicy{fields: []string{"unit: minute", "requests_per_unit: 2", "name: 7"}}})
		f.post = func(text string) string { return strings.Replace(text, "value: '443'", "value: 443", 1) }
		return nil
	}},
	{"empty-value", func(g *generator, f *genFile) func() int {
		f.nodes = append(f.nodes, &genNode{key: "emptyval", value: "",
			policy: &genPolicy{fields: []string{"unit: minute", "requests_per_unit: 2"}}})
		return nil
	}},
	{"null-descriptors-and-rate-limit", func(g *generator, f *genFile) func() int {
		n := g.pickNode(allNodes(f.nodes))
		n.policy, n.children = nil, nil
		n.extraLines = append(n.extraLines, "rate_limit:", "descriptors:")
		return nil
	}},
	{"flow-style", func(g *generator, f *genFile) func() int {
		f.post = func(text string) string {
			return text + "  - {key: flow, value: style, rate_limit: {unit: minute, requests_per_unit: 4}}\n"
		}
		return nil
	}},
	{"replaces-unknown-name", func(g *generator, f *genFile) func() int {
		n := g.pickNode(withPolicy(f.nodes))
		n.policy.replaces = append(n.policy.replaces, "no-such-limit")
		return nil
	}},
	{"duplicate-domain-in-two-files", func(g *generator, f *genFile) func() int {
		f.extra = "domain: " + f.domain + "\ndescriptors:\n  - key: other\n    rate_limit: {unit: second, requests_per_unit: 1}\n"
		return nil
	}},
	{"top-level-list", func(g *generator, f *genFile) func() int {
		f.post = func(text string) string { return "- " + strings.ReplaceAll(text, "\n", "\n  ") }
		return nil
	}},
	{"empty-file", func(g *generator, f *genFile) func() int {
		f.post = func(string) string { return "" }
		return nil
	}},
	{"key-with-trailing-star", func(g *generator, f *genFile) func() int {
		f.nodes = append(f.nodes, &genNode{key: "star*", noValue: true,
			policy: &genPolicy{fields: []string{"unit: minute", "requests_per_unit: 3"}}})
		return nil
	}},
}

// requestsPerUnit writes `value` as the requests_per_unit of a counted limit.
func requestsPerUnit(value string) func(g *generator, f *genFile) func() int {
	return func(g *generator, f *genFile) func() int {
		g.pickNode(counted(f.nodes)).policy.fields[1] = "requests_per_unit: " + value
		return nil
	}
}

func (g *generator) pickNode(nodes []*genNode) *genNode {
	if len(nodes) == 0 {
		return nil
	}
	return nodes[g.r.Intn(len(nodes))]
}

// Generate makes `valid` random files and, for every mutation, `perMutation` files with it.
func Generate(seed int64, valid, perMutation int) []CorpusFile {
	var out []CorpusFile
	for i := 0; i < valid; i++ {
		g := &generator{r: rand.New(rand.NewSource(seed*100003 + int64(i)))}
		domain := fmt.Sprintf("gen-%d", i)
		out = append(out, CorpusFile{Name: domain, Text: write(domain, g.level(0))})
	}
	for mi, m := range mutations {
		for j := 0; j < perMutation; j++ {
			g := &generator{r: rand.New(rand.NewSource(seed*100019 + int64(mi*97+j)))}
			f := &genFile{domain: fmt.Sprintf("mut-%s-%d", m.name, j)}
			// Retry until the tree has what the mutation needs (a counted limit, say).
			var lineOf func() int
			for {
				g.names, g.nNames = nil, 0
				f.nodes = g.level(0)
				if len(counted(f.nodes)) > 0 && len(withPolicy(f.nodes)) > 0 {
					break
				}
			}
			lineOf = m.apply(g, f)
			text := write(f.domain, f.nodes)
			if f.post != nil {
				text = f.post(text)
			}
			cf := CorpusFile{Name: fmt.Sprintf("mut-%s-%d", m.name, j), Text: text, Extra: f.extra}
			if lineOf != nil {
				cf.Line = lineOf()
			}
			out = append(out, cf)
		}
	}
	return out
}

package envoyref

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// Config of one run of the differential suite.
type Config struct {
	Root        string // the repository (scripts/envoy-ratelimit.sh, deploy/examples, bench)
	Sluice      string // the sluice binary
	Out         string // output directory: corpus, logs, failures
	Version     string // envoyproxy/ratelimit module version (the script's default if empty)
	Seed        int64
	Valid       int // generated valid files
	PerMutation int // generated files per mutation
	Calls       int // ShouldRateLimit calls in all, spread over the accepted files
	Workers     int // streams run at once (different domains)
}

// Totals of a run.
type Totals struct {
	Passed, Failed int
	Files          int
	Calls          int
	Compared       int
	Skipped        int
	Classified     map[string]int
}

func (t *Totals) add(name string, failure string, w io.Writer) {
	if failure == "" {
		t.Passed++
		return
	}
	t.Failed++
	fmt.Fprintf(w, "FAIL %s: %s\n", name, failure)
}

// Run runs the three parts: rules files, decisions, reload under traffic.
func Run(ctx context.Context, cfg Config, w io.Writer) (Totals, error) {
	t := Totals{Classified: map[string]int{}}
	script := filepath.Join(cfg.Root, "scripts", "envoy-ratelimit.sh")
	logs := filepath.Join(cfg.Out, "logs")
	if err := os.MkdirAll(logs, 0o755); err != nil {
		return t, err
	}

	// The corpus.
	corpus, err := ProjectFiles(cfg.Root)
	if err != nil {
		return t, err
	}
	readme, err := ReadmeExamples(cfg.Version)
	if err != nil {
		return t, err
	}
	corpus = append(append(corpus, readme...), Generate(cfg.Seed, cfg.Valid, cfg.PerMutation)...)
	corpusDir := filepath.Join(cfg.Out, "corpus")
	for _, f := range corpus {
		if err := writeFile(filepath.Join(corpusDir, f.Name+".yaml"), f.Text); err != nil {
			return t, err
		}
		if f.Extra != "" {
			if err := writeFile(filepath.Join(corpusDir, f.Name+".extra.yaml"), f.Extra); err != nil {
				return t, err
			}
		}
	}
	fmt.Fprintf(w, "rules files: %d (project %d, README %d, generated %d)\n", len(corpus),
		len(corpus)-len(readme)-cfg.Valid-cfg.PerMutation*len(mutations), len(readme),
		cfg.Valid+cfg.PerMutation*len(mutations))

	seedDir := filepath.Join(cfg.Out, "seed-rules")
	if err := writeFile(filepath.Join(seedDir, "rules.yaml"),
		"domain: seed\ndescriptors:\n  - key: k\n"); err != nil {
		return t, err
	}
	sluiceCorpus, err := StartSluice("sluice-corpus", cfg.Sluice, copyDir(seedDir, filepath.Join(cfg.Out, "sluice-corpus-rules")), logs)
	if err != nil {
		return t, err
	}
	defer sluiceCorpus.Stop()
	refCorpus, err := StartReference("reference-corpus", script, seedDir, logs)
	if err != nil {
		return t, err
	}
	defer refCorpus.Stop()

	verdicts, err := os.Create(filepath.Join(cfg.Out, "corpus-verdicts.tsv"))
	if err != nil {
		return t, err
	}
	defer verdicts.Close()
	fmt.Fprintf(verdicts, "file\treference\tsluice\tdifference\treference message\tSluice message\n")
	var accepted []CorpusFile
	corpusClassified := map[string]int{}
	for _, f := range corpus {
		var rv, sv Verdict
		var rerr, serr error
		var wg sync.WaitGroup
		wg.Add(2)
		go func() { defer wg.Done(); rv, rerr = LoadVerdict(refCorpus, f) }()
		go func() { defer wg.Done(); sv, serr = LoadVerdict(sluiceCorpus, f) }()
		wg.Wait()
		if rerr != nil || serr != nil {
			return t, fmt.Errorf("rules file %s: %v %v", f.Name, rerr, serr)
		}
		res := JudgeCorpus(f, rv, sv)
		fmt.Fprintf(verdicts, "%s\t%s\t%s\t%s\t%q\t%q\n", f.Name, verdictWord(rv), verdictWord(sv),
			res.ID, rv.Message, sv.Message)
		t.add("rules file "+filepath.Join(corpusDir, f.Name+".yaml"), res.Failure, w)
		t.Files++
		if res.ID != "" {
			corpusClassified[res.ID]++
			t.Classified[res.ID]++
		}
		if rv.Accepted && sv.Accepted {
			accepted = append(accepted, f)
		}
	}
	sluiceCorpus.Stop()
	refCorpus.Stop()
	fmt.Fprintf(w, "rules files: %d accepted by both, %d classified differences %v\n",
		len(accepted), sum(corpusClassified), corpusClassified)

	// Decisions: every accepted file at once (one domain each), fresh counters.
	acceptedDir := filepath.Join(cfg.Out, "accepted")
	d := &Decisions{Files: map[string]*RulesFile{}, Texts: map[string]string{}}
	var domains []string
	for _, f := range accepted {
		file, err := ParseRules(f.Text)
		if err != nil {
			return t, fmt.Errorf("%s: accepted by both but not parsed: %v", f.Name, err)
		}
		text := f.Text
		if _, dup := d.Files[file.Domain]; dup { // the README has two "example4" files
			file.Domain += "-" + f.Name
			text = domainLine.ReplaceAllString(text, "domain: "+file.Domain)
		}
		d.Files[file.Domain], d.Texts[file.Domain] = file, text
		domains = append(domains, file.Domain)
		if err := writeFile(filepath.Join(acceptedDir, f.Name+".yaml"), text); err != nil {
			return t, err
		}
	}
	if d.Sluice, err = StartSluice("sluice", cfg.Sluice, copyDir(acceptedDir, filepath.Join(cfg.Out, "sluice-rules")), logs); err != nil {
		return t, err
	}
	defer d.Sluice.Stop()
	if d.RefAll, err = StartReference("reference", script, acceptedDir, logs); err != nil {
		return t, err
	}
	defer d.RefAll.Stop()
	if d.RefStop, err = StartReference("reference-stop", script, acceptedDir, logs,
		"STOP_CACHE_KEY_INCREMENT_WHEN_OVERLIMIT=true"); err != nil {
		return t, err
	}
	defer d.RefStop.Stop()

	perFile := max(50, (cfg.Calls+len(domains)-1)/max(1, len(domains)))
	started := time.Now()
	results := make([]StreamResult, len(domains))
	next := make(chan int)
	var wg sync.WaitGroup
	for i := 0; i < max(1, cfg.Workers); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range next {
				results[k] = d.RunStream(ctx, domains[k], cfg.Seed*1000+int64(k), perFile)
			}
		}()
	}
	for k := range domains {
		next <- k
	}
	close(next)
	wg.Wait()
	streamClassified := map[string]int{}
	for _, r := range results {
		t.add(fmt.Sprintf("decisions for domain %s (seed %d)", r.Domain, r.Seed), r.Failure, w)
		t.Calls += r.Calls
		t.Compared += r.Compared
		t.Skipped += r.Skipped
		for id, n := range r.Classified {
			streamClassified[id] += n
			t.Classified[id] += n
		}
	}
	fmt.Fprintf(w, "decisions: %d calls in %v, each to Sluice and both references; %d fields compared, "+
		"%d skipped (window boundary), %d classified mismatches:\n", t.Calls,
		time.Since(started).Round(time.Second), t.Compared, t.Skipped, sum(streamClassified))
	ids := make([]string, 0, len(streamClassified))
	for id := range streamClassified {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		fmt.Fprintf(w, "  %-28s %d\n", id, streamClassified[id])
	}

	// Reload under traffic, on Sluice and the default reference.
	for _, c := range RunReload(ctx, []*Service{d.Sluice, d.RefAll}) {
		t.add(c.Name, c.Failed, w)
		if c.Failed == "" {
			fmt.Fprintf(w, "ok   %s\n", c.Name)
		}
	}
	return t, nil
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func writeFile(path, text string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

// copyDir copies the files of src into a new directory dst and returns dst (Sluice watches its
// own copy; the reference's script copies into its runtime directory itself).
func copyDir(src, dst string) string {
	_ = os.MkdirAll(dst, 0o755)
	entries, _ := os.ReadDir(src)
	for _, e := range entries {
		if text, err := os.ReadFile(filepath.Join(src, e.Name())); err == nil {
			_ = os.WriteFile(filepath.Join(dst, e.Name()), text, 0o644)
		}
	}
	return dst
}

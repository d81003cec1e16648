// envoyref runs the differential suite against the real envoyproxy/ratelimit (issue 16):
// rules files accepted or rejected alike, ShouldRateLimit streams answered alike (or differing
// only as docs/compatibility.md says), reload under traffic. The last line is
// "envoyref: N passed, M failed"; the exit status is 1 when something failed.
//
//	go run ./cmd/envoyref --root .. --sluice ../build/release/src/server/sluice
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"time"

	"sluice/interop/envoyref"
)

func main() {
	cfg := envoyref.Config{}
	flag.StringVar(&cfg.Root, "root", "..", "the Sluice repository")
	flag.StringVar(&cfg.Sluice, "sluice", "", "the sluice binary (default <root>/build/release/src/server/sluice)")
	flag.StringVar(&cfg.Out, "out", "", "output directory (default <root>/build/interop-envoy/<time>)")
	flag.Int64Var(&cfg.Seed, "seed", 1, "seed of the generated rules files and call streams")
	flag.IntVar(&cfg.Valid, "valid", 70, "generated valid rules files")
	flag.IntVar(&cfg.PerMutation, "per-mutation", 1, "generated files per mutation")
	flag.IntVar(&cfg.Calls, "calls", 100000, "ShouldRateLimit calls in all")
	flag.IntVar(&cfg.Workers, "workers", 3, "streams run at once")
	flag.Parse()

	root, err := filepath.Abs(cfg.Root)
	if err != nil {
		fail(err)
	}
	cfg.Root = root
	if cfg.Sluice == "" {
		cfg.Sluice = filepath.Join(root, "build", "release", "src", "server", "sluice")
	}
	if cfg.Out == "" {
		cfg.Out = filepath.Join(root, "build", "interop-envoy", time.Now().Format("20060102-150405"))
	}
	script := filepath.Join(root, "scripts", "envoy-ratelimit.sh")
	cfg.Version = os.Getenv("ENVOY_RATELIMIT_VERSION")
	if cfg.Version == "" {
		text, err := os.ReadFile(script)
		if err != nil {
			fail(err)
		}
		m := regexp.MustCompile(`ENVOY_RATELIMIT_VERSION:-([^}]+)\}`).FindSubmatch(text)
		if m == nil {
			fail(fmt.Errorf("no default version in %s", script))
		}
		cfg.Version = string(m[1])
	}
	install := exec.Command("bash", script, "install")
	install.Stdout, install.Stderr = os.Stderr, os.Stderr
	if err := install.Run(); err != nil {
		fail(fmt.Errorf("%s install: %v", script, err))
	}
	fmt.Printf("envoyref: Sluice %s against envoyproxy/ratelimit %s + redis-server; output in %s\n",
		cfg.Sluice, cfg.Version, cfg.Out)

	totals, err := envoyref.Run(context.Background(), cfg, os.Stdout)
	if err != nil {
		fmt.Printf("envoyref: the suite stopped: %v\n", err)
		totals.Failed++
	}
	fmt.Printf("envoyref: %d rules files, %d ShouldRateLimit calls, %d classified differences\n",
		totals.Files, totals.Calls, sumOf(totals.Classified))
	fmt.Printf("envoyref: %d passed, %d failed\n", totals.Passed, totals.Failed)
	if totals.Failed > 0 {
		os.Exit(1)
	}
}

func sumOf(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "envoyref:", err)
	fmt.Println("envoyref: 0 passed, 1 failed")
	os.Exit(1)
}

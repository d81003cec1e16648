// Command interopsum reads `go test -json` output (from any number of packages) on standard
// input, prints each package's result, the output of every failed test and every line a test
// marks with "summary: ", and ends with the one line `make interop` promises:
//
//	interop: N passed, M failed
//
// N and M count leaf tests (a test with subtests counts through its subtests). A package that
// fails without a failed test (it did not build, or its TestMain failed) counts as one failure.
// A suite that is not a Go test adds its counts by writing a line
// `suite NAME: N passed, M failed` into the same stream. Exit status 1 when M > 0 or nothing ran.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

type event struct {
	Time    time.Time
	Action  string
	Package string
	Test    string
	Output  string
	Elapsed float64
}

type testState struct {
	action string
	output []string
}

type pkgState struct {
	tests   map[string]*testState
	output  []string // package-level output (build errors, TestMain messages)
	action  string
	elapsed float64
}

var suiteLine = regexp.MustCompile(`^suite (\S+): (\d+) passed, (\d+) failed$`)

func main() {
	pkgs := map[string]*pkgState{}
	var order []string
	passed, failed := 0, 0
	get := func(name string) *pkgState {
		p, ok := pkgs[name]
		if !ok {
			p = &pkgState{tests: map[string]*testState{}}
			pkgs[name] = p
			order = append(order, name)
		}
		return p
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	for in.Scan() {
		line := in.Text()
		var e event
		if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &e) != nil {
			if m := suiteLine.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
				p, _ := strconv.Atoi(m[2])
				f, _ := strconv.Atoi(m[3])
				passed += p
				failed += f
			}
			fmt.Println(line) // not JSON: go's own messages, other suites
			continue
		}
		p := get(e.Package)
		if e.Test == "" {
			switch e.Action {
			case "output":
				p.output = append(p.output, e.Output)
			case "pass", "fail", "skip":
				p.action, p.elapsed = e.Action, e.Elapsed
				if e.Action != "skip" || len(p.tests) > 0 { // "skip": no test files
					report(e.Package, p)
				}
			}
			continue
		}
		t, ok := p.tests[e.Test]
		if !ok {
			t = &testState{}
			p.tests[e.Test] = t
		}
		switch e.Action {
		case "output":
			t.output = append(t.output, e.Output)
			if i := strings.Index(e.Output, "summary: "); i >= 0 {
				fmt.Printf("  %s: %s", shortPkg(e.Package), e.Output[i+len("summary: "):])
			}
		case "pass", "fail", "skip":
			t.action = e.Action
		}
	}
	for _, name := range order {
		p := pkgs[name]
		leafPassed, leafFailed := count(p)
		passed += leafPassed
		failed += leafFailed
		if p.action == "fail" && leafFailed == 0 {
			failed++
		}
	}
	fmt.Printf("interop: %d passed, %d failed\n", passed, failed)
	if failed > 0 || passed == 0 {
		os.Exit(1)
	}
}

func shortPkg(p string) string { return strings.TrimPrefix(p, "sluice/interop/") }

// report prints a package's result and the output of its failed leaf tests.
func report(name string, p *pkgState) {
	pass, fail := count(p)
	status := "ok  "
	if p.action == "fail" {
		status = "FAIL"
	}
	fmt.Printf("%s %s (%.1fs): %d passed, %d failed\n", status, shortPkg(name), p.elapsed, pass, fail)
	var names []string
	for n, t := range p.tests {
		if t.action == "fail" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if !isLeaf(p, n) {
			continue
		}
		fmt.Printf("--- FAIL: %s\n", n)
		for _, o := range p.tests[n].output {
			if !strings.HasPrefix(strings.TrimSpace(o), "=== ") {
				fmt.Print(o)
			}
		}
	}
	if p.action == "fail" && fail == 0 {
		for _, o := range p.output {
			fmt.Print(o)
		}
	}
}

func isLeaf(p *pkgState, name string) bool {
	for other := range p.tests {
		if strings.HasPrefix(other, name+"/") {
			return false
		}
	}
	return true
}

func count(p *pkgState) (pass, fail int) {
	for n, t := range p.tests {
		if !isLeaf(p, n) {
			continue
		}
		switch t.action {
		case "pass":
			pass++
		case "fail", "":
			// "" : the test started and never finished (the package timed out or crashed)
			fail++
		}
	}
	return
}

package envoyref

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Check is one named pass/fail result.
type Check struct {
	Name   string
	Failed string // "" when it passed
}

func reloadRules(version int, broken bool) string {
	unit := "hour"
	if broken {
		unit = "fortnight"
	}
	return fmt.Sprintf("domain: reload-test\ndescriptors:\n  - key: client\n    rate_limit:\n"+
		"      unit: %s\n      requests_per_unit: %d\n      name: v%d\n", unit, 1000*version, version)
}

// reloadTraffic keeps calling both services and records the limit names each answers with.
type reloadTraffic struct {
	mu     sync.Mutex
	seen   map[string][]string // service -> distinct limit names, in the order first seen
	errors map[string]int
}

func (t *reloadTraffic) record(service string, a Answer) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if a.Error != "" {
		t.errors[service]++
		return
	}
	name := ""
	if len(a.Statuses) > 0 {
		parts := strings.Split(a.Statuses[0].Limit, "/")
		name = parts[len(parts)-1]
	}
	s := t.seen[service]
	if len(s) == 0 || s[len(s)-1] != name {
		t.seen[service] = append(s, name)
	}
}

func (t *reloadTraffic) current(service string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	s := t.seen[service]
	if len(s) == 0 {
		return ""
	}
	return s[len(s)-1]
}

// RunReload rewrites one rules file under both services while traffic flows: both must pick up
// the new limit, keep it when the next file is broken, and recover with the one after.
func RunReload(ctx context.Context, services []*Service) []Check {
	var checks []Check
	check := func(name string, failed string) { checks = append(checks, Check{name, failed}) }
	write := func(text string) (map[*Service]bool, error) {
		marks := map[*Service]ReloadMark{}
		for _, s := range services {
			m, err := s.Reloads()
			if err != nil {
				return nil, err
			}
			marks[s] = m
			if err := s.Add("reload.yaml", text); err != nil {
				return nil, err
			}
		}
		ok := map[*Service]bool{}
		for _, s := range services {
			r, err := s.WaitReload(marks[s], 10*time.Second, 200*time.Millisecond)
			if err != nil {
				return nil, err
			}
			ok[s] = r
		}
		return ok, nil
	}
	if _, err := write(reloadRules(1, false)); err != nil {
		return []Check{{"reload: load the first rules", err.Error()}}
	}

	traffic := &reloadTraffic{seen: map[string][]string{}, errors: map[string]int{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, s := range services {
		wg.Add(1)
		go func(s *Service) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				call := Call{Domain: "reload-test", Descriptors: []Descriptor{
					{Entries: []Entry{{"client", fmt.Sprintf("c%d", i%50)}}}}}
				traffic.record(s.Name, s.Call(ctx, call))
				time.Sleep(time.Millisecond)
			}
		}(s)
	}
	waitFor := func(want string, within time.Duration) map[string]time.Duration {
		start := time.Now()
		took := map[string]time.Duration{}
		for time.Since(start) < within && len(took) < len(services) {
			for _, s := range services {
				if _, done := took[s.Name]; !done && traffic.current(s.Name) == want {
					took[s.Name] = time.Since(start)
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		return took
	}
	waitFor("v1", 5*time.Second)

	start := time.Now()
	for _, s := range services {
		if err := s.Add("reload.yaml", reloadRules(2, false)); err != nil {
			check("reload: write the new rules", err.Error())
		}
	}
	took := waitFor("v2", 10*time.Second)
	for _, s := range services {
		if d, ok := took[s.Name]; ok {
			check(fmt.Sprintf("reload: %s answers with the new limit under traffic (after %v)",
				s.Name, d.Round(time.Millisecond)), "")
		} else {
			check(fmt.Sprintf("reload: %s answers with the new limit under traffic", s.Name),
				fmt.Sprintf("still answers %q %v after the rewrite", traffic.current(s.Name), time.Since(start)))
		}
	}

	ok, err := write(reloadRules(3, true))
	if err != nil {
		check("reload: write a broken file", err.Error())
	}
	time.Sleep(500 * time.Millisecond)
	for _, s := range services {
		name := fmt.Sprintf("reload: %s rejects a broken file and keeps the previous rules", s.Name)
		switch {
		case ok[s]:
			check(name, "the broken file's reload succeeded")
		case traffic.current(s.Name) != "v2":
			check(name, fmt.Sprintf("answers %q after the broken file", traffic.current(s.Name)))
		default:
			check(name, "")
		}
		if s.metricsURL != "" {
			msg := s.LastReloadError()
			if fileLine.FindString(strings.Replace(msg, "reload.yaml", "rules.yaml", 1)) == "" {
				check("reload: Sluice names the broken file and line", fmt.Sprintf("message %q", msg))
			} else {
				check("reload: Sluice names the broken file and line", "")
			}
		}
	}

	for _, s := range services {
		if err := s.Add("reload.yaml", reloadRules(4, false)); err != nil {
			check("reload: write the fixed rules", err.Error())
		}
	}
	took = waitFor("v4", 10*time.Second)
	close(stop)
	wg.Wait()
	for _, s := range services {
		name := fmt.Sprintf("reload: %s recovers with the next good file", s.Name)
		if _, ok := took[s.Name]; ok {
			check(name, "")
		} else {
			check(name, fmt.Sprintf("answers %q", traffic.current(s.Name)))
		}
		seen := strings.Join(traffic.seen[s.Name], " ")
		name = fmt.Sprintf("reload: %s answered every call, the limits in order", s.Name)
		if traffic.errors[s.Name] > 0 || seen != "v1 v2 v4" {
			check(name, fmt.Sprintf("%d failed calls; limits seen in order: %s", traffic.errors[s.Name], seen))
		} else {
			check(name, "")
		}
	}
	return checks
}

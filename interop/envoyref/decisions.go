package envoyref

import (
	"context"
	"fmt"
	"regexp"
	"sync"
	"sync/atomic"
	"time"
)

// Decisions sends the same calls to Sluice and to two reference services, one counting every
// request (its default) and one with STOP_CACHE_KEY_INCREMENT_WHEN_OVERLIMIT=true, and compares
// each reference's answers with Sluice's through its own model chain.
type Decisions struct {
	Sluice, RefAll, RefStop *Service
	Files                   map[string]*RulesFile // by domain
	Texts                   map[string]string     // by domain, for shrinking on renamed copies
	reloadMu                sync.Mutex            // one shrink copy loaded at a time
	copies                  atomic.Int64
}

// boundaryGuard: no call starts this close to the end of a second, so that a call and its
// three answers fall in one window of every unit (all windows start on whole seconds).
const boundaryGuard = 30 * time.Millisecond

type sent struct {
	now, later    int64
	sluice        Answer
	refAll, refSt Answer
}

func (d *Decisions) send(ctx context.Context, call Call) sent {
	for {
		into := time.Duration(time.Now().UnixNano() % int64(time.Second))
		if into < time.Second-boundaryGuard {
			break
		}
		time.Sleep(time.Second - into + 2*time.Millisecond)
	}
	t0 := time.Now()
	s := sent{sluice: d.Sluice.Call(ctx, call), refAll: d.RefAll.Call(ctx, call),
		refSt: d.RefStop.Call(ctx, call)}
	s.now, s.later = t0.Unix(), time.Now().Unix()
	return s
}

// StreamResult is one stream's comparison.
type StreamResult struct {
	Domain     string
	Seed       int64
	Calls      int
	Compared   int
	Skipped    int
	Classified map[string]int
	Failure    string // the first unclassified mismatch with its reproduction, or ""
}

// RunStream sends `calls` random calls for one domain's rules.
func (d *Decisions) RunStream(ctx context.Context, domain string, seed int64, calls int) StreamResult {
	res := StreamResult{Domain: domain, Seed: seed, Classified: map[string]int{}}
	file := d.Files[domain]
	gen := NewStreamGen(seed, file)
	models := map[string]*RulesFile{domain: file}
	chains := []*Chain{NewChain(CountAll, models), NewChain(CountStop, models)}
	var history []Call
	for i := 0; i < calls; i++ {
		call := gen.Next()
		history = append(history, call)
		s := d.send(ctx, call)
		res.Calls++
		for k, ref := range []Answer{s.refAll, s.refSt} {
			out := chains[k].Compare(call, s.now, s.later, ref, s.sluice)
			res.Compared += out.Compared
			res.Skipped += out.Skipped
			for _, m := range out.Classified {
				res.Classified[m.ID]++
			}
			if len(out.Failures) > 0 {
				res.Failure = d.describe(ctx, domain, seed, i, Counting(k), history, out.Failures)
				return res
			}
		}
	}
	return res
}

func referenceName(c Counting) string {
	if c == CountStop {
		return "the reference with STOP_CACHE_KEY_INCREMENT_WHEN_OVERLIMIT=true"
	}
	return "the reference"
}

func (d *Decisions) describe(ctx context.Context, domain string, seed int64, index int,
	against Counting, history []Call, failures []Mismatch) string {
	msg := fmt.Sprintf("domain %s, seed %d, call %d, against %s:\n", domain, seed, index,
		referenceName(against))
	for _, m := range failures {
		msg += fmt.Sprintf("    %s: reference %q, Sluice %q: %s\n", m.Field, m.Reference, m.Sluice,
			m.Reason)
	}
	repro, note := d.shrink(ctx, domain, against, history)
	msg += fmt.Sprintf("  reproduction (%s), %d call(s), each sent to every service in order:\n",
		note, len(repro))
	for _, c := range repro {
		msg += "    " + c.String() + "\n"
	}
	return msg
}

var domainLine = regexp.MustCompile(`(?m)^domain:.*$`)

// reproduces loads the domain's rules again under a new name on all three services and replays
// `calls` on it (fresh counters); true if some call fails against `against`.
func (d *Decisions) reproduces(ctx context.Context, domain string, against Counting, calls []Call) bool {
	text := d.Texts[domain]
	copyName := fmt.Sprintf("%s-shrink%d", domain, d.copies.Add(1))
	if !domainLine.MatchString(text) {
		return false
	}
	copyText := domainLine.ReplaceAllString(text, "domain: "+copyName)
	file, err := ParseRules(copyText)
	if err != nil {
		return false
	}
	d.reloadMu.Lock()
	for _, s := range []*Service{d.Sluice, d.RefAll, d.RefStop} {
		mark, err := s.Reloads()
		if err == nil {
			err = s.Add(copyName+".yaml", copyText)
		}
		if err == nil {
			_, err = s.WaitReload(mark, 10*time.Second, 200*time.Millisecond)
		}
		if err != nil {
			d.reloadMu.Unlock()
			return false
		}
	}
	d.reloadMu.Unlock()
	chain := NewChain(against, map[string]*RulesFile{copyName: file})
	for _, c := range calls {
		c = c.renamed(domain, copyName)
		s := d.send(ctx, c)
		ref := s.refAll
		if against == CountStop {
			ref = s.refSt
		}
		if out := chain.Compare(c, s.now, s.later, ref, s.sluice); len(out.Failures) > 0 {
			return true
		}
	}
	return false
}

// shrink removes calls (never the last) while the failure still reproduces, halving the chunk
// size down to single calls; at most 40 replays.
func (d *Decisions) shrink(ctx context.Context, domain string, against Counting, calls []Call) ([]Call, string) {
	if !d.reproduces(ctx, domain, against, calls) {
		return calls, "not reproduced on a fresh copy of the rules: shown unshrunk"
	}
	replays := 1
	for chunk := len(calls) / 2; chunk >= 1 && replays < 40; chunk /= 2 {
		for start := 0; start+1 < len(calls) && replays < 40; {
			end := min(start+chunk, len(calls)-1)
			candidate := append(append([]Call{}, calls[:start]...), calls[end:]...)
			replays++
			if d.reproduces(ctx, domain, against, candidate) {
				calls = candidate
			} else {
				start = end
			}
		}
	}
	return calls, fmt.Sprintf("shrunk in %d replays on fresh copies of the rules", replays)
}

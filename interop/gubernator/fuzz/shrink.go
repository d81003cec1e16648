package fuzz

import (
	"context"
	"fmt"
	"strings"
)

// Shrink looks for a shorter stream that still shows an unclassified mismatch: it keeps only
// the calls up to the mismatch and only the items on the mismatching key, then removes chunks
// of items (halves, quarters, ... single items) for as long as the mismatch survives. Every
// attempt runs against both services again on fresh keys. Returns the shortest failing stream
// found and its mismatch.
func Shrink(ctx context.Context, svc Services, s *Stream, m *Mismatch, maxRuns int) (*Stream, *Mismatch, error) {
	// Flatten to (time, item) pairs on the mismatching key.
	type entry struct {
		call int
		at   int64
		http bool
		item Item
	}
	callLevel := m.CallErr != "" && len(m.Fields) == 0
	var entries []entry
	for ci := 0; ci <= m.Call && ci < len(s.Calls); ci++ {
		for ii, it := range s.Calls[ci].Items {
			keep := callLevel && ci == m.Call
			if !callLevel {
				target := s.Calls[m.Call].Items[m.Item]
				stateless := target.Name == "" || target.EmptyKey
				if stateless {
					keep = ci == m.Call && ii == m.Item
				} else {
					keep = it.Key == target.Key && it.Name != "" && !it.EmptyKey &&
						(ci < m.Call || ii <= m.Item)
				}
			}
			if keep {
				entries = append(entries, entry{ci, s.Calls[ci].At, s.Calls[ci].HTTP, it})
			}
		}
	}
	build := func(es []entry) *Stream {
		out := &Stream{Seed: s.Seed, Index: s.Index}
		for i, e := range es {
			if i > 0 && es[i-1].call == e.call {
				out.Calls[len(out.Calls)-1].Items = append(out.Calls[len(out.Calls)-1].Items, e.item)
				continue
			}
			out.Calls = append(out.Calls, Call{At: e.at, HTTP: e.http, Items: []Item{e.item}})
		}
		return out
	}
	runs := 0
	fails := func(es []entry) (*Mismatch, error) {
		runs++
		res, err := Run(ctx, svc, build(es))
		if err != nil {
			return nil, err
		}
		return res.Mismatch, nil
	}
	best, bestM := entries, m
	if got, err := fails(best); err != nil {
		return nil, nil, err
	} else if got == nil {
		// Only the whole stream shows it (state shared between keys would be a bug in itself).
		return s, m, nil
	} else {
		bestM = got
	}
	for chunk := len(best) / 2; chunk >= 1 && runs < maxRuns; {
		removed := false
		for start := 0; start+chunk <= len(best) && runs < maxRuns; {
			candidate := append(append([]entry{}, best[:start]...), best[start+chunk:]...)
			if len(candidate) == 0 {
				start += chunk
				continue
			}
			got, err := fails(candidate)
			if err != nil {
				return nil, nil, err
			}
			if got != nil {
				best, bestM, removed = candidate, got, true
				continue // try the same position again
			}
			start += chunk
		}
		if !removed {
			chunk /= 2
		}
	}
	return build(best), bestM, nil
}

// Report renders a mismatch with the way to reproduce it.
func Report(s *Stream, m *Mismatch) string {
	var b strings.Builder
	fmt.Fprintf(&b, "unclassified mismatch in stream %d of seed %d", s.Index, s.Seed)
	switch {
	case m.CallErr != "" && len(m.Fields) == 0:
		fmt.Fprintf(&b, ": the call failed differently: %s\n", m.CallErr)
	case m.CallErr != "":
		fmt.Fprintf(&b, ", %s\n", m.CallErr)
	default:
		fmt.Fprintf(&b, ", fields %s differ\n", strings.Join(m.Fields, ", "))
	}
	fmt.Fprintf(&b, "reproduce: make interop FUZZ_SEED=%d FUZZ_STREAM=%d\n", s.Seed, s.Index)
	fmt.Fprintf(&b, "shortest sequence found (%d items; the key is fresh at the start):\n", s.Items())
	for _, step := range m.History {
		fmt.Fprintf(&b, "  %s\n", step)
	}
	if len(m.History) < s.Items() {
		b.WriteString("(items sent in the same call: ")
		for i, c := range s.Calls {
			if len(c.Items) > 1 {
				fmt.Fprintf(&b, "call %d has %d; ", i+1, len(c.Items))
			}
		}
		b.WriteString(")\n")
	}
	return b.String()
}

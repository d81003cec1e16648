package envoyref

import (
	"fmt"
	"sort"
)

// A decision difference: one switch of Semantics, flipped from the reference's setting to
// Sluice's. Its id is the one in docs/compatibility.md.
type decisionDifference struct {
	id   string
	flip func(*Semantics)
}

// decisionDifferences, in the order the chain flips them. The predicate of each id: the field's
// value changes when exactly this switch flips (see Chain.Classify).
var decisionDifferences = []decisionDifference{
	{"ENVOY-WILDCARD-INNER", func(s *Semantics) { s.Match.innerWildcards = true }},
	{"ENVOY-WILDCARD-KEY", func(s *Semantics) { s.Match.keyEqual = true }},
	{"ENVOY-SHARE-THRESHOLD", func(s *Semantics) { s.ShareThreshold = false }},
	{"ENVOY-QUOTA-MODE", func(s *Semantics) { s.QuotaMode = false }},
	{"ENVOY-OVERRIDE-NO-DOMAIN", func(s *Semantics) { s.OverrideNeedsDomain = false }},
	{"ENVOY-COUNTER-KEY-UNIT", func(s *Semantics) { s.UnitInKey = true }},
	{"ENVOY-REJECTED-HITS", func(s *Semantics) { s.Counting = CountSluice }},
}

// SluiceSemantics is the end of the chain.
func SluiceSemantics() Semantics {
	s := ReferenceSemantics(CountAll)
	for _, d := range decisionDifferences {
		d.flip(&s)
	}
	return s
}

// Chain holds models[0] (the reference's semantics) .. models[len] (Sluice's), each one switch
// further, all fed the same calls.
type Chain struct {
	models []*Model
}

func NewChain(counting Counting, files map[string]*RulesFile) *Chain {
	s := ReferenceSemantics(counting)
	c := &Chain{models: []*Model{NewModel(s, files)}}
	for _, d := range decisionDifferences {
		d.flip(&s)
		c.models = append(c.models, NewModel(s, files))
	}
	return c
}

// Mismatch is one field where the two services' answers differ, or where both agree but the
// harness's models predicted otherwise.
type Mismatch struct {
	Field     string
	Reference string
	Sluice    string
	ID        string // the classifying difference, "" when unclassified
	Reason    string // why it is unclassified
}

// Outcome of comparing one call.
type Outcome struct {
	Compared   int // fields compared
	Skipped    int // fields no model could predict (a window boundary during the call)
	Classified []Mismatch
	Failures   []Mismatch
}

// Compare feeds the call to every model and compares the two real answers field by field.
func (c *Chain) Compare(call Call, now, later int64, ref, sluice Answer) Outcome {
	preds := make([]Prediction, len(c.models))
	for i, m := range c.models {
		preds[i] = m.Apply(call, now, later)
	}
	unknown := map[string]bool{}
	for _, p := range preds {
		for f := range p.Unknown {
			unknown[f] = true
		}
	}
	mf := make([]map[string]string, len(preds))
	for i, p := range preds {
		mf[i] = p.Answer.Fields()
	}
	rf, sf := ref.Fields(), sluice.Fields()
	names := map[string]bool{}
	for f := range rf {
		names[f] = true
	}
	for f := range sf {
		names[f] = true
	}
	sorted := make([]string, 0, len(names))
	for f := range names {
		sorted = append(sorted, f)
	}
	sort.Strings(sorted)

	var out Outcome
	first, last := mf[0], mf[len(mf)-1]
	for _, f := range sorted {
		if unknown[f] {
			out.Skipped++
			continue
		}
		out.Compared++
		r, s := rf[f], sf[f]
		m := Mismatch{Field: f, Reference: r, Sluice: s}
		switch {
		case r == s && first[f] == r && last[f] == s:
			continue
		case r == s:
			m.Reason = fmt.Sprintf("both services answer %q but the harness predicted %q (reference) "+
				"and %q (Sluice): the harness's reading is wrong", r, first[f], last[f])
		case r != first[f]:
			m.Reason = fmt.Sprintf("the reference answers %q where its documented behaviour gives %q",
				r, first[f])
		case s != last[f]:
			m.Reason = fmt.Sprintf("Sluice answers %q where its documented behaviour gives %q",
				s, last[f])
		default:
			for k := 1; k < len(mf); k++ {
				if mf[k-1][f] != mf[k][f] {
					m.ID = decisionDifferences[k-1].id
					break
				}
			}
		}
		if m.ID != "" {
			out.Classified = append(out.Classified, m)
		} else {
			out.Failures = append(out.Failures, m)
		}
	}
	return out
}

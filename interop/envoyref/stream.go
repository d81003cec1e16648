package envoyref

import (
	"math/rand"
	"strings"
)

// StreamGen makes random ShouldRateLimit calls for one rules file: 1 to 5 descriptors, entries
// walked down the file's tree (known keys and values, values matching its wildcards) mixed with
// unknown keys and values, request and per-descriptor hits_addend, per-descriptor limit overrides
// and now and then an unknown domain.
type StreamGen struct {
	r    *rand.Rand
	file *RulesFile
}

func NewStreamGen(seed int64, file *RulesFile) *StreamGen {
	return &StreamGen{r: rand.New(rand.NewSource(seed)), file: file}
}

var (
	streamUnknownKeys   = []string{"user", "path", "zzz", "method", "tenant"}
	streamUnknownValues = []string{"a", "b", "c", "zz", "", "/api/x"}
)

func (g *StreamGen) chance(p float64) bool { return g.r.Float64() < p }

// valueFor picks a request value for a node: its value, a value its wildcard matches, or one
// from a small pool (so counters are hit often enough to reach their limits).
func (g *StreamGen) valueFor(n *RuleNode) string {
	switch {
	case n.Value == "":
		return streamUnknownValues[g.r.Intn(len(streamUnknownValues))]
	case strings.Contains(n.Value, "*") && g.chance(0.8):
		fill := []string{"", "1", "ab", "x/y"}
		parts := strings.Split(n.Value, "*")
		var b strings.Builder
		for i, p := range parts {
			if i > 0 {
				b.WriteString(fill[g.r.Intn(len(fill))])
			}
			b.WriteString(p)
		}
		return b.String()
	case g.chance(0.1):
		return n.Value + "z"
	}
	return n.Value
}

func (g *StreamGen) descriptor() Descriptor {
	var d Descriptor
	level := g.file.Descriptors
	for len(d.Entries) < 5 {
		if len(level) == 0 || g.chance(0.12) {
			if len(d.Entries) > 0 && !g.chance(0.3) {
				break
			}
			d.Entries = append(d.Entries, Entry{
				Key:   streamUnknownKeys[g.r.Intn(len(streamUnknownKeys))],
				Value: streamUnknownValues[g.r.Intn(len(streamUnknownValues))]})
			level = nil
			continue
		}
		n := level[g.r.Intn(len(level))]
		e := Entry{Key: n.Key, Value: g.valueFor(n)}
		// Now and then the same composite key_value split elsewhere, or a key that a rule key
		// ending in `*` covers: the reference matches composites, Sluice keys and values.
		if k := strings.Index(n.Key, "_"); k > 0 && g.chance(0.1) {
			e = Entry{Key: n.Key[:k], Value: n.Key[k+1:] + "_" + e.Value}
		} else if strings.HasSuffix(n.Key, "*") && g.chance(0.3) {
			e.Key = strings.TrimSuffix(n.Key, "*") + "zz"
		}
		d.Entries = append(d.Entries, e)
		if len(n.Descriptors) == 0 || (n.RateLimit != nil && g.chance(0.4)) {
			if g.chance(0.05) {
				level = nil // one entry too many: the depth no longer matches
				continue
			}
			break
		}
		level = n.Descriptors
	}
	if g.chance(0.08) {
		units := []int32{1, 1, 1, 2, 2, 3, 4, 5, 6, 7}
		d.Override = &Override{RequestsPerUnit: uint32(g.r.Intn(8)), Unit: units[g.r.Intn(len(units))]}
	}
	if g.chance(0.15) {
		h := uint64(g.r.Intn(4))
		d.Hits = &h
	}
	return d
}

// Next is the next call of the stream.
func (g *StreamGen) Next() Call {
	c := Call{Domain: g.file.Domain}
	if g.chance(0.02) {
		c.Domain = "no-such-domain-" + g.file.Domain
	}
	switch x := g.r.Float64(); {
	case x < 0.6:
	case x < 0.8:
		c.HitsAddend = 1
	case x < 0.97:
		c.HitsAddend = uint32(2 + g.r.Intn(4))
	default:
		c.HitsAddend = 100
	}
	n := 1 + g.r.Intn(5)
	if g.chance(0.5) {
		n = 1 + g.r.Intn(2)
	}
	for i := 0; i < n; i++ {
		c.Descriptors = append(c.Descriptors, g.descriptor())
	}
	return c
}

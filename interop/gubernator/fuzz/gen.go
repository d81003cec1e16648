// Package fuzz is the differential fuzzer: seeded random request streams sent to a real
// Gubernator v2.13.0 node (in this process) and a real sluice node, every answer compared field
// by field; a mismatch must be one of the deliberate differences of docs/compatibility.md
// (differences.go) or the run fails with the seed and a shrunk request sequence.
package fuzz

import (
	"math"
	"math/rand/v2"
	"time"

	gubernator "github.com/gubernator-io/gubernator/v2"
)

// Item is one RateLimitReq of a call, on one of the stream's logical keys.
type Item struct {
	Key       int // logical key; the unique_key is chosen when the stream runs
	Name      string
	EmptyKey  bool // send unique_key ""
	Hits      int64
	Limit     int64
	Duration  int64
	Algorithm int32
	Behavior  int32
	Burst     int64
	CreatedAt *int64 // nil: left out, the server uses its clock
}

// Call is one GetRateLimits call made when both clocks show At (epoch ms), over gRPC or, when
// HTTP is set, as JSON through both services' HTTP gateways.
type Call struct {
	At    int64
	HTTP  bool
	Items []Item
}

// Stream is a reproducible request sequence: Generate(seed, index) always returns the same.
type Stream struct {
	Seed, Index uint64
	Calls       []Call
}

// Items counts the stream's items.
func (s *Stream) Items() int {
	n := 0
	for _, c := range s.Calls {
		n += len(c.Items)
	}
	return n
}

// keyConfig is what a client configured for a key; it changes now and then on a live key.
type keyConfig struct {
	algorithm int32
	limit     int64
	duration  int64
	burst     int64
	gregorian bool
}

type gen struct {
	r *rand.Rand
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }
func (g *gen) between(lo, hi int64) int64 {
	return lo + g.r.Int64N(hi-lo+1)
}

func pick[T any](g *gen, xs ...T) T { return xs[g.r.IntN(len(xs))] }

var (
	epochLo = time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()
	epochHi = time.Date(2031, 12, 31, 0, 0, 0, 0, time.UTC).UnixMilli()
)

// startTime: a random instant, or just before the end of a calendar interval so Gregorian
// windows roll over within the stream.
func (g *gen) startTime() int64 {
	t := time.UnixMilli(g.between(epochLo, epochHi)).UTC()
	if !g.chance(0.3) {
		return t.UnixMilli()
	}
	var end time.Time
	switch g.r.IntN(6) {
	case 0:
		end = t.Truncate(time.Minute).Add(time.Minute)
	case 1:
		end = t.Truncate(time.Hour).Add(time.Hour)
	case 2:
		end = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
	case 3: // ISO week: next Monday
		days := (8 - int(t.Weekday())) % 7
		if days == 0 {
			days = 7
		}
		end = time.Date(t.Year(), t.Month(), t.Day()+days, 0, 0, 0, 0, time.UTC)
	case 4:
		end = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
	default:
		end = time.Date(t.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	return end.UnixMilli() - g.between(0, 3000)
}

func (g *gen) limit() int64 {
	switch {
	case g.chance(0.01):
		return 0
	case g.chance(0.005):
		return -g.between(1, 10)
	case g.chance(0.5):
		return pick(g, int64(1), 2, 3, 5, 10, 100, 1000)
	default:
		return g.between(1, 60)
	}
}

func (g *gen) config() keyConfig {
	c := keyConfig{algorithm: int32(g.r.IntN(2)), limit: g.limit()}
	if g.chance(0.003) {
		c.algorithm = pick(g, int32(2), 5, -1)
	}
	c.duration = g.duration()
	if g.chance(0.12) {
		c.gregorian = true
		c.duration = int64(g.r.IntN(6))
		if g.chance(0.05) {
			c.duration = pick(g, int64(6), -1, 100)
		}
	}
	if g.chance(0.3) {
		c.burst = g.between(1, 2*max(c.limit, 1))
	}
	return c
}

func (g *gen) duration() int64 {
	switch {
	case g.chance(0.02):
		return 0
	case g.chance(0.005):
		return -g.between(1, 1000)
	case g.chance(0.3):
		return g.between(1, 100)
	case g.chance(0.5):
		return pick(g, int64(1000), 5000, 10000, 60000)
	default:
		return pick(g, int64(3600000), 86400000, g.between(100, 120000))
	}
}

// mutate changes one setting of a live key.
func (g *gen) mutate(c keyConfig) keyConfig {
	switch g.r.IntN(5) {
	case 0:
		c.limit = g.limit()
	case 1:
		c.duration = g.duration()
		c.gregorian = false
	case 2:
		c.burst = 0
		if g.chance(0.7) {
			c.burst = g.between(1, 2*max(c.limit, 1))
		}
	case 3:
		c.algorithm = 1 - c.algorithm&1
	default:
		c = g.config()
	}
	return c
}

func (g *gen) hits(c keyConfig) int64 {
	capacity := max(c.limit, c.burst, 1)
	switch x := g.r.Float64(); {
	case x < 0.10:
		return 0
	case x < 0.48:
		return 1
	case x < 0.68:
		return g.between(2, 5)
	case x < 0.75:
		return -g.between(1, 5)
	case x < 0.80:
		return capacity
	case x < 0.88:
		return g.between(capacity+1, 2*capacity+1)
	case x < 0.98:
		return g.between(1, capacity)
	case x < 0.995:
		return 1_000_000
	default:
		return pick(g, int64(math.MaxInt64), math.MinInt64, 1<<62, -(1 << 62))
	}
}

func (g *gen) behavior(c keyConfig) int32 {
	var b int32
	for _, f := range []struct {
		bit int32
		p   float64
	}{{int32(gubernator.Behavior_NO_BATCHING), 0.2}, {int32(gubernator.Behavior_GLOBAL), 0.15},
		{int32(gubernator.Behavior_RESET_REMAINING), 0.05}, {int32(gubernator.Behavior_MULTI_REGION), 0.03},
		{int32(gubernator.Behavior_DRAIN_OVER_LIMIT), 0.15}} {
		if g.chance(f.p) {
			b |= f.bit
		}
	}
	if c.gregorian {
		b |= int32(gubernator.Behavior_DURATION_IS_GREGORIAN)
	}
	return b
}

// step is how far the clock moves before a call.
func (g *gen) step(c keyConfig) int64 {
	switch x := g.r.Float64(); {
	case x < 0.3:
		return 0
	case x < 0.5:
		return g.between(1, 10)
	case x < 0.75:
		perToken := max(c.duration, 1) / max(c.limit, 1)
		return g.between(1, max(2*perToken, 2))
	case x < 0.93:
		return g.between(1, max(c.duration, 1))
	case x < 0.98:
		return max(c.duration, 1) + g.between(0, 2)
	default:
		return pick(g, int64(60000), 3600000, 86400000, 40*86400000)
	}
}

func (g *gen) batchSize() int {
	switch x := g.r.Float64(); {
	case x < 0.85:
		return 1 + g.r.IntN(5)
	case x < 0.95:
		return 6 + g.r.IntN(45)
	default:
		return 51 + g.r.IntN(950)
	}
}

// Generate builds stream `index` of the run seeded with `seed`, about `items` items long.
func Generate(seed, index uint64, items int) *Stream {
	g := &gen{r: rand.New(rand.NewPCG(seed, index))}
	s := &Stream{Seed: seed, Index: index}
	nkeys := 1 + g.r.IntN(4)
	if g.chance(0.2) {
		nkeys = 1 + g.r.IntN(20)
	}
	configs := make([]keyConfig, nkeys)
	for i := range configs {
		configs[i] = g.config()
	}
	now := g.startTime()
	for n := 0; n < items; {
		hot := g.r.IntN(nkeys) // the key that sets the pace of this call
		now += g.step(configs[hot])
		call := Call{At: now, HTTP: g.chance(0.1)}
		size := g.batchSize()
		for i := 0; i < size; i++ {
			k := hot
			if g.chance(0.3) {
				k = g.r.IntN(nkeys)
			}
			if g.chance(0.03) {
				configs[k] = g.mutate(configs[k])
			}
			c := configs[k]
			it := Item{Key: k, Name: "fz", Hits: g.hits(c), Limit: c.limit, Duration: c.duration,
				Algorithm: c.algorithm, Behavior: g.behavior(c), Burst: c.burst}
			switch x := g.r.Float64(); {
			case x < 0.7:
				at := now
				it.CreatedAt = &at
			case x < 0.85:
				at := now + g.between(-3000, 3000)
				it.CreatedAt = &at
			}
			if g.chance(0.005) {
				it.Name = ""
			}
			if g.chance(0.005) {
				it.EmptyKey = true
			}
			call.Items = append(call.Items, it)
		}
		n += size
		s.Calls = append(s.Calls, call)
	}
	return s
}

package fuzz

import (
	gubernator "github.com/gubernator-io/gubernator/v2"
)

// Difference is one row of docs/compatibility.md that a single standalone node can show, with
// the predicate that recognises it. A predicate sees the mismatching key's history since the
// key was fresh on both services (the last step is the mismatch) and says whether this
// difference explains it. Predicates look at requests and at Gubernator's answers only, never
// at Sluice's, so a Sluice bug cannot excuse itself.
//
// Rows that one standalone node cannot show are not here: the cluster rows (the cluster suite
// covers GLOBAL and forwarding), gregorian-utc (both services run in UTC), and the API rows
// about health, PeersV1 and HTTP status codes, which no GetRateLimits answer shows (the
// conformance suite names those it checks).
type Difference struct {
	ID      string
	Explain func(history []Step) bool
}

// Differences is the fuzzer's table; every id is a row of docs/compatibility.md (checked by
// TestDifferencesAreDocumented).
var Differences = []Difference{
	{"token-renewal-answer", tokenRenewalAnswer},
	{"leaky-burst-refill", leakyBurstRefill},
	{"leaky-gregorian-rate", leakyGregorianRate},
	{"leaky-zero-limit", leakyZeroLimit},
	{"gregorian-weeks", gregorianWeeks},
	{"leaky-int64-range", leakyInt64Range},
	{"request-range", requestRange},
}

// Classify names the difference that explains m, or "" when none does.
func Classify(m *Mismatch) string {
	for _, d := range Differences {
		if d.Explain(m.History) {
			return d.ID
		}
	}
	return ""
}

func isToken(it Item) bool                    { return it.Algorithm == int32(gubernator.Algorithm_TOKEN_BUCKET) }
func isLeaky(it Item) bool                    { return it.Algorithm == int32(gubernator.Algorithm_LEAKY_BUCKET) }
func has(it Item, b gubernator.Behavior) bool { return it.Behavior&int32(b) != 0 }

func effectiveBurst(it Item) int64 {
	if it.Burst == 0 {
		return it.Limit
	}
	return it.Burst
}

// Some token request on the key had a duration different from the key's previous token
// request, and Gubernator's reset_time says the window was renewed (created_at + duration):
// Gubernator answered from the old window's remaining, and if that was 0 it stored a sticky
// OVER_LIMIT on the renewed bucket. The two buckets can differ from then on even when that
// answer happened to agree (DRAIN_OVER_LIMIT on Sluice's fresh bucket, say), so the whole
// history is examined.
func tokenRenewalAnswer(h []Step) bool {
	for i, step := range h {
		it := step.Item
		if !isToken(it) || step.Gubernator.Error != "" {
			continue
		}
		prev := before(h, i, isToken)
		if prev == nil || prev.Item.Duration == it.Duration {
			continue
		}
		created := step.At
		if it.CreatedAt != nil {
			created = *it.CreatedAt
		}
		if step.Gubernator.ResetTime == created+it.Duration {
			return true
		}
	}
	return false
}

// Some leaky request on the key changed the burst (a limit change with burst 0 included) to
// more than Gubernator had left: Gubernator refilled the bucket. The bucket's fraction differs
// from then on, so the whole history is examined.
func leakyBurstRefill(h []Step) bool {
	for i := 1; i < len(h); i++ {
		it := h[i].Item
		if !isLeaky(it) {
			continue
		}
		prev := before(h, i, isLeaky)
		if prev == nil {
			continue
		}
		if effectiveBurst(it) != effectiveBurst(prev.Item) &&
			(effectiveBurst(it) > prev.Gubernator.Remaining || has(it, gubernator.Behavior_RESET_REMAINING)) {
			return true
		}
	}
	return false
}

// A leaky request with DURATION_IS_GREGORIAN touched the key.
func leakyGregorianRate(h []Step) bool {
	return touched(h, func(it Item) bool {
		return isLeaky(it) && has(it, gubernator.Behavior_DURATION_IS_GREGORIAN)
	})
}

// A leaky request with limit <= 0 (Gubernator divides by zero) or duration 0 (Gubernator's
// rate is 0 and its leak +Inf, which Go converts to an undefined integer) touched the key.
func leakyZeroLimit(h []Step) bool {
	return touched(h, func(it Item) bool {
		return isLeaky(it) && (it.Limit <= 0 ||
			it.Duration == 0 && !has(it, gubernator.Behavior_DURATION_IS_GREGORIAN))
	})
}

// A Gregorian request with interval code 3 (weeks) touched the key.
func gregorianWeeks(h []Step) bool {
	return touched(h, func(it Item) bool {
		return has(it, gubernator.Behavior_DURATION_IS_GREGORIAN) && it.Duration == 3
	})
}

// A leaky request whose hits a float64 cannot hold exactly (|hits| >= 2^53) touched the key.
func leakyInt64Range(h []Step) bool {
	return touched(h, func(it Item) bool {
		return isLeaky(it) && (it.Hits >= 1<<53 || it.Hits <= -(1<<53))
	})
}

// maxRequestValue is the bound Sluice's door puts on every int64 field (core/admission.h).
const maxRequestValue = int64(1) << 53

// A request with hits, limit, duration or burst beyond ±2^53, or created_at beyond 0..2^53,
// touched the key: Sluice answered it with an item error and left the bucket alone, Gubernator
// applied it with wrap-around arithmetic.
func requestRange(h []Step) bool {
	out := func(v, low int64) bool { return v < low || v > maxRequestValue }
	return touched(h, func(it Item) bool {
		return out(it.Hits, -maxRequestValue) || out(it.Limit, -maxRequestValue) ||
			out(it.Duration, -maxRequestValue) || out(it.Burst, -maxRequestValue) ||
			it.CreatedAt != nil && out(*it.CreatedAt, 0)
	})
}

func touched(h []Step, f func(Item) bool) bool {
	for _, s := range h {
		if f(s.Item) {
			return true
		}
	}
	return false
}

// before is the last step ahead of h[i] whose item satisfies f and that Gubernator applied
// (an item error leaves the bucket untouched).
func before(h []Step, i int, f func(Item) bool) *Step {
	for j := i - 1; j >= 0; j-- {
		if f(h[j].Item) && h[j].Gubernator.Error == "" {
			return &h[j]
		}
	}
	return nil
}

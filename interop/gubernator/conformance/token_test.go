package conformance

import (
	"testing"

	gubernator "github.com/gubernator-io/gubernator/v2"
)

// A fixed window from the first hit; at the limit a hit is refused and the refusal is sticky
// for the rest of the window; the entry lives while expire_at >= now (strict <), then a new
// window starts.
func TestTokenBucket(t *testing.T) {
	each(t, func(r *runner) {
		k, t0 := r.key("k"), r.now()
		r.expect("1st hit", r.hit(req("token", k, 1, 2, 5000)), under(2, 1, t0+5000))
		r.at(1000)
		r.expect("2nd hit", r.hit(req("token", k, 1, 2, 5000)), under(2, 0, t0+5000))
		r.at(2000)
		r.expect("3rd hit", r.hit(req("token", k, 1, 2, 5000)), over(2, 0, t0+5000))
		r.expect("read after refusal", r.hit(req("token", k, 0, 2, 5000)), over(2, 0, t0+5000))
		r.at(5000)
		r.expect("at expire_at, still the old window", r.hit(req("token", k, 1, 2, 5000)),
			over(2, 0, t0+5000))
		r.at(5001)
		r.expect("new window", r.hit(req("token", k, 1, 2, 5000)), under(2, 1, t0+5001+5000))
	})
}

func TestTokenOverTheLimit(t *testing.T) {
	each(t, func(r *runner) {
		k, t0 := r.key("k"), r.now()
		r.expect("1", r.hit(req("over", k, 1, 2, 9000)), under(2, 1, t0+9000))
		r.expect("2", r.hit(req("over", k, 1, 2, 9000)), under(2, 0, t0+9000))
		r.expect("3", r.hit(req("over", k, 1, 2, 9000)), over(2, 0, t0+9000))
	})
}

// More hits than are left: refused without consuming anything; smaller requests still pass.
func TestTokenRequestMoreThanAvailable(t *testing.T) {
	each(t, func(r *runner) {
		k, t0 := r.key("k"), r.now()
		r.expect("1000 of 2000", r.hit(req("more", k, 1000, 2000, 9000)), under(2000, 1000, t0+9000))
		r.expect("1500 refused", r.hit(req("more", k, 1500, 2000, 9000)), over(2000, 1000, t0+9000))
		r.expect("the last 1000", r.hit(req("more", k, 1000, 2000, 9000)), under(2000, 0, t0+9000))
		r.expect("oversize first hit", r.hit(req("more", r.key("big"), 3000, 2000, 9000)),
			over(2000, 2000, t0+9000))
	})
}

// Negative hits give tokens back without a cap, even on a bucket that is sticky OVER_LIMIT.
func TestTokenNegativeHits(t *testing.T) {
	each(t, func(r *runner) {
		k, t0 := r.key("k"), r.now()
		q := func(hits int64) *gubernator.RateLimitReq { return req("neg", k, hits, 10, 9000) }
		r.expect("-1 on a new key", r.hit(q(-1)), under(10, 11, t0+9000))
		r.expect("5", r.hit(q(5)), under(10, 6, t0+9000))
		r.expect("-2", r.hit(q(-2)), under(10, 8, t0+9000))
		r.expect("8", r.hit(q(8)), under(10, 0, t0+9000))
		r.expect("1 at zero", r.hit(q(1)), over(10, 0, t0+9000))
		r.expect("-1 on a refused bucket", r.hit(q(-1)), over(10, 1, t0+9000))
	})
}

// DRAIN_OVER_LIMIT empties the bucket when it refuses.
func TestDrainOverLimit(t *testing.T) {
	each(t, func(r *runner) {
		k, t0 := r.key("token"), r.now()
		drain := gubernator.Behavior_DRAIN_OVER_LIMIT
		r.expect("token 1", r.hit(req("drain", k, 1, 10, 9000)), under(10, 9, t0+9000))
		r.expect("token 100 drains", r.hit(with(req("drain", k, 100, 10, 9000), drain)),
			over(10, 0, t0+9000))
		r.expect("token read", r.hit(req("drain", k, 0, 10, 9000)), under(10, 0, t0+9000))
		r.expect("token 1", r.hit(req("drain", k, 1, 10, 9000)), over(10, 0, t0+9000))

		l := r.key("leaky")
		r.expect("leaky 1", r.hit(leaky(req("drain", l, 1, 10, 10000))), under(10, 9, t0+1000))
		r.expect("leaky 100 drains", r.hit(with(leaky(req("drain", l, 100, 10, 10000)), drain)),
			over(10, 0, t0+1000))
		r.expect("leaky read", r.hit(leaky(req("drain", l, 0, 10, 10000))), under(10, 0, t0+10000))
	})
}

// RESET_REMAINING: the token bucket forgets the key and ignores the hits (reset_time 0); on a
// key it does not know it is an ordinary hit. The leaky bucket refills, then counts the hits.
func TestResetRemaining(t *testing.T) {
	each(t, func(r *runner) {
		k, t0 := r.key("token"), r.now()
		reset := gubernator.Behavior_RESET_REMAINING
		r.expect("token hit", r.hit(req("reset", k, 1, 100, 9000)), under(100, 99, t0+9000))
		r.expect("token reset", r.hit(with(req("reset", k, 5, 100, 9000), reset)),
			under(100, 100, 0))
		r.at(10)
		r.expect("token after reset", r.hit(req("reset", k, 1, 100, 9000)),
			under(100, 99, t0+10+9000))
		r.expect("token reset of an unknown key", r.hit(with(req("reset", r.key("new"), 3, 100, 9000), reset)),
			under(100, 97, t0+10+9000))

		l := r.key("leaky")
		r.expect("leaky 10", r.hit(leaky(req("reset", l, 10, 100, 10000))), under(100, 90, t0+10+1000))
		r.expect("leaky reset + 1", r.hit(with(leaky(req("reset", l, 1, 100, 10000)), reset)),
			under(100, 99, t0+10+100))
	})
}

// TestChangeLimit: a live key's limit changes. The token bucket shifts what is left by the
// difference; the leaky bucket's capacity (burst = limit) shrinks and what is left is capped.
func TestChangeLimit(t *testing.T) {
	each(t, func(r *runner) {
		k, t0 := r.key("k"), r.now()
		q := func(algo gubernator.Algorithm, limit int64) *gubernator.RateLimitReq {
			x := req("change_limit", k, 1, limit, 9000)
			x.Algorithm = algo
			return x
		}
		tb, lb := gubernator.Algorithm_TOKEN_BUCKET, gubernator.Algorithm_LEAKY_BUCKET
		r.expect("token 100", r.hit(q(tb, 100)), under(100, 99, t0+9000))
		r.expect("token 100", r.hit(q(tb, 100)), under(100, 98, t0+9000))
		r.expect("token limit 10", r.hit(q(tb, 10)), under(10, 7, t0+9000))
		r.expect("token 10", r.hit(q(tb, 10)), under(10, 6, t0+9000))
		r.expect("token limit 200", r.hit(q(tb, 200)), under(200, 195, t0+9000))
		// Switching algorithm starts a new bucket; rate 90 ms per token.
		r.expect("leaky 100", r.hit(q(lb, 100)), under(100, 99, t0+90))
		// Rate 900 ms per token; 99 left is capped to the new capacity 10, then one hit.
		r.expect("leaky limit 10", r.hit(q(lb, 10)), under(10, 9, t0+900))
		r.expect("leaky 10", r.hit(q(lb, 10)), under(10, 8, t0+1800))
	})
}

// A live key's duration changes: the window end is recomputed from the window's start; when
// that end has passed the window is renewed.
func TestChangeDuration(t *testing.T) {
	each(t, func(r *runner) {
		k, t0 := r.key("k"), r.now()
		r.expect("3 hits", r.hit(req("change_duration", k, 3, 10, 10000)), under(10, 7, t0+10000))
		r.at(2000)
		r.expect("longer window", r.hit(req("change_duration", k, 1, 10, 20000)), under(10, 6, t0+20000))
		r.at(6000)
		// The new end t0+5000 has passed: renewed at t0+6000 with the whole limit.
		r.expect("renewing read", r.hit(req("change_duration", k, 0, 10, 5000)), r.differs(
			"token-renewal-answer", under(10, 6, t0+6000+5000), under(10, 10, t0+6000+5000)))
		r.expect("after renewal", r.hit(req("change_duration", k, 1, 10, 5000)), under(10, 9, t0+6000+5000))
	})
}

// Switching algorithm on a live key discards the old state.
func TestChangeAlgorithm(t *testing.T) {
	each(t, func(r *runner) {
		k, t0 := r.key("k"), r.now()
		r.expect("token 5", r.hit(req("change_algo", k, 5, 10, 10000)), under(10, 5, t0+10000))
		r.expect("leaky 1", r.hit(leaky(req("change_algo", k, 1, 10, 10000))), under(10, 9, t0+1000))
		r.expect("token 1", r.hit(req("change_algo", k, 1, 10, 10000)), under(10, 9, t0+10000))
	})
}

// hits = 0 creates the bucket and reports it.
func TestZeroHits(t *testing.T) {
	each(t, func(r *runner) {
		t0 := r.now()
		r.expect("token", r.hit(req("zero", r.key("token"), 0, 10, 10000)), under(10, 10, t0+10000))
		r.expect("leaky", r.hit(leaky(req("zero", r.key("leaky"), 0, 10, 10000))), under(10, 10, t0))
		burst := leaky(req("zero", r.key("burst"), 0, 10, 10000))
		burst.Burst = 15
		r.expect("leaky burst 15", r.hit(burst), under(10, 15, t0-5000))
	})
}

// created_at supplied by the client is the time the algorithms compute with.
func TestCreatedAt(t *testing.T) {
	each(t, func(r *runner) {
		t0 := r.now()
		at := t0 - 3000
		q := req("created_at", r.key("token"), 1, 10, 10000)
		q.CreatedAt = &at
		r.expect("token", r.hit(q), under(10, 9, at+10000))
		l := leaky(req("created_at", r.key("leaky"), 4, 10, 10000))
		l.CreatedAt = &at
		r.expect("leaky", r.hit(l), under(10, 6, at+4000))
	})
}

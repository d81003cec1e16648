package conformance

import (
	"testing"

	gubernator "github.com/gubernator-io/gubernator/v2"
)

// Limit 5 per 5 s: one token leaks back every 1000 ms, only whole tokens are applied and the
// fraction is kept; reset_time is when the bucket would be full again.
func TestLeakyBucket(t *testing.T) {
	each(t, func(r *runner) {
		k, t0 := r.key("k"), r.now()
		q := func(hits int64) *gubernator.RateLimitReq { return leaky(req("leaky", k, hits, 5, 5000)) }
		r.expect("1", r.hit(q(1)), under(5, 4, t0+1000))
		r.expect("1", r.hit(q(1)), under(5, 3, t0+2000))
		r.expect("3 takes the rest", r.hit(q(3)), under(5, 0, t0+5000))
		r.expect("1 when empty", r.hit(q(1)), over(5, 0, t0+5000))
		r.at(500)
		r.expect("half a token leaked", r.hit(q(1)), over(5, 0, t0+500+5000))
		r.at(1000)
		r.expect("one token leaked", r.hit(q(1)), under(5, 0, t0+1000+5000))
		r.at(3500)
		r.expect("2.5 leaked, read", r.hit(q(0)), under(5, 2, t0+3500+3000))
		r.at(4000)
		r.expect("half more, not applied", r.hit(q(1)), under(5, 1, t0+4000+4000))
		r.at(4500)
		r.expect("one more", r.hit(q(1)), under(5, 1, t0+4500+4000))
		r.at(100000)
		r.expect("expired, a new bucket", r.hit(q(1)), under(5, 4, t0+100000+1000))
	})
}

// Burst above the limit: capacity 20, refill 10 per second; reset_time may lie before now.
func TestLeakyBucketWithBurst(t *testing.T) {
	each(t, func(r *runner) {
		k, t0 := r.key("k"), r.now()
		q := func(hits int64) *gubernator.RateLimitReq {
			x := leaky(req("burst", k, hits, 10, 1000))
			x.Burst = 20
			return x
		}
		r.expect("1", r.hit(q(1)), under(10, 19, t0-900))
		r.expect("19", r.hit(q(19)), under(10, 0, t0+1000))
		r.expect("1 when empty", r.hit(q(1)), over(10, 0, t0+1000))
		r.at(200)
		r.expect("2 leaked", r.hit(q(0)), under(10, 2, t0+200+800))
		r.at(5000)
		r.expect("full again", r.hit(q(5)), under(10, 15, t0+5000-500))
	})
}

func TestLeakyBucketNegativeHits(t *testing.T) {
	each(t, func(r *runner) {
		k, t0 := r.key("k"), r.now()
		q := func(hits int64) *gubernator.RateLimitReq { return leaky(req("leaky_neg", k, hits, 10, 10000)) }
		r.expect("-1 on a new key", r.hit(q(-1)), under(10, 11, t0-1000))
		r.expect("read caps to burst", r.hit(q(0)), under(10, 10, t0))
		r.expect("10", r.hit(q(10)), under(10, 0, t0+10000))
		r.expect("-5", r.hit(q(-5)), under(10, 5, t0+5000))
	})
}

func TestLeakyBucketRequestMoreThanAvailable(t *testing.T) {
	each(t, func(r *runner) {
		k, t0 := r.key("k"), r.now()
		q := func(hits int64) *gubernator.RateLimitReq { return leaky(req("leaky_more", k, hits, 2000, 60000)) }
		r.expect("1000", r.hit(q(1000)), under(2000, 1000, t0+30000))
		r.expect("1500 refused", r.hit(q(1500)), over(2000, 1000, t0+30000))
		r.expect("oversize first hit empties", r.hit(leaky(req("leaky_more", r.key("big"), 3000, 2000, 60000))),
			over(2000, 0, t0+60000))
	})
}

// Leaky + DURATION_IS_GREGORIAN (minutes, 60 per minute: one token a second). Gubernator
// computes a new bucket's rate from the interval code (0 ms per token) and existing buckets'
// from the minute's length; Sluice uses the minute's length throughout.
func TestLeakyBucketGregorian(t *testing.T) {
	each(t, func(r *runner) {
		k, t0 := r.key("k"), r.now()
		q := func(hits int64) *gubernator.RateLimitReq {
			return with(leaky(req("leaky_greg", k, hits, 60, gubernator.GregorianMinutes)),
				gubernator.Behavior_DURATION_IS_GREGORIAN)
		}
		r.expect("new bucket", r.hit(q(1)), r.differs("leaky-gregorian-rate",
			under(60, 59, t0), under(60, 59, t0+1000)))
		r.expect("same instant", r.hit(q(1)), under(60, 58, t0+2000))
		r.at(1000)
		r.expect("a second later", r.hit(q(1)), under(60, 58, t0+1000+2000))
	})
}

// Gubernator's TestLeakyBucketDivBug: 2000 per second is half a millisecond per token, which
// truncates to 0, so every reset_time is created_at.
func TestLeakyBucketDivBug(t *testing.T) {
	each(t, func(r *runner) {
		k, t0 := r.key("k"), r.now()
		r.expect("1", r.hit(leaky(req("div", k, 1, 2000, 1000))), under(2000, 1999, t0))
		r.expect("100", r.hit(leaky(req("div", k, 100, 2000, 1000))), under(2000, 1899, t0))
	})
}

package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	gubernator "github.com/gubernator-io/gubernator/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"sluice/interop/gubernator/compat"
)

func TestMissingFields(t *testing.T) {
	each(t, func(r *runner) {
		t0 := r.now()
		r.expect("duration 0", r.hit(req("missing", r.key("a"), 1, 10, 0)), under(10, 9, t0))
		r.expect("limit 0", r.hit(req("missing", r.key("b"), 1, 0, 10000)), over(0, 0, t0+10000))
		r.expect("no name", r.hit(req("", r.key("c"), 1, 5, 10000)),
			failed("field 'namespace' cannot be empty"))
		r.expect("no unique_key", r.hit(req("missing", "", 1, 5, 10000)),
			failed("field 'unique_key' cannot be empty"))
		r.expect("neither: unique_key is checked first", r.hit(req("", "", 1, 5, 10000)),
			failed("field 'unique_key' cannot be empty"))
		// One bad item does not fail the others.
		got := r.call(req("", r.key("d"), 1, 5, 10000), req("missing", r.key("e"), 1, 5, 10000))
		r.expect("bad item of two", got[0], failed("field 'namespace' cannot be empty"))
		r.expect("good item of two", got[1], under(5, 4, t0+10000))
	})
}

func TestInvalidAlgorithm(t *testing.T) {
	each(t, func(r *runner) {
		for _, algo := range []int32{2, 7, -1} {
			k := r.key(fmt.Sprint("k", algo))
			q := req("algo", k, 1, 10, 10000)
			q.Algorithm = gubernator.Algorithm(algo)
			r.expect(fmt.Sprint("algorithm ", algo), r.hit(q), failed(fmt.Sprintf(
				"Error while apply rate limit for 'algo_%s': during workerPool.GetRateLimit: "+
					"Invalid rate limit algorithm '%d'", k, algo)))
		}
	})
}

// Token bucket + DURATION_IS_GREGORIAN: the window ends at the last millisecond of the current
// calendar interval (UTC here), every interval code.
func TestGregorianIntervals(t *testing.T) {
	now := time.UnixMilli(base).UTC() // Wednesday 2023-11-15 10:20:30
	end := func(t time.Time) int64 { return t.UnixMilli() - 1 }
	intervals := []struct {
		code int64
		name string
		end  int64
	}{
		{gubernator.GregorianMinutes, "minutes", end(now.Truncate(time.Minute).Add(time.Minute))},
		{gubernator.GregorianHours, "hours", end(now.Truncate(time.Hour).Add(time.Hour))},
		{gubernator.GregorianDays, "days", end(time.Date(2023, 11, 16, 0, 0, 0, 0, time.UTC))},
		{gubernator.GregorianMonths, "months", end(time.Date(2023, 12, 1, 0, 0, 0, 0, time.UTC))},
		{gubernator.GregorianYears, "years", end(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))},
	}
	greg := gubernator.Behavior_DURATION_IS_GREGORIAN
	each(t, func(r *runner) {
		for _, iv := range intervals {
			r.expect(iv.name, r.hit(with(req("greg", r.key(iv.name), 1, 10, iv.code), greg)),
				under(10, 9, iv.end))
		}
		weeks := r.key("weeks")
		r.expect("weeks", r.hit(with(req("greg", weeks, 1, 10, gubernator.GregorianWeeks), greg)),
			r.differs("gregorian-weeks",
				failed("Error while apply rate limit for 'greg_"+weeks+"': during workerPool.GetRateLimit: "+
					"Error in tokenBucket: `Duration = GregorianWeeks` not yet supported; consider making a PR!`"),
				under(10, 9, end(time.Date(2023, 11, 20, 0, 0, 0, 0, time.UTC)))))
		bad := r.key("bad")
		r.expect("code 6", r.hit(with(req("greg", bad, 1, 10, 6), greg)), failed(
			"Error while apply rate limit for 'greg_"+bad+"': during workerPool.GetRateLimit: "+
				"Error in tokenBucket: behavior DURATION_IS_GREGORIAN is set; but `Duration` is not a valid gregorian interval"))
		lbad := r.key("leaky_bad")
		r.expect("leaky code 6", r.hit(with(leaky(req("greg", lbad, 1, 10, 6)), greg)), failed(
			"Error while apply rate limit for 'greg_"+lbad+"': during workerPool.GetRateLimit: "+
				"Error in leakyBucket: behavior DURATION_IS_GREGORIAN is set; but `Duration` is not a valid gregorian interval"))
		// The minute window renews at the next minute.
		k, minuteEnd := r.key("renew"), intervals[0].end
		q := func() *gubernator.RateLimitReq { return with(req("greg", k, 1, 10, gubernator.GregorianMinutes), greg) }
		r.expect("first", r.hit(q()), under(10, 9, minuteEnd))
		r.at(minuteEnd - base)
		r.expect("last millisecond of the minute", r.hit(q()), under(10, 8, minuteEnd))
		r.at(minuteEnd + 1 - base)
		r.expect("next minute", r.hit(q()), under(10, 9, minuteEnd+60000))
	})
}

func TestTooManyItems(t *testing.T) {
	each(t, func(r *runner) {
		var reqs []*gubernator.RateLimitReq
		for i := 0; i < 1001; i++ {
			reqs = append(reqs, req("many", r.key(fmt.Sprint(i%7)), 1, 100000, 60000))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := r.tg.client.GetRateLimits(ctx, &gubernator.GetRateLimitsReq{Requests: reqs})
		st := status.Convert(err)
		if st.Code() != codes.OutOfRange ||
			st.Message() != "Requests.RateLimits list too large; max size is '1000'" {
			r.t.Errorf("1001 items: got %v, want OutOfRange with Gubernator's message", err)
		}
		// 1000 items with duplicate keys are evaluated in order.
		got := r.call(reqs[:1000]...)
		for i, g := range got {
			want := under(100000, 100000-int64(i/7)-1, r.now()+60000)
			if g.Status != want.Status || g.Remaining != want.Remaining || g.ResetTime != want.Reset {
				r.t.Fatalf("item %d: got %+v, want %+v", i, g, want)
			}
		}
	})
}

func TestHealthCheck(t *testing.T) {
	each(t, func(r *runner) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		h, err := r.tg.client.HealthCheck(ctx, &gubernator.HealthCheckReq{})
		if err != nil {
			r.t.Fatalf("HealthCheck: %v", err)
		}
		if h.Status != "healthy" || h.PeerCount != 1 || h.Message != "" {
			r.t.Errorf("HealthCheck: %+v, want healthy with 1 peer", h)
		}
		if _, err := r.tg.client.LiveCheck(ctx, &gubernator.LiveCheckReq{}); err != nil {
			r.t.Errorf("LiveCheck: %v", err)
		}
	})
}

// The gateway's JSON: proto field names, int64 as strings, enum names, zero values present.
// Both services' bodies must have the same shape and, on the same clock, the same values.
func TestHTTPWireShape(t *testing.T) {
	ctx := context.Background()
	bodies := map[string]map[string]any{}
	for _, tg := range targets(t) {
		if tg.http == nil {
			continue
		}
		if err := clk.Set(base); err != nil {
			t.Fatal(err)
		}
		// What a Gubernator HTTP user sends (README): lowerCamel names, int64 as strings.
		body := `{"requests":[{"name":"wire","uniqueKey":"k","hits":"1","limit":"10","duration":"1000"},` +
			`{"name":"wire","unique_key":"k","hits":2,"limit":10,"duration":1000,"algorithm":"TOKEN_BUCKET","ignored":true},` +
			`{"name":"wire","uniqueKey":"k","hits":"20","limit":"10","duration":"1000","behavior":0}]}`
		code, raw, err := tg.http.Raw(ctx, "POST", "/v1/GetRateLimits", []byte(body))
		if err != nil || code != 200 {
			t.Fatalf("%s: POST: %d %v %s", tg.name, code, err, raw)
		}
		var parsed map[string]any
		if err := json.Unmarshal(raw, &parsed); err != nil {
			t.Fatalf("%s: %v in %s", tg.name, err, raw)
		}
		// Keys are per-service; both start from the same state.
		bodies[tg.name] = parsed
		if _, _, err := tg.http.Raw(ctx, "POST", "/v1/GetRateLimits", []byte(
			`{"requests":[{"name":"wire","uniqueKey":"k","hits":"1","limit":"10","duration":"1000","behavior":"RESET_REMAINING"}]}`)); err != nil {
			t.Fatal(err)
		}
	}
	if g, s := bodies["gubernator/http"], bodies["sluice/http"]; !reflect.DeepEqual(g, s) {
		t.Errorf("GetRateLimits JSON differs:\ngubernator: %v\nsluice:     %v", g, s)
	}

	// Errors: the gateway's body with the gRPC code.
	for _, tc := range []struct{ name, body string }{
		{"malformed JSON", `{"requests":[`},
		{"1001 items", func() string {
			s := `{"requests":[`
			for i := 0; i < 1001; i++ {
				if i > 0 {
					s += ","
				}
				s += `{"name":"n","uniqueKey":"k"}`
			}
			return s + `]}`
		}()},
	} {
		shapes := map[string]string{}
		for _, tg := range targets(t) {
			if tg.http == nil {
				continue
			}
			code, raw, err := tg.http.Raw(ctx, "POST", "/v1/GetRateLimits", []byte(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			var e map[string]any
			if err := json.Unmarshal(raw, &e); err != nil {
				t.Fatalf("%s %s: %v in %s", tg.name, tc.name, err, raw)
			}
			shapes[tg.name] = fmt.Sprintf("HTTP %d code %v keys %v", code, e["code"], keys(e))
			if tc.name == "1001 items" {
				shapes[tg.name] += fmt.Sprintf(" message %q", e["message"])
			}
		}
		if shapes["gubernator/http"] != shapes["sluice/http"] {
			t.Errorf("%s: gubernator %s; sluice %s", tc.name, shapes["gubernator/http"], shapes["sluice/http"])
		}
	}

	// Health: the same fields, except the peer lists Sluice adds from v2.19.
	health := map[string][]string{}
	for _, tg := range targets(t) {
		if tg.http == nil {
			continue
		}
		code, raw, err := tg.http.Raw(ctx, "GET", "/v1/HealthCheck", nil)
		var h map[string]any
		if err != nil || code != 200 || json.Unmarshal(raw, &h) != nil {
			t.Fatalf("%s: HealthCheck: %d %v %s", tg.name, code, err, raw)
		}
		if tg.sluice {
			if err := compat.Documented("health-peer-lists"); err != nil {
				t.Fatal(err)
			}
			delete(h, "local_peers")
			delete(h, "region_peers")
		}
		health[tg.name] = keys(h)
		if h["peer_count"] != float64(1) || h["status"] != "healthy" {
			t.Errorf("%s: HealthCheck %s", tg.name, raw)
		}
	}
	if !reflect.DeepEqual(health["gubernator/http"], health["sluice/http"]) {
		t.Errorf("HealthCheck fields: gubernator %v, sluice %v", health["gubernator/http"], health["sluice/http"])
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Package conformance runs Gubernator's own Go client (DialV1Server, the generated V1Client)
// and its HTTP gateway JSON against a real sluice node, scenario by scenario over what
// Gubernator's functional tests check. Every scenario runs against a real Gubernator v2.13.0
// node too, so each expected value is proven to be Gubernator's before Sluice is held to it;
// where Sluice deliberately differs the scenario names the difference's id from
// docs/compatibility.md and states both answers.
package conformance

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	gubernator "github.com/gubernator-io/gubernator/v2"
	"sluice/interop/gubernator/compat"
	"sluice/interop/gubernator/harness"
)

// base is where every scenario starts its clock: a Wednesday, 10:20:30 UTC, mid-month.
var base = time.Date(2023, 11, 15, 10, 20, 30, 0, time.UTC).UnixMilli()

var (
	clk    *harness.Clock
	guber  *harness.Gubernator
	sluice *harness.Sluice
)

func TestMain(m *testing.M) {
	time.Local = time.UTC // Gubernator computes Gregorian intervals in the local zone
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "conformance:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	var err error
	if clk, err = harness.NewClock(base); err != nil {
		return 0, err
	}
	defer clk.Close()
	nodes, err := harness.StartGubernatorCluster(1, harness.GubernatorOptions{})
	if err != nil {
		return 0, err
	}
	defer harness.StopGubernators(nodes)
	guber = nodes[0]
	if sluice, err = harness.StartSluice(harness.SluiceOptions{Clock: clk}); err != nil {
		return 0, err
	}
	defer sluice.Stop()
	return m.Run(), nil
}

// target is one service reached over one transport.
type target struct {
	name   string
	sluice bool
	client gubernator.V1Client
	http   *harness.HTTPClient // nil over gRPC
}

func targets(t *testing.T) []target {
	var out []target
	for _, svc := range []struct {
		name       string
		sluice     bool
		grpc, http string
	}{{"gubernator", false, guber.GRPCAddr, guber.HTTPAddr},
		{"sluice", true, sluice.GRPCAddr, sluice.HTTPAddr}} {
		c, err := gubernator.DialV1Server(svc.grpc, nil)
		if err != nil {
			t.Fatalf("DialV1Server(%s): %v", svc.grpc, err)
		}
		h := harness.NewHTTPClient(svc.http)
		out = append(out, target{svc.name + "/grpc", svc.sluice, c, nil},
			target{svc.name + "/http", svc.sluice, h, h})
	}
	return out
}

// each runs scenario once per service and transport, each run with its own keys and the clock
// back at base.
func each(t *testing.T, scenario func(r *runner)) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			if !sluice.Alive() {
				t.Fatalf("sluice died:\n%s", sluice.Output())
			}
			if err := clk.Set(base); err != nil {
				t.Fatal(err)
			}
			scenario(&runner{t: t, tg: tg, prefix: strings.NewReplacer("/", "_").Replace(tg.name)})
		})
	}
}

type runner struct {
	t      *testing.T
	tg     target
	prefix string
}

// key is a unique_key private to this test and target.
func (r *runner) key(name string) string {
	return fmt.Sprintf("%s_%s_%s", r.t.Name(), r.prefix, name)
}

func (r *runner) now() int64 { return clk.Now() }

// at moves the shared clock to base + ms.
func (r *runner) at(ms int64) {
	r.t.Helper()
	if err := clk.Set(base + ms); err != nil {
		r.t.Fatal(err)
	}
}

func (r *runner) call(reqs ...*gubernator.RateLimitReq) []*gubernator.RateLimitResp {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := r.tg.client.GetRateLimits(ctx, &gubernator.GetRateLimitsReq{Requests: reqs})
	if err != nil {
		r.t.Fatalf("GetRateLimits: %v", err)
	}
	if len(resp.Responses) != len(reqs) {
		r.t.Fatalf("%d answers to %d requests", len(resp.Responses), len(reqs))
	}
	return resp.Responses
}

func (r *runner) hit(req *gubernator.RateLimitReq) *gubernator.RateLimitResp {
	r.t.Helper()
	return r.call(req)[0]
}

// want is an expected answer; Reset is absolute epoch ms.
type want struct {
	Status    gubernator.Status
	Limit     int64
	Remaining int64
	Reset     int64
	Error     string
}

func under(limit, remaining, reset int64) want {
	return want{gubernator.Status_UNDER_LIMIT, limit, remaining, reset, ""}
}

func over(limit, remaining, reset int64) want {
	return want{gubernator.Status_OVER_LIMIT, limit, remaining, reset, ""}
}

func failed(text string) want { return want{Error: text} }

// expect checks every field of an answer; step names the call in failure messages.
func (r *runner) expect(step string, got *gubernator.RateLimitResp, w want) {
	r.t.Helper()
	g := want{got.Status, got.Limit, got.Remaining, got.ResetTime, got.Error}
	if g != w {
		r.t.Errorf("%s: got %+v, want %+v", step, g, w)
	}
	if len(got.Metadata) != 0 {
		r.t.Errorf("%s: metadata %v on a standalone node, want none", step, got.Metadata)
	}
}

// differs picks Gubernator's or Sluice's expected answer for a step where Sluice deliberately
// differs; id must be a row of docs/compatibility.md.
func (r *runner) differs(id string, gubernatorWants, sluiceWants want) want {
	r.t.Helper()
	if err := compat.Documented(id); err != nil {
		r.t.Fatal(err)
	}
	if r.tg.sluice {
		return sluiceWants
	}
	return gubernatorWants
}

// req builds a request; fields not given are zero as in a client that leaves them out.
func req(name, key string, hits, limit, duration int64) *gubernator.RateLimitReq {
	return &gubernator.RateLimitReq{Name: name, UniqueKey: key, Hits: hits, Limit: limit,
		Duration: duration}
}

func leaky(q *gubernator.RateLimitReq) *gubernator.RateLimitReq {
	q.Algorithm = gubernator.Algorithm_LEAKY_BUCKET
	return q
}

func with(q *gubernator.RateLimitReq, b gubernator.Behavior) *gubernator.RateLimitReq {
	q.Behavior |= b
	return q
}

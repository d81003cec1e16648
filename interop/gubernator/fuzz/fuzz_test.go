package fuzz

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	gubernator "github.com/gubernator-io/gubernator/v2"
	"sluice/interop/gubernator/compat"
	"sluice/interop/gubernator/harness"
)

func envInt(name string, def int64) int64 {
	if v := os.Getenv(name); v != "" {
		n, err := strconv.ParseInt(strings.ReplaceAll(v, "_", ""), 10, 64)
		if err != nil {
			panic(fmt.Sprintf("%s=%q: %v", name, v, err))
		}
		return n
	}
	return def
}

// TestDifferential: streams generated from FUZZ_SEED (default 1) until FUZZ_REQUESTS answers
// (default 200,000; 20,000 with INTEROP_QUICK=1) have been compared; about half as many again
// are sent and not compared, because they hit a key whose state differs on purpose until it is
// renamed at the end of the call. FUZZ_STREAM=N runs stream N alone.
func TestDifferential(t *testing.T) {
	def := int64(200_000)
	if os.Getenv("INTEROP_QUICK") != "" {
		def = 20_000
	}
	total := envInt("FUZZ_REQUESTS", def)
	seed := uint64(envInt("FUZZ_SEED", 1))
	only := envInt("FUZZ_STREAM", -1)

	time.Local = time.UTC // Gubernator computes Gregorian intervals in the local zone
	clk, err := harness.NewClock(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	defer clk.Close()
	const cache = 1 << 20 // no evictions on either side during a run
	nodes, err := harness.StartGubernatorCluster(1, harness.GubernatorOptions{
		CacheSize: cache,
		// A standalone Gubernator owner still re-reads every GLOBAL key with hits = 0 in the
		// background before "broadcasting" to no one, and that read applies RESET_REMAINING
		// again (compatibility.md, broadcast-read-no-reset). Holding the broadcast back keeps
		// its answers a function of the request stream alone; the cluster suite covers GLOBAL.
		Behaviors: gubernator.BehaviorConfig{GlobalSyncWait: 1000 * time.Hour, GlobalBatchLimit: 1 << 21},
	})
	if err != nil {
		t.Fatal(err)
	}
	// No Close: it would wait for the held-back broadcast timer (an uninterruptible sleep).
	// The node lives in this test process and ends with it.
	sl, err := harness.StartSluice(harness.SluiceOptions{Clock: clk, CacheSize: cache})
	if err != nil {
		t.Fatal(err)
	}
	defer sl.Stop()
	gc, err := gubernator.DialV1Server(nodes[0].GRPCAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := gubernator.DialV1Server(sl.GRPCAddr, nil)
	if err != nil {
		t.Fatal(err)
	}
	svc := Services{Gubernator: gc, Sluice: sc, Clock: clk,
		GubernatorHTTP: harness.NewHTTPClient(nodes[0].HTTPAddr), SluiceHTTP: harness.NewHTTPClient(sl.HTTPAddr)}
	ctx := context.Background()

	start := time.Now()
	var items, compared, streams, unrepeatable, calls, httpCalls int
	classified := map[string]int{}
	for index := uint64(0); int64(compared) < total; index++ {
		if only >= 0 && index != uint64(only) {
			if index > uint64(only) {
				break
			}
			continue
		}
		s := Generate(seed, index, 20+int(index*7919%380))
		res, err := Run(ctx, svc, s)
		if err != nil {
			t.Fatalf("stream %d: %v", index, err)
		}
		if !sl.Alive() {
			t.Fatalf("sluice died during stream %d of seed %d:\n%s", index, seed, sl.Output())
		}
		streams++
		items += res.Items
		calls += res.Calls
		httpCalls += res.HTTPCalls
		compared += res.Compared
		for id, n := range res.Classified {
			classified[id] += n
		}
		if res.Mismatch != nil {
			// Run the stream again on fresh keys: a mismatch that does not come back was not
			// caused by the requests (a clock read that missed the latest time, say); it is
			// reported, not shrunk.
			again, err := Run(ctx, svc, s)
			if err != nil {
				t.Fatalf("stream %d: %v", index, err)
			}
			if again.Mismatch == nil {
				unrepeatable++
				t.Logf("summary: NOT REPRODUCIBLE (once, then not on a rerun): %s", Report(s, res.Mismatch))
				continue
			}
			small, m, err := Shrink(ctx, svc, s, again.Mismatch, 400)
			if err != nil {
				t.Fatalf("shrinking: %v\nunshrunk:\n%s", err, Report(s, res.Mismatch))
			}
			t.Fatalf("%s", Report(small, m))
		}
	}
	var ids []string
	for id := range classified {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var parts []string
	for _, id := range ids {
		parts = append(parts, fmt.Sprintf("%s %d", id, classified[id]))
	}
	t.Logf("summary: fuzz seed %d: %d requests in %d calls (%d through the HTTP gateways), %d streams, "+
		"%d answers compared, %.0f requests/s; "+
		"deliberate differences seen: %s; mismatches not reproducible: %d", seed, items, calls,
		httpCalls, streams, compared, float64(items)/time.Since(start).Seconds(), strings.Join(parts, ", "), unrepeatable)
}

// Every id in the table is a row of docs/compatibility.md.
func TestDifferencesAreDocumented(t *testing.T) {
	for _, d := range Differences {
		if err := compat.Documented(d.ID); err != nil {
			t.Error(err)
		}
	}
}

// The same seed and index always give the same stream.
func TestGenerateIsReproducible(t *testing.T) {
	a, b := Generate(7, 3, 300), Generate(7, 3, 300)
	if !reflect.DeepEqual(a, b) || a.Items() < 300 {
		t.Fatalf("streams differ or are short: %d items", a.Items())
	}
	if reflect.DeepEqual(Generate(7, 4, 300).Calls, a.Calls) {
		t.Fatal("different indexes gave the same stream")
	}
}

package otlp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// quick: the short form `make test` runs (INTEROP_QUICK=1).
var quick = os.Getenv("INTEROP_QUICK") != ""

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

// cluster starts `n` nodes that know each other, exporting to `endpoint`, with `extra` flags
// and environment; stopped at the end of the test.
func cluster(t *testing.T, n int, endpoint string, extra []string, env []string) []*Node {
	t.Helper()
	grpcs, https := make([]string, n), make([]string, n)
	for i := range grpcs {
		grpcs[i], https[i] = FreeAddr(), FreeAddr()
	}
	var nodes []*Node
	t.Cleanup(func() {
		for _, node := range nodes {
			node.Stop()
		}
	})
	for i := 0; i < n; i++ {
		args := append([]string{"--peers", strings.Join(grpcs, ",")}, extra...)
		nodeEnv := env
		if i == 0 { // the standard variable works as well as the flag
			nodeEnv = append(nodeEnv, "OTEL_EXPORTER_OTLP_ENDPOINT="+endpoint)
		} else {
			args = append(args, "--otlp-endpoint", endpoint)
		}
		node, err := StartNode(fmt.Sprintf("node-%d", i), grpcs[i], https[i], args, nodeEnv)
		if err != nil {
			t.Fatal(err)
		}
		nodes = append(nodes, node)
	}
	return nodes
}

func startReceiver(t *testing.T) *Receiver {
	t.Helper()
	r, err := Start(context.Background(), FreeAddr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Stop(context.Background()) })
	return r
}

// waitFor polls `cond` for up to 30 s (export batches leave every second).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

func spansOf(r *Receiver, traceID string) []Span {
	var out []Span
	for _, s := range r.Spans() {
		if s.TraceID == traceID {
			out = append(out, s)
		}
	}
	return out
}

func find(spans []Span, instance, name string) *Span {
	for i := range spans {
		if spans[i].Instance == instance && spans[i].Name == name {
			return &spans[i]
		}
	}
	return nil
}

// A call with a traceparent to one node yields, in the caller's trace, the receiving node's door,
// routing, batch and peer-call spans and the owner's PeersV1 server span, each parented on the
// one before.
func TestTraceCrossesAForward(t *testing.T) {
	receiver := startReceiver(t)
	nodes := cluster(t, 3, receiver.Endpoint, nil, nil)
	conn, err := Dial(nodes[0].GRPCAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()

	// Keys are random: under the default ring hash (fnv1) keys that differ only in their last
	// characters land next to each other on the circle, so "key-0".."key-39" can all belong to
	// one peer (docs/cluster.md "Ring balance"), leaving no local key or no forwarded one.
	type call struct{ traceID, parent, owner string }
	var forwarded, local *call
	const tries = 200
	for i := 0; i < tries && (forwarded == nil || local == nil); i++ {
		c := &call{traceID: randomHex(16), parent: randomHex(8)}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		answers, err := GetRateLimits(ctx, conn, "00-"+c.traceID+"-"+c.parent+"-01",
			[]Item{{Name: "trace", Key: randomHex(8), Hits: 1, Limit: 10, Duration: 60000}})
		cancel()
		if err != nil || len(answers) != 1 || answers[0].Error != "" {
			t.Fatalf("call %d: %v %+v", i, err, answers)
		}
		c.owner = answers[0].Owner
		if c.owner == nodes[0].GRPCAddr { // some versions name the owner even when it is this node
			c.owner = ""
		}
		if c.owner != "" && forwarded == nil {
			forwarded = c
		} else if c.owner == "" && local == nil {
			local = c
		}
	}
	if forwarded == nil || local == nil {
		t.Fatalf("%d random keys did not include one owned by node-0 and one owned elsewhere", tries)
	}
	owner := ""
	for _, n := range nodes {
		if n.GRPCAddr == forwarded.owner {
			owner = n.Name
		}
	}

	var spans []Span
	waitFor(t, "the owner's span of the forwarded call", func() bool {
		spans = spansOf(receiver, forwarded.traceID)
		return find(spans, owner, "pb.gubernator.PeersV1/GetPeerRateLimits") != nil &&
			find(spans, "node-0", "pb.gubernator.V1/GetRateLimits") != nil
	})
	door := find(spans, "node-0", "pb.gubernator.V1/GetRateLimits")
	route := find(spans, "node-0", "sluice.route")
	batch := find(spans, "node-0", "sluice.forward_batch")
	peer := find(spans, "node-0", "pb.gubernator.PeersV1/GetPeerRateLimits")
	server := find(spans, owner, "pb.gubernator.PeersV1/GetPeerRateLimits")
	for name, s := range map[string]*Span{"route": route, "batch": batch, "peer call": peer} {
		if s == nil {
			t.Fatalf("no %s span from node-0 in %+v", name, spans)
		}
	}
	chain := []struct {
		name   string
		span   *Span
		parent string
		kind   ptrace.SpanKind
	}{
		{"door", door, forwarded.parent, ptrace.SpanKindServer},
		{"route", route, door.SpanID, ptrace.SpanKindInternal},
		{"batch", batch, route.SpanID, ptrace.SpanKindInternal},
		{"peer call", peer, batch.SpanID, ptrace.SpanKindClient},
		{"owner", server, peer.SpanID, ptrace.SpanKindServer},
	}
	for _, c := range chain {
		if c.span.ParentSpanID != c.parent {
			t.Errorf("%s span's parent is %q, want %q", c.name, c.span.ParentSpanID, c.parent)
		}
		if c.span.Kind != c.kind {
			t.Errorf("%s span's kind is %v, want %v", c.name, c.span.Kind, c.kind)
		}
		if c.span.Service != "sluice" {
			t.Errorf("%s span's service.name is %q", c.name, c.span.Service)
		}
	}
	if door.Attributes["rpc.system"] != "grpc" || door.Attributes["rpc.service"] != "pb.gubernator.V1" ||
		door.Attributes["rpc.method"] != "GetRateLimits" || door.Attributes["sluice.items"] != int64(1) ||
		door.Attributes["sluice.errors"] != int64(0) {
		t.Errorf("door attributes: %v", door.Attributes)
	}
	if route.Attributes["sluice.owner"] != forwarded.owner || route.Attributes["sluice.forwarded"] != int64(1) {
		t.Errorf("route attributes: %v (owner %s)", route.Attributes, forwarded.owner)
	}
	if batch.Attributes["sluice.batch.size"] == nil || batch.Attributes["sluice.batch.wait_us"] == nil {
		t.Errorf("batch attributes: %v", batch.Attributes)
	}
	if server.Attributes["sluice.items"] != int64(1) {
		t.Errorf("owner span attributes: %v", server.Attributes)
	}

	// The local call: door and route only, the route naming this node.
	waitFor(t, "the local call's spans", func() bool {
		return find(spansOf(receiver, local.traceID), "node-0", "sluice.route") != nil
	})
	localSpans := spansOf(receiver, local.traceID)
	if r := find(localSpans, "node-0", "sluice.route"); r.Attributes["sluice.owner"] != "self" ||
		r.Attributes["sluice.local"] != int64(1) {
		t.Errorf("local route attributes: %v", r.Attributes)
	}
	for _, s := range localSpans {
		if s.Instance != "node-0" {
			t.Errorf("local call has a span from %s: %+v", s.Instance, s)
		}
	}
}

// An unsampled caller (flags 00) gets no spans, on the receiving node or the owner; a sampled
// call sent after it does (so the export had time to carry the first).
func TestUnsampledCallerGetsNoSpans(t *testing.T) {
	receiver := startReceiver(t)
	nodes := cluster(t, 3, receiver.Endpoint, nil, nil)
	conn, err := Dial(nodes[1].GRPCAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	unsampled := randomHex(16)
	for i := 0; i < 20; i++ {
		_, err := GetRateLimits(context.Background(), conn, "00-"+unsampled+"-"+randomHex(8)+"-00",
			[]Item{{Name: "off", Key: fmt.Sprintf("k%d", i), Hits: 1, Limit: 10, Duration: 60000}})
		if err != nil {
			t.Fatal(err)
		}
	}
	sampled := randomHex(16)
	if _, err := GetRateLimits(context.Background(), conn, "00-"+sampled+"-"+randomHex(8)+"-01",
		[]Item{{Name: "on", Key: "k", Hits: 1, Limit: 10, Duration: 60000}}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the sampled call's spans", func() bool { return len(spansOf(receiver, sampled)) > 0 })
	if spans := spansOf(receiver, unsampled); len(spans) != 0 {
		t.Fatalf("unsampled trace has %d spans: %+v", len(spans), spans)
	}
}

// Sampling off (OTEL_TRACES_SAMPLER=always_off): calls without a context export nothing at all.
func TestSamplerOffExportsNothing(t *testing.T) {
	receiver := startReceiver(t)
	nodes := cluster(t, 1, receiver.Endpoint, nil, []string{"OTEL_TRACES_SAMPLER=always_off"})
	conn, err := Dial(nodes[0].GRPCAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for i := 0; i < 50; i++ {
		if _, err := GetRateLimits(context.Background(), conn, "",
			[]Item{{Name: "off", Key: fmt.Sprint(i), Hits: 1, Limit: 10, Duration: 60000}}); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(2500 * time.Millisecond) // two export periods
	if spans := receiver.Spans(); len(spans) != 0 {
		t.Fatalf("always_off exported %d spans", len(spans))
	}
	exported, err := Metric(nodes[0].HTTPAddr, "sluice_trace_spans_exported_total")
	if err != nil || exported != 0 {
		t.Fatalf("exported %v (%v)", exported, err)
	}
}

// A receiver that is down, stalls or answers 500: every decision is still answered at once, the
// spans that could not be sent are counted as dropped, and the process does not grow.
func TestBrokenReceiverNeverSlowsDecisions(t *testing.T) {
	calls := 6000
	if quick {
		calls = 2000
	}
	down := "http://" + FreeAddr() // nobody listens
	stalled := stallingServer(t)
	failing := statusServer(t, http.StatusInternalServerError)
	for _, c := range []struct{ name, endpoint, reason string }{
		{"down", down, "export_failed"},
		{"stalled", stalled, "queue_full"},
		{"500", failing, "rejected"},
	} {
		t.Run(c.name, func(t *testing.T) {
			// A small ASan quarantine (the CI build is the asan one), so RSS shows the queue, not
			// freed memory ASan holds back.
			nodes := cluster(t, 1, c.endpoint, nil, []string{"ASAN_OPTIONS=quarantine_size_mb=4"})
			conn, err := Dial(nodes[0].GRPCAddr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			before := rssKiB(t, nodes[0].Pid())
			start := time.Now()
			var slowest time.Duration
			for i := 0; i < calls; i++ {
				callStart := time.Now()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				answers, err := GetRateLimits(ctx, conn, "00-"+randomHex(16)+"-"+randomHex(8)+"-01",
					[]Item{{Name: "broken", Key: fmt.Sprint(i % 100), Hits: 1, Limit: 1000000, Duration: 60000}})
				cancel()
				if err != nil || len(answers) != 1 || answers[0].Error != "" {
					t.Fatalf("call %d: %v %+v", i, err, answers)
				}
				if d := time.Since(callStart); d > slowest {
					slowest = d
				}
			}
			elapsed := time.Since(start)
			// A decision never waits for the exporter: the export timeout is 10 s and the backoff
			// up to 5 s, so a blocked call would take seconds.
			if slowest > 2*time.Second {
				t.Errorf("slowest call took %v", slowest)
			}
			series := `sluice_trace_spans_dropped_total{reason="` + c.reason + `"}`
			waitFor(t, series, func() bool {
				v, err := Metric(nodes[0].HTTPAddr, series)
				return err == nil && v > 0
			})
			after := rssKiB(t, nodes[0].Pid())
			// The queue holds at most 2048 spans (a few MB); 64 MB of growth would mean it is not
			// bounded.
			if after-before > 64*1024 {
				t.Errorf("RSS grew from %d KiB to %d KiB", before, after)
			}
			t.Logf("%s: %d calls in %v (slowest %v), RSS %d -> %d KiB", c.name, calls, elapsed,
				slowest, before, after)
		})
	}
}

func rssKiB(t *testing.T, pid int) int {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			v, _ := strconv.Atoi(strings.Fields(line)[1])
			return v
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// stallingServer accepts connections and never answers.
func stallingServer(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	})
	return "http://" + l.Addr().String()
}

func statusServer(t *testing.T, status int) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + l.Addr().String()
}

// Package otlp runs the OpenTelemetry Collector's own OTLP receiver in the test process, with
// an in-memory sink, so Sluice's exporter is checked by a real receiver rather than by our own
// parsing of what we send.
package otlp

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
)

// Receiver is a started OTLP/HTTP receiver on 127.0.0.1.
type Receiver struct {
	Endpoint string // http://127.0.0.1:port
	rcv      receiver.Traces
	mu       sync.Mutex
	batches  []ptrace.Traces
}

// Start runs the receiver's OTLP/HTTP protocol (only) on addr ("127.0.0.1:port").
func Start(ctx context.Context, addr string) (*Receiver, error) {
	factory := otlpreceiver.NewFactory()
	cfg := factory.CreateDefaultConfig().(*otlpreceiver.Config)
	cfg.Protocols.GRPC = configoptional.None[configgrpc.ServerConfig]()
	http := cfg.Protocols.HTTP.GetOrInsertDefault()
	http.ServerConfig.NetAddr.Endpoint = addr
	cfg.Protocols.HTTP = configoptional.Some(*http)
	r := &Receiver{Endpoint: "http://" + addr}
	sink, err := consumer.NewTraces(func(_ context.Context, td ptrace.Traces) error {
		r.mu.Lock()
		defer r.mu.Unlock()
		kept := ptrace.NewTraces()
		td.CopyTo(kept)
		r.batches = append(r.batches, kept)
		return nil
	})
	if err != nil {
		return nil, err
	}
	r.rcv, err = factory.CreateTraces(ctx, receivertest.NewNopSettings(factory.Type()), cfg, sink)
	if err != nil {
		return nil, err
	}
	if err := r.rcv.Start(ctx, componenttest.NewNopHost()); err != nil {
		return nil, err
	}
	return r, nil
}

// Span is one received span with its resource's service.instance.id.
type Span struct {
	Instance     string
	Service      string
	TraceID      string
	SpanID       string
	ParentSpanID string
	Name         string
	Kind         ptrace.SpanKind
	Error        bool
	Attributes   map[string]any
}

// Spans returns every span received so far.
func (r *Receiver) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Span
	for _, td := range r.batches {
		for i := 0; i < td.ResourceSpans().Len(); i++ {
			rs := td.ResourceSpans().At(i)
			attrs := rs.Resource().Attributes()
			instance, service := "", ""
			if v, ok := attrs.Get("service.instance.id"); ok {
				instance = v.AsString()
			}
			if v, ok := attrs.Get("service.name"); ok {
				service = v.AsString()
			}
			for j := 0; j < rs.ScopeSpans().Len(); j++ {
				spans := rs.ScopeSpans().At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					s := spans.At(k)
					span := Span{Instance: instance, Service: service, TraceID: s.TraceID().String(),
						SpanID: s.SpanID().String(), Name: s.Name(), Kind: s.Kind(),
						Error: s.Status().Code() == ptrace.StatusCodeError, Attributes: s.Attributes().AsRaw()}
					if !s.ParentSpanID().IsEmpty() {
						span.ParentSpanID = s.ParentSpanID().String()
					}
					out = append(out, span)
				}
			}
		}
	}
	return out
}

// Stop shuts the receiver down.
func (r *Receiver) Stop(ctx context.Context) error { return r.rcv.Shutdown(ctx) }

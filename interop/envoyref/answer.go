package envoyref

import (
	"encoding/json"
	"fmt"
	"strings"

	corepb "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	commonpb "github.com/envoyproxy/go-control-plane/envoy/extensions/common/ratelimit/v3"
	typepb "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	rlspb "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// Call is one ShouldRateLimit request of a stream.
type Call struct {
	Domain      string
	HitsAddend  uint32
	Descriptors []Descriptor
}

// Descriptor is one request descriptor: entries, an optional per-request limit override and an
// optional per-descriptor hits_addend (0 allowed).
type Descriptor struct {
	Entries  []Entry
	Override *Override `json:",omitempty"`
	Hits     *uint64   `json:",omitempty"`
}

// Override is RateLimitDescriptor.limit.
type Override struct {
	RequestsPerUnit uint32
	Unit            int32 // envoy.type.v3.RateLimitUnit (7 is read as WEEK by both services)
}

// Proto is the call as the wire message.
func (c Call) Proto() *rlspb.RateLimitRequest {
	req := &rlspb.RateLimitRequest{Domain: c.Domain, HitsAddend: c.HitsAddend}
	for _, d := range c.Descriptors {
		pd := &commonpb.RateLimitDescriptor{}
		for _, e := range d.Entries {
			pd.Entries = append(pd.Entries, &commonpb.RateLimitDescriptor_Entry{Key: e.Key, Value: e.Value})
		}
		if d.Override != nil {
			pd.Limit = &commonpb.RateLimitDescriptor_RateLimitOverride{
				RequestsPerUnit: d.Override.RequestsPerUnit, Unit: typepb.RateLimitUnit(d.Override.Unit)}
		}
		if d.Hits != nil {
			pd.HitsAddend = wrapperspb.UInt64(*d.Hits)
		}
		req.Descriptors = append(req.Descriptors, pd)
	}
	return req
}

// Answer is a ShouldRateLimit answer reduced to the fields compared.
type Answer struct {
	Error    string // gRPC status code when the call failed, else ""
	Overall  rlspb.RateLimitResponse_Code
	Statuses []Status
	Headers  []string // "key=value", in order
}

// Status is one DescriptorStatus.
type Status struct {
	Code      rlspb.RateLimitResponse_Code
	Limit     string // "<requests_per_unit>/<UNIT>/<name>", or "" without current_limit
	Remaining uint32
	Reset     string // duration_until_reset as "<seconds>s<nanos>n", or "" when absent
}

// FromProto reduces a response.
func FromProto(resp *rlspb.RateLimitResponse) Answer {
	a := Answer{Overall: resp.GetOverallCode()}
	for _, s := range resp.GetStatuses() {
		st := Status{Code: s.GetCode(), Remaining: s.GetLimitRemaining()}
		if l := s.GetCurrentLimit(); l != nil {
			st.Limit = limitString(l.GetRequestsPerUnit(), l.GetUnit(), l.GetName())
		}
		if d := s.GetDurationUntilReset(); d != nil {
			st.Reset = resetString(d.GetSeconds(), d.GetNanos())
		}
		a.Statuses = append(a.Statuses, st)
	}
	for _, h := range resp.GetResponseHeadersToAdd() {
		a.Headers = append(a.Headers, headerString(h))
	}
	return a
}

func limitString(rpu uint32, unit rlspb.RateLimitResponse_RateLimit_Unit, name string) string {
	return fmt.Sprintf("%d/%s/%s", rpu, unit, name)
}

func resetString(seconds int64, nanos int32) string { return fmt.Sprintf("%ds%dn", seconds, nanos) }

func headerString(h *corepb.HeaderValue) string { return h.GetKey() + "=" + h.GetValue() }

// Fields flattens the answer into named fields, the unit of comparison.
func (a Answer) Fields() map[string]string {
	f := map[string]string{"error": a.Error}
	if a.Error != "" {
		return f
	}
	f["overall_code"] = a.Overall.String()
	f["statuses"] = fmt.Sprint(len(a.Statuses))
	for i, s := range a.Statuses {
		p := fmt.Sprintf("statuses[%d].", i)
		f[p+"code"] = s.Code.String()
		f[p+"current_limit"] = s.Limit
		f[p+"limit_remaining"] = fmt.Sprint(s.Remaining)
		f[p+"duration_until_reset"] = s.Reset
	}
	f["response_headers_to_add"] = strings.Join(a.Headers, "; ")
	return f
}

// String is the call as one line of JSON.
func (c Call) String() string {
	b, err := json.Marshal(c)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// renamed is the call with domain `from` (and its unknown-domain variant) renamed to `to`.
func (c Call) renamed(from, to string) Call {
	switch c.Domain {
	case from:
		c.Domain = to
	case "no-such-domain-" + from:
		c.Domain = "no-such-domain-" + to
	}
	return c
}

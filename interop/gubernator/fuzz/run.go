package fuzz

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gubernator "github.com/gubernator-io/gubernator/v2"
	"sluice/interop/gubernator/harness"
)

// Services are the two nodes under comparison (gRPC clients and HTTP gateway clients) and the
// clock they share.
type Services struct {
	Gubernator     gubernator.V1Client
	Sluice         gubernator.V1Client
	GubernatorHTTP *harness.HTTPClient
	SluiceHTTP     *harness.HTTPClient
	Clock          *harness.Clock
}

// Step is one item on a key as both services answered it.
type Step struct {
	At         int64 // both clocks, epoch ms
	HTTP       bool  // sent through the gateways
	Item       Item
	Gubernator *gubernator.RateLimitResp
	Sluice     *gubernator.RateLimitResp
}

// Mismatch is an item the two services answered differently.
type Mismatch struct {
	Call, Item int
	Fields     []string // names of the fields that differ
	// History: the steps on this item's key since the key was fresh on both services; the last
	// is the mismatching one.
	History []Step
	CallErr string // set when the whole call failed on one side
}

// Result of running streams.
type Result struct {
	Items      int            // items sent (to each service)
	Calls      int            // calls made (to each service)
	HTTPCalls  int            // of which through the HTTP gateways
	Compared   int            // items whose answers were compared
	Classified map[string]int // mismatches per difference id
	Mismatch   *Mismatch      // the first unclassified mismatch; nil when none
}

var generation atomic.Int64 // makes every execution's unique_keys fresh on both services

// Run sends the stream's calls to both services and compares every answer. A classified
// mismatch retires the key (it continues under a fresh unique_key, so later items compare from
// equal state); the first unclassified one ends the stream.
func Run(ctx context.Context, svc Services, s *Stream) (*Result, error) {
	res := &Result{Classified: map[string]int{}}
	run := generation.Add(1)
	names := map[int]int{}      // logical key -> its current renaming
	history := map[int][]Step{} // logical key -> steps since it was fresh
	uniqueKey := func(k int) string { return fmt.Sprintf("r%d_s%d_k%d_%d", run, s.Index, k, names[k]) }
	for ci, call := range s.Calls {
		if err := svc.Clock.Set(call.At); err != nil {
			return nil, err
		}
		reqs := make([]*gubernator.RateLimitReq, len(call.Items))
		for i, it := range call.Items {
			reqs[i] = it.request(uniqueKey(it.Key))
		}
		gc, sc := svc.Gubernator, svc.Sluice
		if call.HTTP {
			gc, sc = svc.GubernatorHTTP, svc.SluiceHTTP
		}
		gub, slu, gerr, serr := both(ctx, gc, sc, reqs)
		var gjson, sjson []map[string]any
		if call.HTTP && gerr == nil && serr == nil {
			gjson, gerr = jsonItems(svc.GubernatorHTTP.LastBody)
			sjson, serr = jsonItems(svc.SluiceHTTP.LastBody)
		}
		res.Items += len(reqs)
		res.Calls++
		if call.HTTP {
			res.HTTPCalls++
		}
		if gerr != nil || serr != nil {
			if gerr != nil && serr != nil && gerr.Error() == serr.Error() {
				continue
			}
			res.Mismatch = &Mismatch{Call: ci, CallErr: fmt.Sprintf("gubernator: %v; sluice: %v", gerr, serr)}
			return res, nil
		}
		retired := map[int]bool{}
		for i, it := range call.Items {
			stateless := it.Name == "" || it.EmptyKey
			if !stateless && retired[it.Key] {
				continue // state already differs on purpose; compare again once renamed
			}
			step := Step{At: call.At, HTTP: call.HTTP, Item: it, Gubernator: gub[i], Sluice: slu[i]}
			steps := []Step{step}
			if !stateless {
				history[it.Key] = append(history[it.Key], step)
				steps = history[it.Key]
			}
			res.Compared++
			fields := differingFields(gub[i], slu[i])
			if len(fields) == 0 && gjson != nil && !reflect.DeepEqual(gjson[i], sjson[i]) {
				// The same answer, written differently: never a deliberate difference.
				res.Mismatch = &Mismatch{Call: ci, Item: i, Fields: []string{"JSON"}, History: steps,
					CallErr: fmt.Sprintf("gateway JSON differs: gubernator %v; sluice %v", gjson[i], sjson[i])}
				return res, nil
			}
			if len(fields) == 0 {
				continue
			}
			m := &Mismatch{Call: ci, Item: i, Fields: fields, History: steps}
			id := Classify(m)
			if id == "" {
				res.Mismatch = m
				return res, nil
			}
			res.Classified[id]++
			retired[it.Key] = true
		}
		for k := range retired {
			names[k]++
			delete(history, k)
		}
	}
	return res, nil
}

func (it Item) request(uniqueKey string) *gubernator.RateLimitReq {
	r := &gubernator.RateLimitReq{Name: it.Name, UniqueKey: uniqueKey, Hits: it.Hits,
		Limit: it.Limit, Duration: it.Duration, Algorithm: gubernator.Algorithm(it.Algorithm),
		Behavior: gubernator.Behavior(it.Behavior), Burst: it.Burst}
	if it.EmptyKey {
		r.UniqueKey = ""
	}
	if it.CreatedAt != nil {
		at := *it.CreatedAt
		r.CreatedAt = &at
	}
	return r
}

// jsonItems splits a gateway answer into its items as generic JSON.
func jsonItems(body []byte) ([]map[string]any, error) {
	var resp struct {
		Responses []map[string]any `json:"responses"`
	}
	if err := json.Unmarshal(body, &resp); err != nil {
		return nil, fmt.Errorf("gateway answer %q: %w", body, err)
	}
	return resp.Responses, nil
}

// both sends the same call to the two services at once.
func both(ctx context.Context, gc, sc gubernator.V1Client, reqs []*gubernator.RateLimitReq) (
	gub, slu []*gubernator.RateLimitResp, gerr, serr error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		r, err := sc.GetRateLimits(ctx, &gubernator.GetRateLimitsReq{Requests: reqs})
		if err == nil {
			slu = r.Responses
			if len(slu) != len(reqs) {
				err = fmt.Errorf("%d answers to %d requests", len(slu), len(reqs))
			}
		}
		serr = err
	}()
	r, err := gc.GetRateLimits(ctx, &gubernator.GetRateLimitsReq{Requests: reqs})
	if err == nil {
		gub = r.Responses
	}
	gerr = err
	wg.Wait()
	return
}

func differingFields(g, s *gubernator.RateLimitResp) []string {
	var out []string
	if g.Status != s.Status {
		out = append(out, "status")
	}
	if g.Limit != s.Limit {
		out = append(out, "limit")
	}
	if g.Remaining != s.Remaining {
		out = append(out, "remaining")
	}
	if g.ResetTime != s.ResetTime {
		out = append(out, "reset_time")
	}
	if g.Error != s.Error {
		out = append(out, "error")
	}
	if !maps.Equal(g.Metadata, s.Metadata) {
		out = append(out, "metadata")
	}
	return out
}

// String renders a step as one line: the request, then both answers.
func (s Step) String() string {
	it := s.Item
	created := "created_at=none"
	if it.CreatedAt != nil {
		created = fmt.Sprintf("created_at=now%+d", *it.CreatedAt-s.At)
	}
	name := it.Name
	if it.EmptyKey {
		name += " unique_key=\"\""
	}
	via := "gRPC"
	if s.HTTP {
		via = "HTTP"
	}
	return fmt.Sprintf("%s now=%s %s algorithm=%d limit=%d duration=%d burst=%d behavior=%s hits=%d name=%q\n"+
		"      gubernator: %s\n      sluice:     %s", via,
		time.UnixMilli(s.At).UTC().Format("2006-01-02T15:04:05.000Z"), created, it.Algorithm,
		it.Limit, it.Duration, it.Burst, behaviorString(it.Behavior), it.Hits, name,
		answer(s.Gubernator), answer(s.Sluice))
}

func answer(r *gubernator.RateLimitResp) string {
	if r == nil {
		return "-"
	}
	if r.Error != "" {
		return fmt.Sprintf("error %q", r.Error)
	}
	return fmt.Sprintf("%s limit=%d remaining=%d reset_time=%d metadata=%v", r.Status, r.Limit,
		r.Remaining, r.ResetTime, r.Metadata)
}

func behaviorString(b int32) string {
	if b == 0 {
		return "BATCHING"
	}
	var parts []string
	for _, bit := range []gubernator.Behavior{gubernator.Behavior_NO_BATCHING,
		gubernator.Behavior_GLOBAL, gubernator.Behavior_DURATION_IS_GREGORIAN,
		gubernator.Behavior_RESET_REMAINING, gubernator.Behavior_MULTI_REGION,
		gubernator.Behavior_DRAIN_OVER_LIMIT} {
		if b&int32(bit) != 0 {
			parts = append(parts, bit.String())
		}
	}
	return strings.Join(parts, "|")
}

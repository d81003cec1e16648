package conformance

import (
	"context"
	"fmt"
	"testing"
	"time"

	gubernator "github.com/gubernator-io/gubernator/v2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"sluice/interop/gubernator/compat"
	"sluice/interop/gubernator/harness"
)

// PeersV1.GetPeerRateLimits called directly, as another node would (gRPC only: Gubernator does
// not serve PeersV1 over HTTP): answers index-aligned, the receiver is authoritative, a GLOBAL
// item is applied with DRAIN_OVER_LIMIT, and more than 1000 items is OutOfRange. Sluice serves
// PeersV1 in cluster mode only (compatibility.md, standalone-no-peersv1), so its side is a
// cluster of one node.
func TestPeersV1GetPeerRateLimits(t *testing.T) {
	if err := compat.Documented("standalone-no-peersv1"); err != nil {
		t.Fatal(err)
	}
	self := harness.FreeAddr()
	one, err := harness.StartSluice(harness.SluiceOptions{GRPCAddr: self, Peers: []string{self}, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	defer one.Stop()
	for _, svc := range []struct {
		name string
		addr string
	}{{"gubernator", guber.GRPCAddr}, {"sluice", one.GRPCAddr}} {
		t.Run(svc.name, func(t *testing.T) {
			if err := clk.Set(base); err != nil {
				t.Fatal(err)
			}
			conn, err := grpc.NewClient(svc.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			peers := gubernator.NewPeersV1Client(conn)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			key := func(i int) string { return fmt.Sprintf("%s_%s_%d", t.Name(), svc.name, i) }
			var reqs []*gubernator.RateLimitReq
			for i := 0; i < 1000; i++ {
				reqs = append(reqs, req("peer", key(i%10), 1, 1000, 60000))
			}
			resp, err := peers.GetPeerRateLimits(ctx, &gubernator.GetPeerRateLimitsReq{Requests: reqs})
			if err != nil || len(resp.RateLimits) != 1000 {
				t.Fatalf("1000 items: %v", err)
			}
			// Gubernator applies a peer call's items concurrently, so the order among the 100
			// items of one key is not defined: each key must answer 999 down to 900, once each.
			seen := map[string]bool{}
			for i, rl := range resp.RateLimits {
				k := fmt.Sprint(i%10, "/", rl.Remaining)
				if rl.Remaining < 900 || rl.Remaining > 999 || seen[k] || rl.Error != "" || len(rl.Metadata) != 0 {
					t.Fatalf("item %d: %+v", i, rl)
				}
				seen[k] = true
			}
			// GLOBAL from a peer drains what is left when it asks for more. (Separate calls:
			// Gubernator evaluates the items of one peer call concurrently.)
			for i, hits := range []int64{5, 50} {
				q := with(req("peer", key(100), hits, 10, 60000), gubernator.Behavior_GLOBAL)
				resp, err = peers.GetPeerRateLimits(ctx, &gubernator.GetPeerRateLimitsReq{
					Requests: []*gubernator.RateLimitReq{q}})
				if err != nil {
					t.Fatal(err)
				}
				got := resp.RateLimits[0]
				if i == 1 && (got.Status != gubernator.Status_OVER_LIMIT || got.Remaining != 0) {
					t.Errorf("GLOBAL over what is left: %+v, want OVER_LIMIT drained to 0", got)
				}
			}
			_, err = peers.GetPeerRateLimits(ctx, &gubernator.GetPeerRateLimitsReq{
				Requests: append(reqs, req("peer", key(0), 1, 1000, 60000))})
			if st := status.Convert(err); st.Code() != codes.OutOfRange ||
				st.Message() != "'PeerRequest.rate_limits' list too large; max size is '1000'" {
				t.Errorf("1001 items: %v", err)
			}
		})
	}
}

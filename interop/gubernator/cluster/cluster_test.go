// Package cluster runs three Gubernator v2.13.0 nodes and three sluice nodes side by side on
// loopback, each cluster with its own static peer list, and checks that both enforce one shared
// limit exactly through every node, that `owner` metadata names the owner Gubernator's own ring
// picks, and that GLOBAL keys converge; then mixes the two in one cluster (mixed_test.go).
package cluster

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	gubernator "github.com/gubernator-io/gubernator/v2"
	"sluice/interop/gubernator/harness"
)

// A service's nodes as clients, and the peer list they were given.
type service struct {
	name    string
	peers   []string
	clients []gubernator.V1Client
}

var guber, sluice service

func TestMain(m *testing.M) {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "cluster:", err)
		os.Exit(1)
	}
	os.Exit(code)
}

func run(m *testing.M) (int, error) {
	gnodes, err := harness.StartGubernatorCluster(3, harness.GubernatorOptions{})
	if err != nil {
		return 0, err
	}
	defer harness.StopGubernators(gnodes)
	snodes, err := startSluiceCluster(3, nil)
	if err != nil {
		return 0, err
	}
	defer stopAll(snodes)
	if guber, err = newService("gubernator", harness.GubernatorPeers(gnodes)); err != nil {
		return 0, err
	}
	var addrs []string
	for _, s := range snodes {
		addrs = append(addrs, s.GRPCAddr)
	}
	if sluice, err = newService("sluice", addrs); err != nil {
		return 0, err
	}
	return m.Run(), nil
}

// startSluiceCluster starts n sluice nodes whose peer list is themselves plus extra.
func startSluiceCluster(n int, extra []string) ([]*harness.Sluice, error) {
	var grpcAddrs []string
	for i := 0; i < n; i++ {
		grpcAddrs = append(grpcAddrs, harness.FreeAddr())
	}
	peers := append(append([]string{}, grpcAddrs...), extra...)
	var nodes []*harness.Sluice
	for _, a := range grpcAddrs {
		s, err := harness.StartSluice(harness.SluiceOptions{GRPCAddr: a, Peers: peers})
		if err != nil {
			stopAll(nodes)
			return nil, err
		}
		nodes = append(nodes, s)
	}
	return nodes, nil
}

func stopAll(nodes []*harness.Sluice) {
	for _, s := range nodes {
		s.Stop()
	}
}

func newService(name string, peers []string) (service, error) {
	s := service{name: name, peers: peers}
	for _, p := range peers {
		c, err := gubernator.DialV1Server(p, nil)
		if err != nil {
			return s, err
		}
		s.clients = append(s.clients, c)
	}
	return s, nil
}

func call(t *testing.T, c gubernator.V1Client, reqs ...*gubernator.RateLimitReq) []*gubernator.RateLimitResp {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := c.GetRateLimits(ctx, &gubernator.GetRateLimitsReq{Requests: reqs})
	if err != nil {
		t.Fatalf("GetRateLimits: %v", err)
	}
	if len(resp.Responses) != len(reqs) {
		t.Fatalf("%d answers to %d requests", len(resp.Responses), len(reqs))
	}
	return resp.Responses
}

// ring is Gubernator's own consistent hash (its library's default picker: FNV-1, 512 replicas)
// over a peer list: the owner a Gubernator node would pick.
func ring(t *testing.T, peers []string) *gubernator.ReplicatedConsistentHash {
	t.Helper()
	r := gubernator.NewReplicatedConsistentHash(nil, 512)
	for _, p := range peers {
		pc, err := gubernator.NewPeerClient(gubernator.PeerConfig{Info: gubernator.PeerInfo{GRPCAddress: p},
			Behavior: gubernator.BehaviorConfig{DisableBatching: true}})
		if err != nil {
			t.Fatal(err)
		}
		r.Add(pc)
	}
	return r
}

// owner is the node an answer says owns its key: metadata["owner"], or the node asked.
func owner(resp *gubernator.RateLimitResp, asked string) string {
	if o, ok := resp.Metadata["owner"]; ok {
		return o
	}
	return asked
}

func both(t *testing.T, f func(t *testing.T, s service)) {
	for _, s := range []service{guber, sluice} {
		t.Run(s.name, func(t *testing.T) { f(t, s) })
	}
}

// 300 keys asked through every node: each answer's owner is the one Gubernator's ring picks.
func TestOwnerMetadata(t *testing.T) {
	both(t, func(t *testing.T, s service) {
		r := ring(t, s.peers)
		for n, c := range s.clients {
			var reqs []*gubernator.RateLimitReq
			for i := 0; i < 300; i++ {
				reqs = append(reqs, &gubernator.RateLimitReq{Name: "owner", UniqueKey: fmt.Sprint("key", i),
					Hits: 1, Limit: 10, Duration: 60000})
			}
			for i, resp := range call(t, c, reqs...) {
				want, err := r.Get(reqs[i].HashKey())
				if err != nil {
					t.Fatal(err)
				}
				if got := owner(resp, s.peers[n]); got != want.Info().GRPCAddress {
					t.Fatalf("node %d, key %s: owner %s, Gubernator's ring says %s", n, reqs[i].HashKey(),
						got, want.Info().GRPCAddress)
				}
				if resp.Error != "" {
					t.Fatalf("key %s: %s", reqs[i].HashKey(), resp.Error)
				}
			}
		}
	})
}

// sharedLimit sends `perNode` single-hit calls to every node at once for one key and returns
// how many were admitted.
func sharedLimit(t *testing.T, clients []gubernator.V1Client, key string, limit, perNode int64,
	algo gubernator.Algorithm, b gubernator.Behavior) int64 {
	var admitted int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range clients {
		wg.Add(1)
		go func(c gubernator.V1Client) {
			defer wg.Done()
			for i := int64(0); i < perNode; i++ {
				resp := call(t, c, &gubernator.RateLimitReq{Name: "shared", UniqueKey: key, Hits: 1,
					Limit: limit, Duration: 3_600_000, Algorithm: algo, Behavior: b})[0]
				if resp.Error != "" {
					t.Errorf("%s: %s", key, resp.Error)
					return
				}
				if resp.Status == gubernator.Status_UNDER_LIMIT {
					mu.Lock()
					admitted++
					mu.Unlock()
				}
			}
		}(c)
	}
	wg.Wait()
	return admitted
}

// One limit of 40 shared by every node: 3 × 25 concurrent hits admit exactly 40, batched or not,
// token or leaky (one token leaks back every 90 s, longer than the test).
func TestSharedLimitExact(t *testing.T) {
	both(t, func(t *testing.T, s service) {
		for _, algo := range []gubernator.Algorithm{gubernator.Algorithm_TOKEN_BUCKET, gubernator.Algorithm_LEAKY_BUCKET} {
			for _, b := range []gubernator.Behavior{gubernator.Behavior_BATCHING, gubernator.Behavior_NO_BATCHING} {
				for k := 0; k < 3; k++ { // keys owned by different nodes, most likely
					key := fmt.Sprintf("%s_%s_%d", algo, b, k)
					if got := sharedLimit(t, s.clients, key, 40, 25, algo, b); got != 40 {
						t.Errorf("%s: %d admitted, want exactly 40", key, got)
					}
				}
			}
		}
	})
}

// globalConverges sends GLOBAL hits through two non-owner nodes and returns how long until every
// node answers a read with the total.
func globalConverges(t *testing.T, s service, key string, algo gubernator.Algorithm) time.Duration {
	r := ring(t, s.peers)
	q := func(hits int64) *gubernator.RateLimitReq {
		return &gubernator.RateLimitReq{Name: "global", UniqueKey: key, Hits: hits, Limit: 1000,
			Duration: 3_600_000, Algorithm: algo, Behavior: gubernator.Behavior_GLOBAL}
	}
	o, err := r.Get(q(0).HashKey())
	if err != nil {
		t.Fatal(err)
	}
	sent := int64(0)
	for n, c := range s.clients {
		if s.peers[n] == o.Info().GRPCAddress {
			continue
		}
		for i := 0; i < 5; i++ {
			resp := call(t, c, q(2))[0]
			if resp.Metadata["owner"] != o.Info().GRPCAddress || resp.Error != "" {
				t.Fatalf("GLOBAL answer from a non-owner: %v", resp)
			}
			sent += 2
		}
	}
	start := time.Now()
	for {
		converged := true
		var seen []int64
		for _, c := range s.clients {
			resp := call(t, c, q(0))[0]
			seen = append(seen, resp.Remaining)
			if resp.Remaining != 1000-sent {
				converged = false
			}
		}
		if converged {
			return time.Since(start)
		}
		if time.Since(start) > 5*time.Second {
			t.Fatalf("%s: not converged after 5 s: remaining per node %v, want %d", key, seen, 1000-sent)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// GLOBAL: hits through non-owners reach the owner and every replica. docs/cluster.md bounds the
// delay at 2 × (sync wait + 10 ms) + 2 RTT ≈ 220 ms with the defaults (Gubernator: the same two
// 100 ms flushes); the test allows 1 s for a loaded machine and reports what it measured.
func TestGlobalConvergence(t *testing.T) {
	both(t, func(t *testing.T, s service) {
		for _, algo := range []gubernator.Algorithm{gubernator.Algorithm_TOKEN_BUCKET, gubernator.Algorithm_LEAKY_BUCKET} {
			d := globalConverges(t, s, fmt.Sprint("converge_", algo), algo)
			t.Logf("summary: %s GLOBAL %s: every node agreed %v after the last hit", s.name, algo, d.Round(time.Millisecond))
			if d > time.Second {
				t.Errorf("%s: converged after %v, more than 1 s", algo, d)
			}
		}
	})
}

func TestHealth(t *testing.T) {
	both(t, func(t *testing.T, s service) {
		for n, c := range s.clients {
			h, err := c.HealthCheck(context.Background(), &gubernator.HealthCheckReq{})
			if err != nil || h.Status != "healthy" || h.PeerCount != 3 || h.AdvertiseAddress != s.peers[n] {
				t.Errorf("node %d: %+v %v", n, h, err)
			}
		}
	})
}

package cluster

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	gubernator "github.com/gubernator-io/gubernator/v2"
	"sluice/interop/gubernator/harness"
)

// A mixed static cluster: two Gubernator nodes and one sluice node, all with the same peer list
// of three. They forward to each other with PeersV1 (GetPeerRateLimits, UpdatePeerGlobals).
func startMixed(t *testing.T) service {
	t.Helper()
	sluiceAddr := harness.FreeAddr()
	gnodes, err := harness.StartGubernatorCluster(2, harness.GubernatorOptions{ExtraPeers: []string{sluiceAddr}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { harness.StopGubernators(gnodes) })
	peers := append(harness.GubernatorPeers(gnodes), sluiceAddr)
	s, err := harness.StartSluice(harness.SluiceOptions{GRPCAddr: sluiceAddr, Peers: peers})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	svc, err := newService("mixed", peers)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// Every node names the same owner for every key, the one Gubernator's ring picks, and items
// forwarded either way are answered.
func TestMixedClusterOwnership(t *testing.T) {
	m := startMixed(t)
	r := ring(t, m.peers)
	owned := map[string]int{}
	// Keys that do not share a long prefix: FNV-1 spreads sequential names poorly.
	rng := rand.New(rand.NewPCG(1, 2))
	var keys []string
	for i := 0; i < 300; i++ {
		keys = append(keys, fmt.Sprintf("%016x", rng.Uint64()))
	}
	for n, c := range m.clients {
		var reqs []*gubernator.RateLimitReq
		for _, k := range keys {
			reqs = append(reqs, &gubernator.RateLimitReq{Name: "mixed_owner", UniqueKey: k,
				Hits: 1, Limit: 10, Duration: 60000})
		}
		for i, resp := range call(t, c, reqs...) {
			want, _ := r.Get(reqs[i].HashKey())
			if resp.Error != "" {
				t.Fatalf("node %d (%s) key %s: %s", n, m.peers[n], reqs[i].HashKey(), resp.Error)
			}
			if got := owner(resp, m.peers[n]); got != want.Info().GRPCAddress {
				t.Fatalf("node %d key %s: owner %s, ring says %s", n, reqs[i].HashKey(), got, want.Info().GRPCAddress)
			}
			// Three nodes asked in turn: the key's bucket saw this node's hit and the ones before.
			if resp.Remaining != int64(10-n-1) {
				t.Fatalf("node %d key %s: remaining %d, want %d", n, reqs[i].HashKey(), resp.Remaining, 10-n-1)
			}
			owned[want.Info().GRPCAddress]++
		}
	}
	if len(owned) != 3 {
		t.Fatalf("keys owned by %d nodes, want all 3: %v", len(owned), owned)
	}
}

// One limit through all three nodes is exact: Gubernator forwards to the sluice owner and sluice
// forwards to Gubernator owners, batched or not.
func TestMixedClusterSharedLimit(t *testing.T) {
	m := startMixed(t)
	r := ring(t, m.peers)
	ownersSeen := map[string]bool{}
	for _, algo := range []gubernator.Algorithm{gubernator.Algorithm_TOKEN_BUCKET, gubernator.Algorithm_LEAKY_BUCKET} {
		for _, b := range []gubernator.Behavior{gubernator.Behavior_BATCHING, gubernator.Behavior_NO_BATCHING} {
			// Two keys per owner, chosen through the ring: FNV-1 over three random ports can
			// leave a node few of a handful of sequential names.
			perOwner := map[string]int{}
			for k, chosen := 0, 0; chosen < 6 && k < 10000; k++ {
				key := fmt.Sprintf("mixed_%s_%s_%d", algo, b, k)
				o, _ := r.Get("shared_" + key)
				if perOwner[o.Info().GRPCAddress] == 2 {
					continue
				}
				perOwner[o.Info().GRPCAddress]++
				chosen++
				ownersSeen[o.Info().GRPCAddress] = true
				if got := sharedLimit(t, m.clients, key, 40, 25, algo, b); got != 40 {
					t.Errorf("%s (owner %s): %d admitted, want exactly 40", key, o.Info().GRPCAddress, got)
				}
			}
		}
	}
	if !ownersSeen[m.peers[2]] {
		t.Errorf("no key was owned by the sluice node; the test must cover forwarding to it")
	}
}

// GLOBAL across the mix: a sluice non-owner sends its hits to a Gubernator owner, which
// broadcasts to the sluice replica, and the other way round.
func TestMixedClusterGlobal(t *testing.T) {
	m := startMixed(t)
	r := ring(t, m.peers)
	byOwner := map[string]string{}
	rng := rand.New(rand.NewPCG(3, 4)) // varied keys: FNV-1 spreads sequential names poorly
	for i := 0; len(byOwner) < 3 && i < 1000; i++ {
		key := fmt.Sprintf("mixed_global_%016x", rng.Uint64())
		o, _ := r.Get("global_" + key)
		if _, ok := byOwner[o.Info().GRPCAddress]; !ok {
			byOwner[o.Info().GRPCAddress] = key
		}
	}
	if len(byOwner) != 3 {
		t.Fatalf("found keys owned by %d of the 3 nodes", len(byOwner))
	}
	for ownerAddr, key := range byOwner {
		d := globalConverges(t, m, key, gubernator.Algorithm_TOKEN_BUCKET)
		kind := "gubernator"
		if ownerAddr == m.peers[2] {
			kind = "sluice"
		}
		t.Logf("summary: mixed cluster GLOBAL, %s owner: every node agreed %v after the last hit", kind, d.Round(time.Millisecond))
	}
}

// Package ring checks Sluice's ownership vectors (src/cluster/ring_test.cc,
// OwnershipVectorsOfKey0To999) against the real Gubernator v2.13.0 ring: the same three peers,
// the keys key0..key999, each hash and replica count Gubernator's settings allow. Both sides
// compare the owner counts and an FNV-1a digest of the whole owner sequence.
package ring

import (
	"fmt"
	"hash/fnv"
	"testing"

	gubernator "github.com/gubernator-io/gubernator/v2"
	fnv1 "github.com/segmentio/fasthash/fnv1"
	fnv1a "github.com/segmentio/fasthash/fnv1a"
)

// The peers of the vectors, as advertised gRPC addresses.
var peers = []string{"10.0.0.1:1051", "10.0.0.2:1051", "10.0.0.3:1051"}

// vector is the ownership of key0..key999: owner counts by peer and the digest of the owner
// index sequence (one byte per key, '0'..'2').
type vector struct {
	hash     string
	replicas int
	counts   [3]int
	digest   uint64
}

// The values src/cluster/ring_test.cc asserts.
var vectors = []vector{
	{"fnv1", 512, [3]int{700, 0, 300}, 0x8cf7cd9e993c78d5},
	{"fnv1a", 512, [3]int{200, 510, 290}, 0xfc8c727db1de6a53},
	{"fnv1a", 1024, [3]int{390, 290, 320}, 0x2478ad51aa68216f},
}

func ownership(t *testing.T, hash string, replicas int) ([3]int, uint64) {
	fn := map[string]gubernator.HashString64{"fnv1": fnv1.HashString64, "fnv1a": fnv1a.HashString64}[hash]
	ring := gubernator.NewReplicatedConsistentHash(fn, replicas)
	index := map[string]int{}
	for i, addr := range peers {
		client, err := gubernator.NewPeerClient(gubernator.PeerConfig{Info: gubernator.PeerInfo{GRPCAddress: addr}})
		if err != nil {
			t.Fatal(err)
		}
		ring.Add(client)
		index[addr] = i
	}
	var counts [3]int
	seq := make([]byte, 0, 1000)
	for k := 0; k < 1000; k++ {
		owner, err := ring.Get(fmt.Sprintf("key%d", k))
		if err != nil {
			t.Fatal(err)
		}
		i := index[owner.Info().GRPCAddress]
		counts[i]++
		seq = append(seq, byte('0'+i))
	}
	h := fnv.New64a()
	h.Write(seq)
	return counts, h.Sum64()
}

func TestOwnershipVectorsMatchGubernator(t *testing.T) {
	for _, v := range vectors {
		counts, digest := ownership(t, v.hash, v.replicas)
		t.Logf("%s x%d: counts %v digest %#x", v.hash, v.replicas, counts, digest)
		if counts != v.counts || digest != v.digest {
			t.Errorf("%s x%d: Gubernator gives counts %v digest %#x; the vector says %v %#x",
				v.hash, v.replicas, counts, digest, v.counts, v.digest)
		}
	}
}

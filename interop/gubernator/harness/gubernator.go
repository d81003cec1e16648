package harness

import (
	"context"
	"fmt"
	"io"
	"time"

	gubernator "github.com/gubernator-io/gubernator/v2"
	"github.com/sirupsen/logrus"
)

// GubernatorOptions tune the in-process Gubernator nodes; zero values are Gubernator's defaults.
type GubernatorOptions struct {
	Behaviors gubernator.BehaviorConfig
	CacheSize int
	// ExtraPeers (gRPC addresses of other services, e.g. sluice nodes in a mixed cluster) are
	// added to every node's peer list.
	ExtraPeers []string
}

// Gubernator is one real Gubernator v2.13.0 node started through its library (SpawnDaemon),
// inside the test process.
type Gubernator struct {
	Daemon   *gubernator.Daemon
	GRPCAddr string
	HTTPAddr string
}

var quietLogger = func() *logrus.Logger {
	l := logrus.New()
	l.SetOutput(io.Discard)
	return l
}()

// StartGubernatorCluster starts n nodes on free ports, each told about all n (itself included)
// with SetPeers, as Gubernator's static configuration does. n = 1 is a standalone node.
func StartGubernatorCluster(n int, o GubernatorOptions) ([]*Gubernator, error) {
	var nodes []*Gubernator
	var peers []gubernator.PeerInfo
	for i := 0; i < n; i++ {
		g := &Gubernator{GRPCAddr: FreeAddr(), HTTPAddr: FreeAddr()}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		d, err := gubernator.SpawnDaemon(ctx, gubernator.DaemonConfig{
			Logger:            quietLogger.WithField("instance", g.GRPCAddr),
			InstanceID:        g.GRPCAddr,
			GRPCListenAddress: g.GRPCAddr,
			HTTPListenAddress: g.HTTPAddr,
			AdvertiseAddress:  g.GRPCAddr,
			Behaviors:         o.Behaviors,
			CacheSize:         o.CacheSize,
		})
		cancel()
		if err != nil {
			StopGubernators(nodes)
			return nil, fmt.Errorf("starting Gubernator on %s: %w", g.GRPCAddr, err)
		}
		g.Daemon = d
		d.PeerInfo = gubernator.PeerInfo{GRPCAddress: g.GRPCAddr, HTTPAddress: g.HTTPAddr}
		nodes = append(nodes, g)
		peers = append(peers, d.PeerInfo)
	}
	for _, addr := range o.ExtraPeers {
		peers = append(peers, gubernator.PeerInfo{GRPCAddress: addr})
	}
	for _, g := range nodes {
		g.Daemon.SetPeers(peers)
	}
	return nodes, nil
}

// StopGubernators closes the nodes.
func StopGubernators(nodes []*Gubernator) {
	for _, g := range nodes {
		g.Daemon.Close()
	}
}

// GubernatorPeers lists the nodes' gRPC addresses.
func GubernatorPeers(nodes []*Gubernator) []string {
	var out []string
	for _, g := range nodes {
		out = append(out, g.GRPCAddr)
	}
	return out
}

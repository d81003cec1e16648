// Command gubernode runs one real Gubernator v2.13.0 node from its library (SpawnDaemon) with a
// static peer list, the way bench/gubernator.sh needs it: Gubernator's own daemon binary only
// discovers peers (member-list, etcd, k8s, DNS), while the benchmark wants the same static
// lists sluice gets with --peers. Defaults are Gubernator's (batching 500 µs, GLOBAL sync
// 100 ms, cache 50,000, workers = CPUs). Runs until SIGINT or SIGTERM.
//
//	gubernode --grpc 127.0.0.1:1051 --http 127.0.0.1:1050 [--peers a:1051,b:1051,...]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	gubernator "github.com/gubernator-io/gubernator/v2"
	"github.com/sirupsen/logrus"
)

func main() {
	grpcAddr := flag.String("grpc", "127.0.0.1:1051", "gRPC listen and advertise address")
	httpAddr := flag.String("http", "127.0.0.1:1050", "HTTP gateway address")
	peers := flag.String("peers", "", "comma-separated gRPC addresses of every node, this one included (default: this node alone)")
	flag.Parse()

	log := logrus.New()
	log.SetOutput(io.Discard)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	d, err := gubernator.SpawnDaemon(ctx, gubernator.DaemonConfig{
		Logger:            log.WithField("instance", *grpcAddr),
		InstanceID:        *grpcAddr,
		GRPCListenAddress: *grpcAddr,
		HTTPListenAddress: *httpAddr,
		AdvertiseAddress:  *grpcAddr,
	})
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gubernode:", err)
		os.Exit(1)
	}
	list := []string{*grpcAddr}
	if *peers != "" {
		list = strings.Split(*peers, ",")
	}
	var infos []gubernator.PeerInfo
	for _, p := range list {
		infos = append(infos, gubernator.PeerInfo{GRPCAddress: strings.TrimSpace(p)})
	}
	d.SetPeers(infos)
	fmt.Printf("gubernode: Gubernator v2.13.0 on gRPC %s, HTTP %s, %d peers\n", *grpcAddr, *httpAddr, len(infos))

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	d.Close()
}

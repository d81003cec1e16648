// Package freeport hands out loopback ports for the processes the interop suites start.
//
// A port the kernel hands out for 127.0.0.1:0 lies in the ephemeral range, which is also where
// every outgoing connection on the machine takes its local port: between the moment a suite
// learns the port and the moment sluice binds it, any connect() may take it ("Address already in
// use" at start-up, seen on a busy machine). Ports below the ephemeral range are only ever taken
// by an explicit bind, so this package picks one there at random and checks that it binds.
package freeport

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
)

// Port returns a loopback TCP port that was free a moment ago and lies outside the kernel's
// ephemeral range when the machine leaves room below it; else one the kernel hands out.
func Port() (int, error) {
	low, high := candidateRange()
	for try := 0; high > low && try < 200; try++ {
		p := low + rand.IntN(high-low)
		if bindable(p) {
			return p, nil
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Addr is Port as 127.0.0.1:<port>; it panics when no port can be had (a broken machine).
func Addr() string {
	p, err := Port()
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("127.0.0.1:%d", p)
}

// candidateRange is [10000, start of the ephemeral range), or empty when that is too narrow.
func candidateRange() (int, int) {
	ephemeralLow := 32768 // Linux's default
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		var lo, hi int
		if n, _ := fmt.Sscan(string(b), &lo, &hi); n == 2 {
			ephemeralLow = lo
		}
	}
	const low = 10000
	if ephemeralLow-low < 1000 {
		return 0, 0
	}
	return low, ephemeralLow
}

// bindable reports whether both TCP and UDP can bind the port now (mesh nodes use UDP too).
func bindable(p int) bool {
	l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
	if err != nil {
		return false
	}
	defer l.Close()
	u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", p))
	if err != nil {
		return false
	}
	u.Close()
	return true
}

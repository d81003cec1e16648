// Package harness starts the two services the Gubernator interop suites compare: real `sluice`
// processes (this file) and real Gubernator v2.13.0 nodes from its Go library (gubernator.go),
// on free 127.0.0.1 ports, and moves their clocks together (clock.go).
package harness

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"sluice/interop/freeport"
)

// SluiceBinary is the sluice executable the suites run: $SLUICE_BIN (interop/run.sh sets it),
// else the release build of the worktree this module lives in.
func SluiceBinary() (string, error) {
	bin := os.Getenv("SLUICE_BIN")
	if bin == "" {
		wd, err := os.Getwd()
		if err != nil {
			return "", err
		}
		// Tests run in their package directory, interop/gubernator/<pkg>.
		bin = filepath.Join(wd, "..", "..", "..", "build", "release", "src", "server", "sluice")
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil {
		return "", fmt.Errorf("sluice binary %s: %w (set SLUICE_BIN or run `make interop`)", abs, err)
	}
	return abs, nil
}

// SluiceOptions describe one sluice node.
type SluiceOptions struct {
	GRPCAddr string   // 127.0.0.1:port
	HTTPAddr string   // 127.0.0.1:port
	Peers    []string // cluster peers (gRPC addresses, this node included); none: standalone
	// Clock, when set, runs the process under libfaketime with its wall clock frozen at the
	// time this Clock holds (see clock.go).
	Clock *Clock
	// CacheSize overrides --cache-size when > 0.
	CacheSize int
	// Extra flags appended last.
	Extra []string
}

// SluiceArgs is the one place that knows sluice's command line.
func SluiceArgs(bin string, o SluiceOptions) []string {
	args := []string{"-a", o.GRPCAddr, "--http-addr", o.HTTPAddr, "--log-level", "warn",
		"--drain-timeout", "1"}
	if len(o.Peers) > 0 {
		args = append(args, "--peers", strings.Join(o.Peers, ","))
	}
	if o.CacheSize > 0 {
		args = append(args, "--cache-size", fmt.Sprint(o.CacheSize))
	}
	if o.Clock != nil && supportsFlag(bin, "--max-clock-skew") {
		// Requests carry created_at from the suite's own timeline, which may lie far from the
		// node's clock; a node that clamps created_at to its clock must not clamp them.
		args = append(args, "--max-clock-skew", "87600h")
	}
	return append(args, o.Extra...)
}

var helpText sync.Map // binary path -> `sluice -h` output

func supportsFlag(bin, flag string) bool {
	text, ok := helpText.Load(bin)
	if !ok {
		out, _ := exec.Command(bin, "-h").CombinedOutput()
		text, _ = helpText.LoadOrStore(bin, string(out))
	}
	return strings.Contains(text.(string), flag)
}

// Sluice is a running sluice process.
type Sluice struct {
	GRPCAddr string
	HTTPAddr string
	cmd      *exec.Cmd
	log      *bytes.Buffer
	done     chan struct{}
}

// StartSluice starts a node and waits until it answers LiveCheck over HTTP.
func StartSluice(o SluiceOptions) (*Sluice, error) {
	bin, err := SluiceBinary()
	if err != nil {
		return nil, err
	}
	if o.GRPCAddr == "" {
		o.GRPCAddr = FreeAddr()
	}
	if o.HTTPAddr == "" {
		o.HTTPAddr = FreeAddr()
	}
	cmd := exec.Command(bin, SluiceArgs(bin, o)...)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	if o.Clock != nil {
		env, err := o.Clock.processEnv()
		if err != nil {
			return nil, err
		}
		cmd.Env = append(cmd.Env, env...)
	}
	log := &bytes.Buffer{}
	cmd.Stdout = &lockedWriter{w: log}
	cmd.Stderr = cmd.Stdout
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Sluice{GRPCAddr: o.GRPCAddr, HTTPAddr: o.HTTPAddr, cmd: cmd, log: log,
		done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	if err := s.waitLive(15 * time.Second); err != nil {
		s.Stop()
		return nil, fmt.Errorf("%w; command: %s %s; output:\n%s", err, bin,
			strings.Join(SluiceArgs(bin, o), " "), s.Output())
	}
	return s, nil
}

func (s *Sluice) waitLive(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	client := http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return fmt.Errorf("sluice exited during start-up")
		default:
		}
		resp, err := client.Get("http://" + s.HTTPAddr + "/v1/LiveCheck")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("sluice did not answer LiveCheck on %s within %v", s.HTTPAddr, limit)
}

// Alive reports whether the process is still running.
func (s *Sluice) Alive() bool {
	select {
	case <-s.done:
		return false
	default:
		return true
	}
}

// Output is what the process wrote so far.
func (s *Sluice) Output() string {
	w := s.cmd.Stdout.(*lockedWriter)
	w.mu.Lock()
	defer w.mu.Unlock()
	return s.log.String()
}

// Stop ends the process: SIGTERM, then SIGKILL after 10 s.
func (s *Sluice) Stop() {
	if s == nil || !s.Alive() {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// FreeAddr returns 127.0.0.1:<a free port outside the ephemeral range> (see package freeport).
// Another process can still bind it before sluice does; the suites fail loudly if it is taken.
func FreeAddr() string {
	return freeport.Addr()
}

// WaitTCP waits until addr accepts connections.
func WaitTCP(ctx context.Context, addr string) error {
	for {
		conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			conn.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s does not accept connections: %w", addr, err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

package otlp

import (
	"bytes"
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
)

// Node is one sluice process started for a test.
type Node struct {
	Name     string
	GRPCAddr string
	HTTPAddr string
	cmd      *exec.Cmd
	out      *lockedBuffer
	done     chan struct{}
}

// Binary is the sluice binary: $SLUICE_BIN (interop/run.sh sets it) or the release build.
func Binary() (string, error) {
	if bin := os.Getenv("SLUICE_BIN"); bin != "" {
		return bin, nil
	}
	bin, err := filepath.Abs("../../build/release/src/server/sluice")
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("no sluice binary: set SLUICE_BIN or build %s", bin)
	}
	return bin, nil
}

// FreeAddr returns 127.0.0.1:<a port the kernel just handed out>.
func FreeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// StartNode runs sluice with `args` after its own address flags, `env` added to the
// environment, and waits until it answers LiveCheck.
func StartNode(name, grpcAddr, httpAddr string, args, env []string) (*Node, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	all := append([]string{"-a", grpcAddr, "--http-addr", httpAddr, "--instance-id", name,
		"--log-level", "warn", "--drain-timeout", "1"}, args...)
	cmd := exec.Command(bin, all...)
	cmd.Env = append(os.Environ(), env...)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	n := &Node{Name: name, GRPCAddr: grpcAddr, HTTPAddr: httpAddr, cmd: cmd, out: out,
		done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(n.done) }()
	deadline := time.Now().Add(20 * time.Second)
	client := http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-n.done:
			return nil, fmt.Errorf("sluice %s exited during start-up: %s %s\n%s", name, bin,
				strings.Join(all, " "), out.String())
		default:
		}
		if resp, err := client.Get("http://" + httpAddr + "/v1/LiveCheck"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return n, nil
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	n.Stop()
	return nil, fmt.Errorf("sluice %s did not answer LiveCheck within 20 s:\n%s", name, out.String())
}

// Output is what the process wrote so far.
func (n *Node) Output() string { return n.out.String() }

// Pid is the process id.
func (n *Node) Pid() int { return n.cmd.Process.Pid }

// Stop ends the process: SIGTERM, then SIGKILL after 10 s.
func (n *Node) Stop() {
	if n == nil {
		return
	}
	select {
	case <-n.done:
		return
	default:
	}
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(10 * time.Second):
		_ = n.cmd.Process.Kill()
		<-n.done
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

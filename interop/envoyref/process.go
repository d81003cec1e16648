package envoyref

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	rlspb "github.com/envoyproxy/go-control-plane/envoy/service/ratelimit/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"sluice/interop/freeport"
)

// FreePort returns a free loopback port outside the ephemeral range (see package freeport).
func FreePort() (int, error) {
	return freeport.Port()
}

func freePorts(n int) ([]int, error) {
	ports := make([]int, n)
	for i := range ports {
		p, err := FreePort()
		if err != nil {
			return nil, err
		}
		ports[i] = p
	}
	return ports, nil
}

// Service is one running rate limit service: Sluice or the reference (with its Redis).
type Service struct {
	Name      string
	RulesDir  string // the directory the service watches; write here to reload
	GRPCAddr  string
	HealthURL string
	LogPath   string
	cmd       *exec.Cmd
	conn      *grpc.ClientConn
	client    rlspb.RateLimitServiceClient
	// metricsURL is Sluice's /metrics (reload counters); empty for the reference.
	metricsURL string
}

// StartSluice runs the Sluice binary on free loopback ports, watching rulesDir.
func StartSluice(name, bin, rulesDir, logDir string, extra ...string) (*Service, error) {
	ports, err := freePorts(2)
	if err != nil {
		return nil, err
	}
	s := &Service{Name: name, RulesDir: rulesDir,
		GRPCAddr:   fmt.Sprintf("127.0.0.1:%d", ports[0]),
		HealthURL:  fmt.Sprintf("http://127.0.0.1:%d/v1/HealthCheck", ports[1]),
		metricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", ports[1]),
		LogPath:    filepath.Join(logDir, name+".log")}
	args := append([]string{"-a", s.GRPCAddr, "--http-addr", fmt.Sprintf("127.0.0.1:%d", ports[1]),
		"-c", rulesDir, "--rate-limit-headers", "--log-level", "info"}, extra...)
	s.cmd = exec.Command(bin, args...)
	return s, s.start()
}

// StartReference runs scripts/envoy-ratelimit.sh with the rules in rulesDir (copied into its
// runtime directory, which becomes RulesDir). env adds the service's settings.
func StartReference(name, script, rulesDir, logDir string, env ...string) (*Service, error) {
	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	runtime := filepath.Join(logDir, name+"-runtime")
	s := &Service{Name: name, RulesDir: filepath.Join(runtime, "ratelimit", "config"),
		GRPCAddr:  fmt.Sprintf("127.0.0.1:%d", ports[0]),
		HealthURL: fmt.Sprintf("http://127.0.0.1:%d/healthcheck", ports[1]),
		LogPath:   filepath.Join(logDir, name+".log")}
	s.cmd = exec.Command("bash", script, "run", "--rules", rulesDir, "--runtime", runtime,
		"--grpc-port", strconv.Itoa(ports[0]), "--http-port", strconv.Itoa(ports[1]),
		"--debug-port", strconv.Itoa(ports[2]), "--redis-port", strconv.Itoa(ports[3]),
		"--log", s.LogPath)
	s.cmd.Env = append(append(os.Environ(), "LOG_LEVEL=info", "LIMIT_RESPONSE_HEADERS_ENABLED=true"),
		env...)
	return s, s.start()
}

func (s *Service) start() error {
	if err := os.MkdirAll(filepath.Dir(s.LogPath), 0o755); err != nil {
		return err
	}
	log, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	s.cmd.Stdout, s.cmd.Stderr = log, log
	if err := s.cmd.Start(); err != nil {
		return err
	}
	exited := make(chan error, 1)
	go func() { exited <- s.cmd.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			s.cmd = nil
			return fmt.Errorf("%s exited at start-up (%v); see %s", s.Name, err, s.LogPath)
		default:
		}
		if resp, err := http.Get(s.HealthURL); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			s.Stop()
			return fmt.Errorf("%s did not become healthy in 30 s; see %s", s.Name, s.LogPath)
		}
		time.Sleep(50 * time.Millisecond)
	}
	go func() { <-exited }() // reaped here; Stop waits through the process state
	s.conn, err = grpc.NewClient(s.GRPCAddr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		s.Stop()
		return err
	}
	s.client = rlspb.NewRateLimitServiceClient(s.conn)
	return nil
}

// Stop sends SIGTERM and waits for the process (the reference's script stops Redis too).
func (s *Service) Stop() {
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	for i := 0; i < 100; i++ {
		if err := s.cmd.Process.Signal(syscall.Signal(0)); err != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = s.cmd.Process.Kill()
	s.cmd = nil
}

// Call sends one ShouldRateLimit.
func (s *Service) Call(ctx context.Context, call Call) Answer {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	resp, err := s.client.ShouldRateLimit(ctx, call.Proto())
	if err != nil {
		return Answer{Error: status.Code(err).String()}
	}
	return FromProto(resp)
}

// ReloadMark counts the reloads the service has finished so far (successful or not).
type ReloadMark struct{ Success, Failure int }

var sluiceReloads = regexp.MustCompile(`sluice_rules_reloads_total\{result="(success|failure)"\} (\d+)`)

// Reloads reads the count of finished reloads: Sluice's /metrics, the reference's log lines.
func (s *Service) Reloads() (ReloadMark, error) {
	var m ReloadMark
	if s.metricsURL != "" {
		resp, err := http.Get(s.metricsURL)
		if err != nil {
			return m, err
		}
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			if g := sluiceReloads.FindStringSubmatch(sc.Text()); g != nil {
				n, _ := strconv.Atoi(g[2])
				if g[1] == "success" {
					m.Success = n
				} else {
					m.Failure = n
				}
			}
		}
		return m, sc.Err()
	}
	text, err := os.ReadFile(s.LogPath)
	if err != nil {
		return m, err
	}
	m.Success = strings.Count(string(text), "Successfully loaded new configuration")
	m.Failure = strings.Count(string(text), "Error loading new configuration")
	return m, nil
}

// LastReloadError is the message of the service's last failed reload, from its log.
func (s *Service) LastReloadError() string {
	text, err := os.ReadFile(s.LogPath)
	if err != nil {
		return ""
	}
	lines := strings.Split(string(text), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := lines[i]
		if k := strings.Index(l, "keeping the previous rules: "); k >= 0 {
			return l[k+len("keeping the previous rules: "):]
		}
		if k := strings.Index(l, "Error loading new configuration: "); k >= 0 {
			return strings.TrimSuffix(l[k+len("Error loading new configuration: "):], `"`)
		}
	}
	return ""
}

// WaitReload waits until the service has finished a reload after `since` and then none for
// `quiet`; it returns whether the last one succeeded.
func (s *Service) WaitReload(since ReloadMark, timeout, quiet time.Duration) (bool, error) {
	deadline := time.Now().Add(timeout)
	last := since
	lastChange := time.Time{}
	lastOK := false
	for {
		m, err := s.Reloads()
		if err != nil {
			return false, err
		}
		if m != last {
			lastOK = m.Success > last.Success && m.Failure == last.Failure
			if m.Success > last.Success && m.Failure > last.Failure {
				// Both moved between two polls: the order is unknown; poll again after quiet.
				lastOK = false
			}
			last, lastChange = m, time.Now()
		}
		if !lastChange.IsZero() && time.Since(lastChange) >= quiet {
			return lastOK, nil
		}
		if time.Now().After(deadline) {
			if lastChange.IsZero() {
				return false, fmt.Errorf("%s: no reload within %v", s.Name, timeout)
			}
			return lastOK, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Replace makes `files` (name -> text) the whole content of the service's rules directory,
// each written beside it and renamed in, so the service never reads half a file.
func (s *Service) Replace(files map[string]string) error {
	entries, err := os.ReadDir(s.RulesDir)
	if err != nil {
		return err
	}
	staging := s.RulesDir + ".staging" // beside the watched directory, on the same file system
	if err := os.MkdirAll(staging, 0o755); err != nil {
		return err
	}
	for name, text := range files {
		tmp := filepath.Join(staging, name)
		if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, filepath.Join(s.RulesDir, name)); err != nil {
			return err
		}
	}
	for _, e := range entries {
		if _, keep := files[e.Name()]; !keep {
			if err := os.Remove(filepath.Join(s.RulesDir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// Add writes one more rules file into the service's rules directory (renamed in).
func (s *Service) Add(name, text string) error {
	staging := s.RulesDir + ".staging"
	if err := os.MkdirAll(staging, 0o755); err != nil {
		return err
	}
	tmp := filepath.Join(staging, name)
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(s.RulesDir, name))
}

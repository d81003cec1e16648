package harness

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mailgun/holster/v4/clock"
)

// Clock is one frozen wall clock shared by the in-process Gubernator node(s) and the sluice
// processes started with it. Both services read "now" from their wall clock for cache expiry
// and Gregorian intervals (reference/gubernator.md §2.2, §2.5), so comparing them field by
// field needs both to read the same instant: Gubernator through holster's clock.Freeze (the
// mechanism its own functional tests use), sluice through libfaketime (LD_PRELOAD), which
// re-reads the time from a file on every clock_gettime(CLOCK_REALTIME). Monotonic clocks stay
// real, so gRPC deadlines and sluice's timers keep working. (A frozen wall clock still slows
// sluice's gRPC server down to a few milliseconds per call; the fuzzer batches its items.)
//
// Holster's clock is process-wide: one Clock per test process.
type Clock struct {
	mu   sync.Mutex
	now  int64 // epoch ms
	dir  string
	file string
}

// NewClock freezes both clocks at `at` (epoch ms).
func NewClock(at int64) (*Clock, error) {
	if _, err := FaketimeLibrary(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "interop-clock-")
	if err != nil {
		return nil, err
	}
	c := &Clock{dir: dir, file: filepath.Join(dir, "now")}
	if err := c.Set(at); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

// Set moves both clocks to `at` (forwards or backwards).
func (c *Clock) Set(at int64) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	// libfaketime's absolute format; the extra half millisecond keeps the value from being
	// read back as at-1 after its float conversion.
	t := time.UnixMilli(at).UTC()
	text := t.Format("2006-01-02 15:04:05") + fmt.Sprintf(".%06d\n", t.Nanosecond()/1000+500)
	tmp := c.file + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, c.file); err != nil { // atomic: a reader sees old or new
		return err
	}
	clock.Freeze(time.UnixMilli(at))
	c.now = at
	return nil
}

// Now is the time both clocks show.
func (c *Clock) Now() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Close unfreezes holster's clock and removes the time file.
func (c *Clock) Close() {
	clock.Unfreeze()
	os.RemoveAll(c.dir)
}

func (c *Clock) processEnv() ([]string, error) {
	lib, err := FaketimeLibrary()
	if err != nil {
		return nil, err
	}
	asan := os.Getenv("ASAN_OPTIONS")
	if asan != "" {
		asan += ":"
	}
	return []string{
		"LD_PRELOAD=" + lib,
		"FAKETIME_TIMESTAMP_FILE=" + c.file,
		"FAKETIME_NO_CACHE=1",
		"FAKETIME_DONT_FAKE_MONOTONIC=1",
		// An ASan build wants its runtime first in the library list; libfaketime only
		// interposes clock functions, so the order does not matter here.
		"ASAN_OPTIONS=" + asan + "verify_asan_link_order=0",
	}, nil
}

// FaketimeLibrary locates libfaketime's thread-safe variant, which serialises clock reads so no
// thread sees a half-updated time (Debian package libfaketime; $FAKETIME_LIB overrides).
func FaketimeLibrary() (string, error) {
	candidates := []string{os.Getenv("FAKETIME_LIB"),
		"/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
		"/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
		"/usr/lib/faketime/libfaketimeMT.so.1"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if _, err := os.Stat(c); err == nil {
			return c, nil
		}
	}
	return "", fmt.Errorf("libfaketime not found (tried %s); install the Debian package "+
		"libfaketime (scripts/install-interop-deps.sh)", strings.Join(candidates[1:], ", "))
}

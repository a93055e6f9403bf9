package daemon

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/api"
)

// TestSecondDaemonRefused starts a daemon in another process and then a
// second one on the same socket: the second refuses to start, naming
// the first one's pid and -socket, and leaves the first one serving.
func TestSecondDaemonRefused(t *testing.T) {
	cfg := paths(t)
	first := exec.Command(os.Args[0], "-test.run=^$")
	first.Env = append(os.Environ(), "GOVRF_TEST_DAEMON_SOCKET="+cfg.Socket, "GOVRF_TEST_DAEMON_CONFIG="+cfg.ConfigFile)
	var stderr strings.Builder
	first.Stderr = &stderr
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		first.Process.Signal(syscall.SIGTERM)
		first.Wait()
	})
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := api.Call(cfg.Socket, []string{"link", "show"}); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first daemon does not answer; its stderr:\n%s", stderr.String())
		}
	}

	var out strings.Builder
	if code := Main([]string{"-socket", cfg.Socket, "-config", cfg.ConfigFile, "-host-stacks=false"}, &out); code != 1 {
		t.Errorf("a second govrfd on %s exited %d, want 1", cfg.Socket, code)
	}
	want := fmt.Sprintf("another govrfd (pid %d) serves the socket %s", first.Process.Pid, cfg.Socket)
	if !strings.Contains(out.String(), want) || !strings.Contains(out.String(), "-socket") {
		t.Errorf("a second govrfd on %s said %q, want %q and -socket", cfg.Socket, out.String(), want)
	}
	if _, err := api.Call(cfg.Socket, []string{"link", "show"}); err != nil {
		t.Errorf("the first daemon after the second was refused: %v", err)
	}
}

// TestNetnsDirLocked: two daemons with different sockets but one
// namespace directory for their host stacks cannot both start.
func TestNetnsDirLocked(t *testing.T) {
	netns := filepath.Join(t.TempDir(), "netns")
	a, b := paths(t), paths(t)
	a.HostStacks, a.NetnsDir = true, netns
	b.HostStacks, b.NetnsDir = true, netns
	locks, err := takeLocks(a)
	if err != nil {
		t.Fatalf("takeLocks(%+v) = %v", a, err)
	}
	_, err = takeLocks(b)
	want := fmt.Sprintf("another govrfd (pid %d) keeps its host stacks' namespaces in %s", os.Getpid(), netns)
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "-netns-dir") {
		t.Errorf("takeLocks on a locked namespace directory = %v, want %q and -netns-dir", err, want)
	}
	// b's socket lock, taken before, was let go again.
	if l, err := flockExclusive(lockFile(b.Socket), false); err != nil {
		t.Errorf("b's socket lock after its refusal: %v, want it free", err)
	} else {
		l.Close()
	}
	releaseLocks(locks)
	if locks, err = takeLocks(b); err != nil {
		t.Errorf("takeLocks after the first daemon's locks went = %v", err)
	}
	releaseLocks(locks)
}

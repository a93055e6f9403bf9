// Package netnstest gives privileged tests a network namespace of their
// own and a way to run ip(8) in it. It is imported by tests only.
package netnstest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Root skips a test that needs root when it runs without, unless
// CI=true, where it fails.
func Root(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("integration test needs root")
		}
		t.Skip("integration test needs root")
	}
}

// Enter moves the test's goroutine, locked to its thread, into a fresh
// network namespace. The thread is never unlocked, so Go retires it when
// the test ends; the namespace and every link in it go with it. Without
// root the test is skipped, unless CI=true, where it fails.
func Enter(t *testing.T) {
	t.Helper()
	Root(t)
	ci := os.Getenv("CI") == "true"
	runtime.LockOSThread()
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		if errors.Is(err, unix.EPERM) && !ci {
			t.Skipf("unshare(CLONE_NEWNET): %v", err)
		}
		t.Fatalf("unshare(CLONE_NEWNET): %v", err)
	}
}

// IP runs ip(8) in the test's namespace (the child inherits the locked
// thread's) and returns its output; a failure fails the test.
func IP(t *testing.T, args ...string) string {
	t.Helper()
	out, err := TryIP(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TryIP runs ip(8) and returns its output or an error carrying it.
func TryIP(args ...string) (string, error) {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// Stop sends p SIGTERM and waits for exited, which its waiter closes,
// killing p after three seconds. It returns whether p exited by itself.
func Stop(p *os.Process, exited <-chan struct{}) bool {
	p.Signal(syscall.SIGTERM)
	select {
	case <-exited:
		return true
	case <-time.After(3 * time.Second):
		p.Kill()
		<-exited
		return false
	}
}

package packet

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// netns moves the test's goroutine, locked to its thread, into a fresh
// network namespace. The thread is never unlocked, so Go retires it when
// the test ends; the namespace and every link in it go with it. Without
// root the test is skipped, unless CI=true, where it fails.
func netns(t *testing.T) {
	t.Helper()
	ci := os.Getenv("CI") == "true"
	if os.Geteuid() != 0 {
		if ci {
			t.Fatal("integration test needs root")
		}
		t.Skip("integration test needs root")
	}
	runtime.LockOSThread()
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		if errors.Is(err, unix.EPERM) && !ci {
			t.Skipf("unshare(CLONE_NEWNET): %v", err)
		}
		t.Fatalf("unshare(CLONE_NEWNET): %v", err)
	}
}

// ip runs ip(8) in the test's namespace: the child inherits the locked
// thread's.
func ip(t *testing.T, args ...string) string {
	t.Helper()
	out, err := tryIP(args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func tryIP(args ...string) (string, error) {
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

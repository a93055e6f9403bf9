package difftest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// requireLinux skips a test that needs root and ip, unless it runs in CI
// (CI=true), where skipping would hide the comparison: there it fails.
func requireLinux(t *testing.T) {
	t.Helper()
	why := ""
	if os.Geteuid() != 0 {
		why = "needs root"
	} else if _, err := exec.LookPath("ip"); err != nil {
		why = "needs iproute2's ip"
	}
	if why == "" {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s; CI must run the differential tests", why)
	}
	t.Skip(why)
}

// testEnv creates namespaces named govrf-dt<pid>-<n>; whatever a failure
// leaves behind is deleted when the test ends, and what a killed test run
// left behind (its process is gone) when the next one starts.
type testEnv struct {
	prefix string
	n      atomic.Int64
}

func newTestEnv(t *testing.T) *testEnv {
	e := &testEnv{prefix: fmt.Sprintf("govrf-dt%d-", os.Getpid())}
	left, _ := filepath.Glob("/run/netns/govrf-dt*")
	for _, p := range left {
		pid, _, _ := strings.Cut(strings.TrimPrefix(filepath.Base(p), "govrf-dt"), "-")
		if _, err := os.Stat("/proc/" + pid); os.IsNotExist(err) {
			deleteNetns(t, filepath.Base(p))
		}
	}
	t.Cleanup(func() {
		left, _ := filepath.Glob("/run/netns/" + e.prefix + "*")
		for _, p := range left {
			deleteNetns(t, filepath.Base(p))
		}
	})
	return e
}

func deleteNetns(t *testing.T, name string) {
	if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
		t.Errorf("ip netns del %s: %v: %s", name, err, strings.TrimSpace(string(out)))
	}
}

func (e *testEnv) NewLinux() (*Linux, error) {
	return NewLinux(fmt.Sprintf("%s%d", e.prefix, e.n.Add(1)))
}

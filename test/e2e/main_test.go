package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/daemon"
	"github.com/govrf/govrf/internal/demo"
	"github.com/govrf/govrf/internal/netnstest"
)

// TestMain lets the test binary stand in for govrfd: a namespace is per
// thread and a Go program's goroutines move between threads, so the
// daemon must be a whole process started with `ip netns exec`, and the
// test binary re-executes itself with demo.DaemonEnv set. With echoEnv
// set, it is an echo server. The govrf client is the real binary, built
// once for the tests that need it (binaries).
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(demo.DaemonEnv); ok {
		os.Exit(daemon.Main(strings.Fields(args), os.Stderr))
	}
	if port, ok := os.LookupEnv(echoEnv); ok {
		os.Exit(echoServe(port))
	}
	code := m.Run()
	netnstest.RemoveBinaries()
	os.Exit(code)
}

// binaries returns the directory of the govrf and govrfd binaries the
// tests run, built once per test run.
func binaries(t *testing.T) string { return netnstest.Binaries(t) }

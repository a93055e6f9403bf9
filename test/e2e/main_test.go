package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/daemon"
	"github.com/govrf/govrf/internal/demo"
)

// TestMain lets the test binary stand in for govrfd: a namespace is per
// thread and a Go program's goroutines move between threads, so the
// daemon must be a whole process started with `ip netns exec`, and the
// test binary re-executes itself with demo.DaemonEnv set.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(demo.DaemonEnv); ok {
		os.Exit(daemon.Main(strings.Fields(args), os.Stderr))
	}
	os.Exit(m.Run())
}

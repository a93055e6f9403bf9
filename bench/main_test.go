package bench

import (
	"os"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/daemon"
	"github.com/govrf/govrf/internal/demo"
)

// TestMain lets the test binary stand in for govrfd in the forwarding
// benchmark: a network namespace is per thread and a Go program's
// goroutines move between threads, so the daemon must be a whole process
// started in the router's namespace, and the binary re-executes itself
// with demo.DaemonEnv set.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(demo.DaemonEnv); ok {
		os.Exit(daemon.Main(strings.Fields(args), os.Stderr))
	}
	os.Exit(m.Run())
}

package evpn

import (
	"os"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/daemon"
	"github.com/govrf/govrf/internal/demo"
)

// TestMain lets the test binary stand in for govrfd, as in test/e2e: a
// namespace is per thread, so each router's daemon is a whole process
// started in its namespace, the test binary re-executed with
// demo.DaemonEnv set. As root, it first sweeps away what test
// processes killed before their cleanup left.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(demo.DaemonEnv); ok {
		os.Exit(daemon.Main(strings.Fields(args), os.Stderr))
	}
	if os.Geteuid() == 0 {
		sweep()
	}
	os.Exit(m.Run())
}

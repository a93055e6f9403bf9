package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/daemon"
	"github.com/govrf/govrf/internal/demo"
)

// TestMain lets the test binary stand in for govrfd: a namespace is per
// thread and a Go program's goroutines move between threads, so the
// daemon must be a whole process started with `ip netns exec`, and the
// test binary re-executes itself with demo.DaemonEnv set. With clientEnv
// set, it is the govrf client instead, talking to $GOVRF_SOCKET; with
// echoEnv set, an echo server.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(demo.DaemonEnv); ok {
		os.Exit(daemon.Main(strings.Fields(args), os.Stderr))
	}
	// Before clientEnv: `govrf vrf exec` passes its environment on.
	if port, ok := os.LookupEnv(echoEnv); ok {
		os.Exit(echoServe(port))
	}
	if _, ok := os.LookupEnv(demo.ClientEnv); ok {
		os.Exit(cli.Remote(os.Getenv("GOVRF_SOCKET"), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

package e2e

import (
	"os"
	"strings"
	"sync"
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
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// built holds the govrf and govrfd binaries the tests run.
var built struct {
	once sync.Once
	dir  string
	err  error
}

// binaries builds cmd/govrf and cmd/govrfd once per test run and returns
// the directory that holds them.
func binaries(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "govrf-e2e-bin")
		if built.err == nil {
			_, built.err = netnstest.Build(built.dir)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.dir
}

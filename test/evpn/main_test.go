package evpn

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/govrf/govrf/internal/netnstest"
)

// TestMain runs the tests; as root, it first sweeps away what test
// processes killed before their cleanup left.
func TestMain(m *testing.M) {
	if os.Geteuid() == 0 {
		sweep()
	}
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// built holds the govrfd binary the routers run.
var built struct {
	once sync.Once
	dir  string
	err  error
}

// govrfd builds cmd/govrf and cmd/govrfd once per test run and returns
// the path of govrfd: the real daemon, as the BGP speaker is linked
// into that command alone.
func govrfd(t *testing.T) string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "govrf-evpn-bin")
		if built.err == nil {
			_, built.err = netnstest.Build(built.dir)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return filepath.Join(built.dir, "govrfd")
}

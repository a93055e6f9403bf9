package evpn

import (
	"os"
	"path/filepath"
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
	netnstest.RemoveBinaries()
	os.Exit(code)
}

// govrfd returns the path of the govrfd binary, built once per test run:
// the real daemon, as the BGP speaker is linked into that command alone.
func govrfd(t *testing.T) string {
	return filepath.Join(netnstest.Binaries(t), "govrfd")
}

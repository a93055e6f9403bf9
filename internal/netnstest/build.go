package netnstest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// Build builds govrf's commands (cmd/govrf and cmd/govrfd) into dir with
// the go command on PATH, for tests that run the binaries a user runs,
// and returns the path of govrf; govrfd is beside it.
func Build(dir string) (string, error) {
	c := exec.Command("go", "build", "-o", dir+string(filepath.Separator),
		"github.com/govrf/govrf/cmd/govrf", "github.com/govrf/govrf/cmd/govrfd")
	if out, err := c.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/govrf ./cmd/govrfd: %v\n%s", err, out)
	}
	return filepath.Join(dir, "govrf"), nil
}

// built holds what Binaries built for this test process.
var built struct {
	once sync.Once
	dir  string
	err  error
}

// Binaries builds cmd/govrf and cmd/govrfd once per test process and
// returns the directory that holds them; RemoveBinaries removes it when
// the tests are over.
func Binaries(t testing.TB) string {
	t.Helper()
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "govrf-test-bin")
		if built.err == nil {
			_, built.err = Build(built.dir)
		}
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.dir
}

// RemoveBinaries removes what Binaries built, if anything; TestMain calls
// it after the tests.
func RemoveBinaries() {
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
}

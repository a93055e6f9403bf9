package netnstest

import (
	"fmt"
	"os/exec"
	"path/filepath"
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

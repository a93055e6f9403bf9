//go:build !linux

package daemon

import "os"

// flockExclusive takes no lock: govrfd runs only on Linux.
func flockExclusive(path string, dir bool) (*os.File, error) { return nil, nil }

package daemon

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/govrf/govrf/internal/hoststack"
)

// lockFile returns the lock file of a daemon on socket: the socket's
// path with ".lock" for ".sock" (/run/govrf/govrf.lock).
func lockFile(socket string) string { return strings.TrimSuffix(socket, ".sock") + ".lock" }

// takeLocks makes what must be one daemon's this daemon's, before it
// touches anything: the socket, through a lock file beside it (a second
// daemon would otherwise take the socket's name over and leave the
// first one unreachable), and the host stacks' namespace directory,
// locked itself (a second daemon's stacks would find the first one's
// namespaces and TUN devices in their way). A lock held by another
// process refuses the start, naming that process and the flag that
// gives this daemon a place of its own.
func takeLocks(cfg Config) ([]*os.File, error) {
	var locks []*os.File
	fail := func(err error) ([]*os.File, error) {
		releaseLocks(locks)
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(cfg.Socket), 0o755); err != nil {
		return fail(err)
	}
	f, err := flockExclusive(lockFile(cfg.Socket), false)
	if err != nil {
		return fail(heldBy(err, fmt.Sprintf("serves the socket %s", cfg.Socket), "-socket"))
	}
	locks = append(locks, f)
	if cfg.HostStacks {
		dir := cfg.NetnsDir
		if dir == "" {
			dir = hoststack.DefaultNetnsDir
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fail(err)
		}
		f, err := flockExclusive(dir, true)
		if err != nil {
			return fail(heldBy(err, fmt.Sprintf("keeps its host stacks' namespaces in %s", dir), "-netns-dir"))
		}
		locks = append(locks, f)
	}
	return locks, nil
}

// heldBy words a lock held by another process as the reason this
// daemon does not start; other errors pass as they are.
func heldBy(err error, what, flag string) error {
	var held *heldError
	if !errors.As(err, &held) {
		return err
	}
	who := "another govrfd"
	if held.pid != 0 {
		who = fmt.Sprintf("another govrfd (pid %d)", held.pid)
	}
	return fmt.Errorf("%s %s (%s is locked); stop it, or give this one another %s", who, what, held.path, flag)
}

// releaseLocks closes the lock files, which releases their locks.
func releaseLocks(locks []*os.File) {
	for _, f := range locks {
		if f != nil {
			f.Close()
		}
	}
}

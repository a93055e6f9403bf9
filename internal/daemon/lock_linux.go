package daemon

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// flockExclusive takes an exclusive flock on path, without waiting: a
// directory as it is, any other path as a lock file, created if need
// be, into which the daemon's pid is written for whoever looks. The
// lock lasts as long as the returned file is open, and not beyond the
// process: a daemon killed with SIGKILL releases it. Lock files are
// left behind on purpose: removing one would let a second daemon lock
// the removed file while a third creates a new one. If another process
// holds the lock the error is a *heldError naming it.
func flockExclusive(path string, dir bool) (*os.File, error) {
	var f *os.File
	var err error
	if dir {
		f, err = os.Open(path) // O_CLOEXEC: no child keeps the lock
	} else {
		f, err = os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	}
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, &heldError{path: path, pid: lockHolder(f, dir)}
		}
		return nil, fmt.Errorf("flock %s: %w", path, err)
	}
	if !dir {
		if err := f.Truncate(0); err == nil {
			f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		}
	}
	return f, nil
}

// heldError is a lock another process holds.
type heldError struct {
	path string
	pid  int // 0 when it could not be found
}

func (e *heldError) Error() string {
	if e.pid == 0 {
		return fmt.Sprintf("%s is locked by another process", e.path)
	}
	return fmt.Sprintf("%s is locked by pid %d", e.path, e.pid)
}

// lockHolder finds the process that holds a flock on f's file: the
// kernel lists every lock in /proc/locks with its owner's pid (as this
// process's pid namespace sees it) and the file's device and inode. A
// lock file says it too, in case /proc/locks is not there.
func lockHolder(f *os.File, dir bool) int {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err == nil {
		// "1: FLOCK  ADVISORY  WRITE 1234 00:1a:5678 0 EOF"
		want := fmt.Sprintf("%02x:%02x:%d", unix.Major(st.Dev), unix.Minor(st.Dev), st.Ino)
		if pl, err := os.Open("/proc/locks"); err == nil {
			defer pl.Close()
			sc := bufio.NewScanner(pl)
			for sc.Scan() {
				fields := strings.Fields(sc.Text())
				// A waiter's line has "->" after the number.
				if len(fields) >= 6 && fields[1] == "FLOCK" && fields[5] == want {
					if pid, err := strconv.Atoi(fields[4]); err == nil && pid > 0 {
						return pid
					}
				}
			}
		}
	}
	if !dir {
		var b [32]byte
		n, _ := f.ReadAt(b[:], 0)
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b[:n]))); err == nil && pid > 0 {
			return pid
		}
	}
	return 0
}

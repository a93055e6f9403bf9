package hoststack

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// Exec replaces the calling process with argv run in the namespace bound
// at path, as `ip netns exec` does, and so its exit status is the
// program's. argv[0] is looked up in PATH first. It returns only on
// failure, with iproute2's messages:
//
//	Cannot open network namespace "govrf-blue": No such file or directory
//	setting the network namespace "govrf-blue" failed: Invalid argument
//	exec of "foo" failed: No such file or directory
//
// The program sees only the namespace's devices through netlink; like
// `ip vrf exec`, and unlike `ip netns exec`, Exec leaves the mount
// namespace alone, so /sys/class/net still lists the host's. After a
// failure past the namespace switch the calling goroutine stays locked
// to its thread, in the namespace; the caller is expected to exit.
func Exec(path string, argv []string, env []string) error {
	if _, err := lookProg(argv); err != nil {
		return err
	}
	name := filepath.Base(path)
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return &ExecError{fmt.Sprintf("Cannot open network namespace %q: %s", name, strerror(err)), err}
	}
	defer f.Close()
	return ExecIn(f, name, argv, env)
}

// ExecIn is Exec with the namespace given as an open file (one that
// govrfd handed over its socket, say), so that it works whatever mount
// namespace the caller and the namespace's owner are in; name is the
// namespace's name for messages. ns is closed before the program runs.
func ExecIn(ns *os.File, name string, argv []string, env []string) error {
	prog, err := lookProg(argv)
	if err != nil {
		ns.Close()
		return err
	}
	runtime.LockOSThread()
	err = unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET)
	ns.Close()
	if err != nil {
		runtime.UnlockOSThread() // setns failed: the thread is where it was
		return &ExecError{fmt.Sprintf("setting the network namespace %q failed: %s", name, strerror(err)), err}
	}
	// execve from any thread replaces the whole process, which keeps
	// the namespaces of the thread that called it.
	return execError(argv[0], syscall.Exec(prog, argv, env))
}

// lookProg finds argv[0] in PATH, as execvp would.
func lookProg(argv []string) (string, error) {
	if len(argv) == 0 {
		return "", &ExecError{"No command specified", unix.EINVAL}
	}
	prog, err := exec.LookPath(argv[0])
	if err != nil && !errors.Is(err, exec.ErrDot) {
		if errors.Is(err, exec.ErrNotFound) {
			err = unix.ENOENT
		}
		return "", execError(argv[0], err)
	}
	return prog, nil
}

func execError(cmd string, err error) error {
	return &ExecError{fmt.Sprintf("exec of %q failed: %s", cmd, strerror(err)), err}
}

// strerror returns err's text as the C library's strerror spells it: Go
// has the same texts, in lower case.
func strerror(err error) string {
	var errno unix.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	s := errno.Error()
	return strings.ToUpper(s[:1]) + s[1:]
}

// Identify returns the name in stacks (name → namespace file) of the
// namespace process pid lives in, "" if none, as `ip vrf identify`
// prints the VRF's name or nothing. pid 0 means the caller. A stack
// whose file is gone is passed over.
func Identify(pid int, stacks map[string]string) (string, error) {
	proc := "self"
	if pid != 0 {
		proc = strconv.Itoa(pid)
	}
	var st unix.Stat_t
	if err := unix.Stat("/proc/"+proc+"/ns/net", &st); err != nil {
		return "", fmt.Errorf("hoststack: identify %s: %w", proc, err)
	}
	names := make([]string, 0, len(stacks))
	for name := range stacks {
		names = append(names, name)
	}
	slices.Sort(names) // one answer even if two names share a file
	for _, name := range names {
		var ns unix.Stat_t
		if unix.Stat(stacks[name], &ns) == nil && ns.Dev == st.Dev && ns.Ino == st.Ino {
			return name, nil
		}
	}
	return "", nil
}

// Pids returns the processes living in the namespace bound at path, by
// PID, as `ip netns pids` finds them: every /proc/PID whose ns/net is
// that namespace. Processes that end during the scan are passed over.
func Pids(path string) ([]Process, error) {
	var ns unix.Stat_t
	if err := unix.Stat(path, &ns); err != nil {
		return nil, fmt.Errorf("hoststack: pids %s: %w", path, err)
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil, fmt.Errorf("hoststack: pids %s: %w", path, err)
	}
	var procs []Process
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		var st unix.Stat_t
		if unix.Stat("/proc/"+e.Name()+"/ns/net", &st) != nil || st.Dev != ns.Dev || st.Ino != ns.Ino {
			continue
		}
		comm, err := os.ReadFile("/proc/" + e.Name() + "/comm")
		if err != nil { // ended meanwhile
			continue
		}
		procs = append(procs, Process{PID: pid, Comm: strings.TrimSuffix(string(comm), "\n")})
	}
	slices.SortFunc(procs, func(a, b Process) int { return a.PID - b.PID })
	return procs, nil
}

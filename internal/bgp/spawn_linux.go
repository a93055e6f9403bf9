package bgp

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"runtime"

	"golang.org/x/sys/unix"
)

// spawn starts this binary as a speaker's child (ChildMain) in the
// network namespace bound at netns, and returns the socket to it. The
// child is forked from a thread moved into the namespace, so it starts
// there with all its threads; that thread is never unlocked, and ends
// with its goroutine, as a thread that changed namespace must.
func spawn(netns string) (net.Conn, *exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, nil, err
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	mine, theirs := os.NewFile(uintptr(fds[0]), "bgp"), os.NewFile(uintptr(fds[1]), "bgp-child")
	defer mine.Close()
	defer theirs.Close()
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"=1")
	cmd.ExtraFiles = []*os.File{theirs} // descriptor 3
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		fd, err := unix.Open(netns, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err == nil {
			err = unix.Setns(fd, unix.CLONE_NEWNET)
			unix.Close(fd)
		}
		if err != nil {
			started <- fmt.Errorf("bgp: entering the underlay's namespace %s: %w", netns, err)
			return
		}
		started <- cmd.Start()
	}()
	if err := <-started; err != nil {
		return nil, nil, err
	}
	conn, err := net.FileConn(mine)
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, nil, err
	}
	return conn, cmd, nil
}

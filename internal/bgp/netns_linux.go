package bgp

import (
	"runtime"

	"golang.org/x/sys/unix"
)

// inNetns runs fn on a thread of its own moved into the network
// namespace bound at path ("" for the process's own), and returns once
// the thread is there. Sockets keep the namespace they were made in, so
// GoBGP's listeners, made by its server loop (fn), live in the
// namespace. The thread is never unlocked: it ends with fn, as a thread
// that changed namespace must.
func inNetns(path string, fn func()) error {
	ready := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if path != "" {
			fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
			if err == nil {
				err = unix.Setns(fd, unix.CLONE_NEWNET)
				unix.Close(fd)
			}
			if err != nil {
				ready <- err
				return
			}
		}
		ready <- nil
		fn()
	}()
	return <-ready
}

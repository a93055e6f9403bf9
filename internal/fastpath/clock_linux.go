package fastpath

import "golang.org/x/sys/unix"

// Monotonic returns CLOCK_MONOTONIC in nanoseconds, the clock of
// bpf_ktime_get_ns and so of the nexthops' neighbour deadlines: the
// value Compile wants.
func Monotonic() uint64 {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts); err != nil {
		return 0 // never: CLOCK_MONOTONIC always exists; 0 hands every REACHABLE neighbour to the slow path soonest
	}
	return uint64(ts.Nano())
}

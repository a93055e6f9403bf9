package bench

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"time"
)

// userHZ is the unit of the CPU times in /proc: USER_HZ, 100 on every
// architecture Linux exports it for (sysconf(_SC_CLK_TCK)).
const userHZ = 100

// cpuSample is a reading of CPU time spent so far, in USER_HZ ticks.
type cpuSample struct {
	at      time.Time
	machine uint64 // busy time of all CPUs
	daemon  uint64 // govrfd's user and system time
}

// cpu reads the machine's busy time from /proc/stat (every column of
// the cpu line but idle and iowait) and, if govrfd routes, the daemon's
// utime and stime from /proc/PID/stat.
func (n *fwdNet) cpu() cpuSample {
	s := cpuSample{at: time.Now()}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		for i, v := range strings.Fields(line)[1:] {
			if i == 3 || i == 4 { // idle, iowait
				continue
			}
			t, _ := strconv.ParseUint(v, 10, 64)
			s.machine += t
		}
	}
	if n.daemon == nil {
		return s
	}
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(n.daemon.Pid) + "/stat"); err == nil {
		// The fields after the command name, which may hold spaces
		// and parentheses, start with the state (field 3); utime and
		// stime are fields 14 and 15.
		rest := string(b[bytes.LastIndexByte(b, ')')+1:])
		if f := strings.Fields(rest); len(f) > 12 {
			u, _ := strconv.ParseUint(f[11], 10, 64)
			k, _ := strconv.ParseUint(f[12], 10, 64)
			s.daemon = u + k
		}
	}
	return s
}

// since returns the CPUs busy between before and s, on the machine
// ("cpus") and, if govrfd routes, in the daemon ("daemon-cpus"), in
// CPUs: 1 is one CPU busy all the time.
func (s cpuSample) since(before cpuSample) figures {
	wall := s.at.Sub(before.at).Seconds() * userHZ
	f := figures{"cpus": float64(s.machine-before.machine) / wall}
	if s.daemon != 0 {
		f["daemon-cpus"] = float64(s.daemon-before.daemon) / wall
	}
	return f
}

package bench

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// userHZ is the unit of the CPU times in /proc: USER_HZ, 100 on every
// architecture Linux exports it for (sysconf(_SC_CLK_TCK)).
const userHZ = 100

// cpuSample is a reading of CPU time spent so far, in USER_HZ ticks.
type cpuSample struct {
	at      time.Time
	machine uint64 // busy time of all CPUs
	softirq uint64 // of it, in softirqs, where both routers forward
	daemon  uint64 // govrfd's user and system time
	server  uint64 // iperf3's server's in H2
}

// cpu reads the machine's busy time from /proc/stat (every column of
// the cpu line but idle and iowait) and its softirq column, and, if
// govrfd routes, the daemon's utime and stime from /proc/PID/stat, and
// those of iperf3's server once it runs.
func (n *fwdNet) cpu() cpuSample {
	s := cpuSample{at: time.Now()}
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		line, _, _ := strings.Cut(string(b), "\n")
		for i, v := range strings.Fields(line)[1:] {
			t, _ := strconv.ParseUint(v, 10, 64)
			switch i {
			case 3, 4: // idle, iowait
				continue
			case 6:
				s.softirq = t
			}
			s.machine += t
		}
	}
	s.daemon = procTicks(n.daemon)
	s.server = procTicks(n.server)
	return s
}

// procTicks returns a running process's utime and stime, 0 for none.
func procTicks(p *os.Process) uint64 {
	if p == nil {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.Pid) + "/stat")
	if err != nil {
		return 0
	}
	// The fields after the command name, which may hold spaces and
	// parentheses, start with the state (field 3); utime and stime are
	// fields 14 and 15.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseUint(f[11], 10, 64)
	k, _ := strconv.ParseUint(f[12], 10, 64)
	return u + k
}

// cmdTime returns the user and system time of a command that ran.
func cmdTime(c *exec.Cmd) time.Duration {
	if c.ProcessState == nil {
		return 0
	}
	u, ok := c.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// since returns the CPU spent between before and s, client being the
// CPU time of the hosts' client program that ran meanwhile:
//
//   - cpus, cpu-s: the whole machine's busy CPUs (1 is one CPU busy all
//     the time) and CPU time in seconds: hosts, router and any other
//     work on the machine;
//   - net-cpu-s: the topology's own, the client's, iperf3's server's,
//     govrfd's and the softirqs', where the kernel forwards and where
//     every packet crosses a veth (the softirqs of any other network
//     work on the machine too; with tick accounting, as here, the
//     kernel counts a tick that lands in a softirq there, whichever
//     task it interrupted);
//   - daemon-cpus, daemon-cpu-s: govrfd's own, if it routes.
func (s cpuSample) since(before cpuSample, client time.Duration) figures {
	wall := s.at.Sub(before.at).Seconds() * userHZ
	machine := float64(s.machine - before.machine)
	net := float64(s.softirq-before.softirq+s.daemon-before.daemon+s.server-before.server)/userHZ + client.Seconds()
	f := figures{"cpus": machine / wall, "cpu-s": machine / userHZ, "net-cpu-s": net}
	if s.daemon != 0 {
		daemon := float64(s.daemon - before.daemon)
		f["daemon-cpus"] = daemon / wall
		f["daemon-cpu-s"] = daemon / userHZ
	}
	return f
}

// per adds the CPU time spent per unit of work to f: "cpu-"+unit,
// "net-"+unit and, if govrfd routes, "daemon-"+unit, scale times the
// CPU seconds divided by count. With nothing counted it adds nothing.
func (f figures) per(count, scale float64, unit string) {
	if count <= 0 {
		return
	}
	f["cpu-"+unit] = f["cpu-s"] * scale / count
	f["net-"+unit] = f["net-cpu-s"] * scale / count
	if d, ok := f["daemon-cpu-s"]; ok {
		f["daemon-"+unit] = d * scale / count
	}
}

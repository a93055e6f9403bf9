package evpn

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// capture is tcpdump running on the underlay switch, printing what it
// sees, inner headers of VXLAN included.
type capture struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	done chan struct{}
}

// capture starts tcpdump on the underlay switch with filter and waits
// until it listens; the capture ends with the test or with stop.
func (l *lab) capture(filter string) *capture {
	l.t.Helper()
	needTools(l.t, "tcpdump")
	c := &capture{done: make(chan struct{})}
	c.cmd = l.in("UL", "tcpdump", "-i", "sw0", "-nn", "-l", "-U", filter)
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		l.t.Fatal(err)
	}
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		l.t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { c.stop() })
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.mu.Lock()
			c.out.WriteString(sc.Text() + "\n")
			c.mu.Unlock()
		}
	}()
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "listening on") {
				close(listening)
			}
		}
	}()
	select {
	case <-listening:
	case <-time.After(5 * time.Second):
		l.t.Fatal("tcpdump did not start")
	}
	return c
}

// stop ends tcpdump, once it has printed what it caught, and returns
// its lines.
func (c *capture) stop() string {
	if c.cmd.Process != nil && c.cmd.ProcessState == nil {
		time.Sleep(200 * time.Millisecond)
		c.cmd.Process.Signal(syscall.SIGINT)
		<-c.done
		c.cmd.Wait()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.out.String()
}

var vniRE = regexp.MustCompile(`VXLAN, flags \[I\] \(0x08\), vni (\d+)\n(.*)`)

// vxlanPackets stops the capture and returns, per VNI, the inner packet
// lines of the VXLAN it saw.
func (c *capture) vxlanPackets() map[int][]string { return vxlanByVNI(c.stop()) }

// vxlanByVNI returns, per VNI, the inner packet lines of the VXLAN in
// tcpdump's text, which prints the inner packet on the line after the
// outer one.
func vxlanByVNI(text string) map[int][]string {
	m := map[int][]string{}
	for _, s := range vniRE.FindAllStringSubmatch(text, -1) {
		vni, _ := strconv.Atoi(s[1])
		m[vni] = append(m[vni], s[2])
	}
	return m
}

// vxlan stops the capture and returns the VNIs it saw.
func (c *capture) vxlan() map[int]bool {
	m := map[int]bool{}
	for vni := range c.vxlanPackets() {
		m[vni] = true
	}
	return m
}

// counts turns packets per VNI into counts, for messages.
func counts(m map[int][]string) map[int]int {
	c := map[int]int{}
	for vni, p := range m {
		c[vni] = len(p)
	}
	return c
}

// echoes returns how many ICMP echo requests, IPv4 and IPv6 together,
// the kernel of namespace host has received (InEchos, Icmp6InEchos).
func (l *lab) echoes(host string) int {
	l.t.Helper()
	out, err := l.in(host, "cat", "/proc/net/snmp", "/proc/net/snmp6").Output()
	if err != nil {
		l.t.Fatalf("reading %s's ICMP counters: %v", host, err)
	}
	n := 0
	lines := strings.Split(string(out), "\n")
	for i, line := range lines {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "Icmp6InEchos":
			v, _ := strconv.Atoi(f[1])
			n += v
		case len(f) > 1 && f[0] == "Icmp:" && f[1] == "InMsgs" && i+1 < len(lines):
			v := strings.Fields(lines[i+1])
			for j, name := range f {
				if name == "InEchos" && j < len(v) {
					k, _ := strconv.Atoi(v[j])
					n += k
				}
			}
		}
	}
	return n
}

// String shows the capture's size, for messages.
func (c *capture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return fmt.Sprintf("capture of %d bytes", c.out.Len())
}

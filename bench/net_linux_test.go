package bench

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/demo"
)

// fwdNet is the forwarding benchmark's network: hosts H1 and H2, each
// in a network namespace of its own and linked by a veth pair (eth0 in
// the host) to r1 or r2 in router namespace R. Hn is 192.168.n.10/24
// and 2001:db8:n::10/64 with the router, .1 and ::1, as its default
// gateway. What routes in R is set up by kernelRouter or govrfRouter.
type fwdNet struct {
	prefix string      // of the namespaces' names
	daemon *os.Process // govrfd, when it is the router
	server *os.Process // iperf3's server in H2, once it runs
	socket string      // govrfd's
	args   string      // more govrfd flags, space-separated; without -fastpath, it is off
}

// newFwdNet builds the namespaces and veth pairs, the name of each
// namespace starting with a prefix made of the process ID and tag. The
// benchmark's clean-up removes them.
func newFwdNet(b *testing.B, tag string) *fwdNet {
	b.Helper()
	return buildFwdNet(b, fmt.Sprintf("gvb%d-%s-", os.Getpid()%100000, tag))
}

// buildFwdNet is newFwdNet with the namespaces' whole prefix given.
func buildFwdNet(b *testing.B, prefix string) *fwdNet {
	b.Helper()
	n := &fwdNet{prefix: prefix}
	for _, name := range []string{"R", "H1", "H2"} {
		ns := n.ns(name)
		must(b, "ip", "netns", "add", ns)
		b.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
		must(b, "ip", "-n", ns, "link", "set", "lo", "up")
		// No duplicate address detection: the addresses are unique,
		// and while the router's link-local addresses are tentative
		// the kernel sends no neighbour solicitations for the packets
		// it forwards (ndisc_send_ns), which would stall IPv6 for the
		// first second or two.
		must(b, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")
	}
	for _, net := range []string{"1", "2"} {
		r, h := n.ns("R"), n.ns("H"+net)
		for _, c := range [][]string{
			{"ip", "-n", r, "link", "add", "r" + net, "type", "veth", "peer", "name", "eth0", "netns", h},
			{"ip", "-n", r, "link", "set", "r" + net, "up"},
			{"ip", "-n", h, "link", "set", "eth0", "up"},
			{"ip", "-n", h, "addr", "add", "192.168." + net + ".10/24", "dev", "eth0"},
			{"ip", "-n", h, "-6", "addr", "add", "2001:db8:" + net + "::10/64", "dev", "eth0"},
			{"ip", "-n", h, "route", "add", "default", "via", "192.168." + net + ".1"},
			{"ip", "-n", h, "-6", "route", "add", "default", "via", "2001:db8:" + net + "::1"},
		} {
			must(b, c...)
		}
	}
	return n
}

// ns returns the full name of namespace name.
func (n *fwdNet) ns(name string) string { return n.prefix + name }

// in returns a command running args in namespace name.
func (n *fwdNet) in(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", n.ns(name)}, args...)...)
}

// kernelRouter makes R's kernel the router, set up as a VRF would set
// it up but without the VRF driver, which this kernel lacks: the
// connected routes of r1 and r2 in table 10 too, an unreachable default
// behind them so that misses stay in the table, and rules at the l3mdev
// rule's preference (1000) sending what arrives on either port to table
// 10, as l3mdev_fib_rule_match does for a VRF's ports.
func (n *fwdNet) kernelRouter(b *testing.B) {
	b.Helper()
	var lines []string
	for _, net := range []string{"1", "2"} {
		dev := "r" + net
		lines = append(lines,
			"addr add 192.168."+net+".1/24 dev "+dev,
			"-6 addr add 2001:db8:"+net+"::1/64 dev "+dev,
			"route add 192.168."+net+".0/24 dev "+dev+" table 10",
			"-6 route add 2001:db8:"+net+"::/64 dev "+dev+" table 10",
			"rule add pref 1000 iif "+dev+" table 10",
			"-6 rule add pref 1000 iif "+dev+" table 10")
	}
	lines = append(lines,
		"route add unreachable default metric 4278198272 table 10",
		"-6 route add unreachable default metric 4278198272 table 10")
	for _, l := range lines {
		must(b, append([]string{"ip", "-n", n.ns("R")}, strings.Fields(l)...)...)
	}
	must(b, "ip", "netns", "exec", n.ns("R"), "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1")
}

// govrfRouter starts govrfd in R and configures VRF a with table 10 and
// packet ports r1 and r2 in it, as the seed topology configures VRF a.
func (n *fwdNet) govrfRouter(b *testing.B) {
	b.Helper()
	sock := n.startDaemon(b)
	lines := []string{"link add name a type vrf table 10", "link set dev a up"}
	for _, net := range []string{"1", "2"} {
		dev := "r" + net
		lines = append(lines,
			"link add link "+dev+" name "+dev+" type packet",
			"link set dev "+dev+" master a",
			"link set dev "+dev+" up",
			"addr add 192.168."+net+".1/24 dev "+dev,
			"addr add 2001:db8:"+net+"::1/64 dev "+dev)
	}
	lines = append(lines,
		"route add unreachable default metric 4278198272 vrf a",
		"-6 route add unreachable default metric 4278198272 vrf a",
		"sysctl -w net.ipv4.ip_forward=1",
		"sysctl -w net.ipv6.conf.all.forwarding=1")
	for _, l := range lines {
		r, err := api.Call(sock, strings.Fields(l))
		if err != nil {
			b.Fatalf("govrf %s: %v", l, err)
		}
		if r.Code != 0 {
			b.Fatalf("govrf %s: exit %d\n%s%s", l, r.Code, r.Stdout, r.Stderr)
		}
	}
}

// startDaemon runs govrfd in R, without host stacks (the benchmark is
// about forwarding), until the benchmark ends, waits until it answers
// and returns its socket.
func (n *fwdNet) startDaemon(b *testing.B) string {
	b.Helper()
	return n.startDaemonIn(b, b.TempDir())
}

// startDaemonIn is startDaemon with the socket and the configuration
// file in dir, where a daemon started again finds them.
func (n *fwdNet) startDaemonIn(b *testing.B, dir string) string {
	b.Helper()
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	sock := filepath.Join(dir, "govrf.sock")
	// nsenter execs the daemon, so d.Process is govrfd itself: its CPU
	// time and SIGTERM go to the right process.
	d := exec.Command("nsenter", "--net=/run/netns/"+n.ns("R"), self)
	d.Env = append(os.Environ(), demo.DaemonEnv+"=-socket "+sock+" -config "+filepath.Join(dir, "govrf.conf")+" -host-stacks=false -fastpath off "+n.args)
	d.Stdout, d.Stderr = os.Stderr, os.Stderr
	if err := d.Start(); err != nil {
		b.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { d.Wait(); close(exited) }()
	b.Cleanup(func() {
		d.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(3 * time.Second):
			d.Process.Kill()
			<-exited
		}
	})
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if _, err := api.Call(sock, []string{"vrf", "show"}); err == nil {
			break
		}
		select {
		case <-exited:
			b.Fatalf("govrfd exited: %v", d.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			b.Fatalf("govrfd did not answer on %s", sock)
		}
	}
	n.daemon, n.socket = d.Process, sock
	return sock
}

// serve runs iperf3's server in H2 until the benchmark ends, and waits
// until both families reach it through the router.
func (n *fwdNet) serve(b *testing.B) {
	b.Helper()
	srv := n.in("H2", "iperf3", "-s")
	if err := srv.Start(); err != nil {
		b.Fatalf("starting iperf3 -s in H2: %v", err)
	}
	done := make(chan struct{})
	go func() { srv.Wait(); close(done) }()
	b.Cleanup(func() {
		srv.Process.Kill()
		<-done
	})
	n.server = srv.Process
	for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
		if out, err := n.in("H1", "ping", "-c", "3", "-i", "0.2", "-W", "1", dst).CombinedOutput(); err != nil {
			b.Fatalf("%sH1: ping %s: %v\n%s", n.prefix, dst, err, out)
		}
	}
}

// must runs a command and fails the benchmark if it fails.
func must(b *testing.B, args ...string) {
	b.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		b.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// needNet skips the benchmark unless it runs as root, which network
// namespaces need, with every one of tools on the PATH.
func needNet(b *testing.B, tools ...string) {
	if os.Geteuid() != 0 {
		b.Skip("needs root: network namespaces")
	}
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("needs %s", tool)
		}
	}
}

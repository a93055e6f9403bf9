package bench

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/header"
)

// BenchmarkFastpathXDP compares the Linux kernel, govrfd -fastpath tc
// and govrfd -fastpath xdp as the router, each measured in turn, on
// BenchmarkForward's topology with GRO on the hosts' veth ends (for
// all three: a veth takes XDP-redirected frames only while its peer has
// GRO or XDP):
//
//   - udp64: 64-byte UDP (18 octets of payload) with complete checksums,
//     written to a packet socket in H1 from CPU 0 for 3 s (udp64), in
//     packets per second received by H2's eth0; xdp-share is the part
//     of them XDP redirected (r2's xdp_xmit counter), csum-errors H2's
//     UDP checksum errors.
//   - tcp4: one iperf3 TCP stream for 3 s (BenchmarkForward's tcp4), in
//     Gbit/s; H1's checksums are left to the device, so the tc program
//     behind XDP forwards the data, XDP the ACKs.
//
// Each reports the three routers' figures, prefixed kernel-, tc- and
// xdp-, and the ratios tc/kernel and xdp/kernel of the first.
func BenchmarkFastpathXDP(b *testing.B) {
	needNet(b, "iperf3", "ethtool", "nsenter")
	routers := []router{{"kernel", xdpNet(b, "k")}, {"tc", xdpNet(b, "t")}, {"xdp", xdpNet(b, "x")}}
	routers[0].n.kernelRouter(b)
	routers[1].n.args = "-fastpath tc"
	routers[2].n.args = "-fastpath xdp"
	for _, r := range routers[1:] {
		r.n.govrfRouter(b)
	}
	for _, r := range routers {
		for _, h := range []string{"H1", "H2"} {
			must(b, "ip", "netns", "exec", r.n.ns(h), "ethtool", "-K", "eth0", "gro", "on")
		}
		r.n.serve(b)
	}
	compare(b, routers, []measure{
		{"udp64", "pkt/s", func(b *testing.B, n *fwdNet) figures { return n.udp64(b) }},
		{"tcp4", "Gbit/s", func(b *testing.B, n *fwdNet) figures { return n.tcp(b, "192.168.2.10") }},
	})
}

// xdpNet is newFwdNet's topology with namespaces named gx<pid>-tag-.
func xdpNet(b *testing.B, tag string) *fwdNet {
	b.Helper()
	n := &fwdNet{prefix: fmt.Sprintf("gx%d-%s-", os.Getpid()%100000, tag)}
	for _, name := range []string{"R", "H1", "H2"} {
		ns := n.ns(name)
		must(b, "ip", "netns", "add", ns)
		b.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
		must(b, "ip", "-n", ns, "link", "set", "lo", "up")
		must(b, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")
	}
	for _, net := range []string{"1", "2"} {
		r, h := n.ns("R"), n.ns("H"+net)
		for _, c := range []string{
			"-n " + r + " link add r" + net + " type veth peer name eth0 netns " + h,
			"-n " + r + " link set r" + net + " up",
			"-n " + h + " link set eth0 up",
			"-n " + h + " addr add 192.168." + net + ".10/24 dev eth0",
			"-n " + h + " -6 addr add 2001:db8:" + net + "::10/64 dev eth0",
			"-n " + h + " route add default via 192.168." + net + ".1",
			"-n " + h + " -6 route add default via 2001:db8:" + net + "::1",
		} {
			must(b, append([]string{"ip"}, strings.Fields(c)...)...)
		}
	}
	return n
}

// udp64 sends 64-byte UDP frames with complete checksums from H1 to H2
// (port 9, no listener) for 3 s, from a thread of this process on CPU 0
// writing to a packet socket on H1's eth0, and measures what H2's eth0
// received. (trafgen, whose frames are the same, gives up when a
// write finds the veth's ring full, as it does when the router's NAPI
// runs in a thread.)
func (n *fwdNet) udp64(b *testing.B) figures {
	b.Helper()
	out, err := n.in("H1", "ip", "neigh", "show", "192.168.1.1", "dev", "eth0").Output()
	f := strings.Fields(string(out))
	if err != nil || len(f) < 3 || f[1] != "lladdr" {
		b.Fatalf("%sH1: the router's MAC: %v\n%s", n.prefix, err, out)
	}
	mac, err := net.ParseMAC(f[2])
	if err != nil {
		b.Fatal(err)
	}
	n.in("H1", "ip", "neigh", "replace", "192.168.1.1", "lladdr", f[2], "dev", "eth0", "nud", "permanent").Run()
	rx0, csum0, xmit0 := n.rxPackets(b, "H2"), n.udpCsumErrors(b, "H2"), n.xdpXmit(b, "r2")
	start := time.Now()
	sent := n.blast(b, mac, 3*time.Second)
	took := time.Since(start).Seconds()
	time.Sleep(100 * time.Millisecond) // the last frames reach H2
	rx := n.rxPackets(b, "H2") - rx0
	fig := figures{"pkt/s": float64(rx) / took, "sent-pkt/s": float64(sent) / took,
		"csum-errors": float64(n.udpCsumErrors(b, "H2") - csum0)}
	if rx > 0 {
		fig["xdp-share"] = float64(n.xdpXmit(b, "r2")-xmit0) / float64(rx)
	}
	return fig
}

// blast writes 64-byte UDP frames from 192.168.1.10 to 192.168.2.10, to
// the router's MAC dst, on H1's eth0 for d, from this goroutine's thread
// pinned to CPU 0, and returns how many the socket took.
func (n *fwdNet) blast(b *testing.B, dst net.HardwareAddr, d time.Duration) int {
	b.Helper()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	fd, src, err := packetSocketIn("/run/netns/"+n.ns("H1"), "eth0")
	if err != nil {
		b.Fatalf("%sH1: %v", n.prefix, err)
	}
	defer unix.Close(fd)
	var all, cpu0 unix.CPUSet
	if err := unix.SchedGetaffinity(0, &all); err != nil {
		b.Fatal(err)
	}
	cpu0.Set(0)
	unix.SchedSetaffinity(0, &cpu0)
	defer unix.SchedSetaffinity(0, &all)
	frames := make([][]byte, 1000)
	for i := range frames {
		frames[i] = udp64Frame(dst, src, uint16(1000+i))
	}
	sent := 0
	for end := time.Now().Add(d); time.Now().Before(end); {
		for _, f := range frames {
			if _, err := unix.Write(fd, f); err == nil {
				sent++
			}
		}
	}
	return sent
}

// packetSocketIn opens a packet socket for sending on interface ifname
// of the network namespace at path, and returns it with the
// interface's MAC. The calling goroutine's thread is locked.
func packetSocketIn(path, ifname string) (int, net.HardwareAddr, error) {
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return -1, nil, err
	}
	defer self.Close()
	ns, err := os.Open(path)
	if err != nil {
		return -1, nil, err
	}
	defer ns.Close()
	if err := unix.Setns(int(ns.Fd()), unix.CLONE_NEWNET); err != nil {
		return -1, nil, fmt.Errorf("setns %s: %w", path, err)
	}
	defer unix.Setns(int(self.Fd()), unix.CLONE_NEWNET)
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return -1, nil, err
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, nil, fmt.Errorf("packet socket: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Ifindex: ifi.Index}); err != nil {
		unix.Close(fd)
		return -1, nil, fmt.Errorf("bind to %s: %w", ifname, err)
	}
	return fd, ifi.HardwareAddr, nil
}

// udp64Frame is a 64-octet frame (60 and the FCS) of UDP from
// 192.168.1.10:sport to 192.168.2.10:9 with 18 octets of payload and
// complete checksums.
func udp64Frame(dst, src net.HardwareAddr, sport uint16) []byte {
	b := make([]byte, 60)
	copy(b, dst)
	copy(b[6:], src)
	binary.BigEndian.PutUint16(b[12:], 0x0800)
	ip := b[14:34]
	s, d := netip.MustParseAddr("192.168.1.10"), netip.MustParseAddr("192.168.2.10")
	ip[0], ip[8], ip[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(ip[2:], 46)
	copy(ip[12:], s.AsSlice())
	copy(ip[16:], d.AsSlice())
	binary.BigEndian.PutUint16(ip[10:], ^header.Checksum(ip, 0))
	udp := b[34:]
	binary.BigEndian.PutUint16(udp, sport)
	binary.BigEndian.PutUint16(udp[2:], 9)
	binary.BigEndian.PutUint16(udp[4:], 26)
	copy(udp[8:], "govrf-xdp-bench-64")
	binary.BigEndian.PutUint16(udp[6:], ^header.Checksum(udp, header.PseudoHeaderChecksum(17, s, d, 26)))
	return b
}

// rxPackets returns the packets host's eth0 received (/proc/net/dev).
func (n *fwdNet) rxPackets(b *testing.B, host string) int {
	b.Helper()
	out, err := n.in(host, "cat", "/proc/net/dev").Output()
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(l), ":")
		if f := strings.Fields(rest); ok && name == "eth0" && len(f) > 1 {
			v, _ := strconv.Atoi(f[1])
			return v
		}
	}
	b.Fatalf("%s%s: no eth0 in /proc/net/dev", n.prefix, host)
	return 0
}

// udpCsumErrors returns host's UDP checksum errors (nstat).
func (n *fwdNet) udpCsumErrors(b *testing.B, host string) int {
	b.Helper()
	out, err := n.in(host, "nstat", "-asz", "UdpInCsumErrors").Output()
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if f := strings.Fields(l); len(f) > 1 && f[0] == "UdpInCsumErrors" {
			v, _ := strconv.Atoi(f[1])
			return v
		}
	}
	return 0
}

// xdpXmit returns the frames R's veth port sent as an XDP redirection's
// target (ethtool -S: tx_queue_N_xdp_xmit).
func (n *fwdNet) xdpXmit(b *testing.B, port string) int {
	b.Helper()
	out, err := n.in("R", "ethtool", "-S", port).Output()
	if err != nil {
		b.Fatal(err)
	}
	sum := 0
	for _, l := range strings.Split(string(out), "\n") {
		name, v, ok := strings.Cut(strings.TrimSpace(l), ":")
		if ok && strings.HasSuffix(name, "_xdp_xmit") {
			k, _ := strconv.Atoi(strings.TrimSpace(v))
			sum += k
		}
	}
	return sum
}

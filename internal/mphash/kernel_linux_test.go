package mphash

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/netnstest"
)

// forwarder is the test's namespace as a Linux router: frames written to
// in0p arrive on in0 and are forwarded by a two-path route to
// 198.51.100.0/24 and 2001:db8:99::/64, out of out1 or out2, where
// out1p and out2p see them.
type forwarder struct {
	t       *testing.T
	in      int // the sending socket, on in0p
	inMAC   net.HardwareAddr
	outs    [2]int // receiving sockets, on out1p and out2p
	scratch []byte
	round   byte
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func packetSocket(t *testing.T, dev string) int {
	t.Helper()
	ifi, err := net.InterfaceByName(dev)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		t.Fatal(err)
	}
	tv := unix.Timeval{Usec: 20000}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	return fd
}

func newForwarder(t *testing.T) *forwarder {
	netnstest.Enter(t)
	ip := func(a ...string) { netnstest.IP(t, a...) }
	for _, l := range []string{"in0", "out1", "out2"} {
		ip("link", "add", l, "type", "veth", "peer", "name", l+"p")
		ip("link", "set", l, "up")
		ip("link", "set", l+"p", "up")
	}
	for _, kv := range []string{"net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1",
		"net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.in0.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"} {
		if out, err := exec.Command("sysctl", "-qw", kv).CombinedOutput(); err != nil {
			t.Fatalf("sysctl %s: %v %s", kv, err, out)
		}
	}
	ip("addr", "add", "192.0.2.1/24", "dev", "in0")
	ip("addr", "add", "2001:db8::1/64", "dev", "in0", "nodad")
	for i := 1; i <= 2; i++ {
		ip("addr", "add", fmt.Sprintf("10.%d.0.1/24", i), "dev", fmt.Sprintf("out%d", i))
		ip("addr", "add", fmt.Sprintf("2001:db8:%d::1/64", i), "dev", fmt.Sprintf("out%d", i), "nodad")
		mac := fmt.Sprintf("02:00:00:00:00:%02x", i)
		ip("neigh", "add", fmt.Sprintf("10.%d.0.2", i), "lladdr", mac, "dev", fmt.Sprintf("out%d", i), "nud", "permanent")
		ip("neigh", "add", fmt.Sprintf("2001:db8:%d::2", i), "lladdr", mac, "dev", fmt.Sprintf("out%d", i), "nud", "permanent")
	}
	ip("route", "add", "198.51.100.0/24", "nexthop", "via", "10.1.0.2", "dev", "out1", "nexthop", "via", "10.2.0.2", "dev", "out2")
	ip("-6", "route", "add", "2001:db8:99::/64", "nexthop", "via", "2001:db8:1::2", "dev", "out1", "nexthop", "via", "2001:db8:2::2", "dev", "out2")
	ifi, err := net.InterfaceByName("in0")
	if err != nil {
		t.Fatal(err)
	}
	f := &forwarder{t: t, in: packetSocket(t, "in0p"), inMAC: ifi.HardwareAddr, scratch: make([]byte, 4096)}
	f.outs[0], f.outs[1] = packetSocket(t, "out1p"), packetSocket(t, "out2p")
	time.Sleep(100 * time.Millisecond) // let the links settle before counting
	f.drain()
	return f
}

func (f *forwarder) drain() {
	for _, fd := range f.outs {
		for {
			if _, _, err := unix.Recvfrom(fd, f.scratch, unix.MSG_DONTWAIT); err != nil {
				break
			}
		}
	}
}

// magic ends every test packet, followed by the round and its index.
const magic = 0x6d706831

// paths sends the packets (IP packets, each ending with room for a
// 6-byte tag; at most 256) and returns the path each left by, -1 when it
// did not leave.
func (f *forwarder) paths(pkts [][]byte) []int {
	f.t.Helper()
	f.round++
	f.drain()
	for i, p := range pkts {
		binary.BigEndian.PutUint32(p[len(p)-6:], magic)
		p[len(p)-2], p[len(p)-1] = f.round, byte(i)
		if p[0]>>4 == 4 {
			ipv4Checksum(p)
		}
		et := uint16(unix.ETH_P_IP)
		if p[0]>>4 == 6 {
			et = unix.ETH_P_IPV6
		}
		frame := make([]byte, 14, 14+len(p))
		copy(frame, f.inMAC)
		copy(frame[6:], []byte{2, 0, 0, 0, 0, 0xaa})
		binary.BigEndian.PutUint16(frame[12:], et)
		frame = append(frame, p...)
		if err := unix.Sendto(f.in, frame, 0, &unix.SockaddrLinklayer{}); err != nil {
			if err := unix.Send(f.in, frame, 0); err != nil {
				f.t.Fatal(err)
			}
		}
	}
	got := make([]int, len(pkts))
	for i := range got {
		got[i] = -1
	}
	seen := 0
	pfd := []unix.PollFd{{Fd: int32(f.outs[0]), Events: unix.POLLIN}, {Fd: int32(f.outs[1]), Events: unix.POLLIN}}
	for seen < len(pkts) {
		if n, err := unix.Poll(pfd, 2000); err != nil && err != unix.EINTR {
			f.t.Fatal(err)
		} else if n == 0 {
			break
		}
		for path, fd := range f.outs {
			for {
				n, _, err := unix.Recvfrom(fd, f.scratch, unix.MSG_DONTWAIT)
				if err != nil {
					break
				}
				b := f.scratch[:n]
				if n < 26 || binary.BigEndian.Uint32(b[n-6:]) != magic || b[n-2] != f.round {
					continue
				}
				if i := int(b[n-1]); i < len(pkts) && got[i] < 0 {
					got[i] = path
					seen++
				}
			}
		}
	}
	return got
}

// ipv4Checksum sets an IPv4 header's checksum.
func ipv4Checksum(h []byte) {
	h[10], h[11] = 0, 0
	n := int(h[0]&0x0f) * 4
	var sum uint32
	for i := 0; i < n; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(h[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(h[10:], ^uint16(sum))
}

func sysctlW(t *testing.T, kv ...string) {
	t.Helper()
	for _, s := range kv {
		if out, err := exec.Command("sysctl", "-qw", s).CombinedOutput(); err != nil {
			t.Fatalf("sysctl %s: %v %s", s, err, out)
		}
	}
}

// pathOf is fib_select_multipath over two paths of equal weight.
func pathOf(h uint32) int {
	if int32(h>>1) <= int32((uint64(1)<<31+1)/2-1) {
		return 0
	}
	return 1
}

// TestIntegrationKernelForwarding forwards packets of every kind the
// dissector knows (UDP, TCP, a first fragment, ICMP and ICMPv6 errors,
// IPIP, GRE with a key carrying IPv6, IPv4 in IPv6, flow labels, a
// hop-by-hop header, ICMPv6 echoes) through the namespace's kernel as a
// router under each policy, with and without an IPv6 rule that makes the
// kernel dissect early, and wants each packet to leave by the path
// PacketHash predicts.
func TestIntegrationKernelForwarding(t *testing.T) {
	f := newForwarder(t)
	const tag = 6
	pad := func(b []byte) []byte { return append(b, make([]byte, tag)...) }
	var pkts [][]byte
	var v6 []bool
	add := func(p []byte, is6 bool) { pkts, v6 = append(pkts, p), append(v6, is6) }
	srcs := func(i int) (netip.Addr, netip.Addr) {
		return netip.AddrFrom4([4]byte{192, 0, 2, byte(10 + i)}), netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(10 + i)})
	}
	d4, d6 := netip.MustParseAddr("198.51.100.7"), netip.MustParseAddr("2001:db8:99::7")
	for i := range 12 {
		s4, s6 := srcs(i % 3)
		port := uint16(1000 + 37*i)
		add(ip4(s4, d4, 17, 0, pad(udp(port, 53))), false)                             // UDP
		add(ip4(s4, d4, 6, 0, pad(append(udp(53, port), make([]byte, 12)...))), false) // TCP
		add(ip4(s4, d4, 17, 0x2000, pad(udp(port, 53))), false)                        // first fragment
		add(ip4(s4, d4, 1, 0, pad(append([]byte{3, 1, 0, 0, 0, 0, 0, 0},
			ip4(c4, netip.AddrFrom4([4]byte{10, 9, 9, byte(i)}), 17, 0, udp(port, 7))...))), false) // ICMP error
		add(ip4(s4, d4, 4, 0, pad(ip4(netip.AddrFrom4([4]byte{172, 16, 0, byte(i)}), c4, 17, 0, udp(port, 9)))), false) // IPIP
		add(ip4(s4, d4, 47, 0, pad(append([]byte{0x20, 0, 0x86, 0xdd, 0, 0, 0, 5},
			ip6(a6, netip.AddrFrom16([16]byte{0x20, 0x01, 15: byte(i)}), 17, uint32(i)*977, udp(port, 9))...))), false) // GRE with key, IPv6 inside
		add(ip6(s6, d6, 17, uint32(i)*4099, pad(udp(port, 53))), true)                                              // UDP with a flow label
		add(ip6(s6, d6, 0, 0, pad(append([]byte{17, 0, 1, 4, 0, 0, 0, 0}, udp(port, 53)...))), true)                // hop-by-hop
		add(ip6(s6, d6, 58, uint32(i)*31, pad(append([]byte{128, 0, 0, 0, 0, 1, 0, 1}, make([]byte, 8)...))), true) // echo
		add(ip6(s6, d6, 58, 0, pad(append([]byte{1, 0, 0, 0, 0, 0, 0, 0},
			ip6(a6, netip.AddrFrom16([16]byte{0x20, 0x01, 15: byte(i)}), 6, uint32(i)*5, udp(port, 80))...))), true) // ICMPv6 error
		add(ip6(s6, d6, 4, 0, pad(ip4(netip.AddrFrom4([4]byte{172, 16, 1, byte(i)}), c4, 17, 0, udp(port, 9)))), true) // IPv4 in IPv6
	}
	const seed = 0x5eed
	for _, s := range []struct {
		policy uint8
		fields uint32
		rule   bool // an IPv6 rule that needs the ports: early dissection
	}{{0, 7, false}, {1, 7, false}, {2, 7, false}, {3, 0x3f, false}, {3, 0xfc0, false}, {3, 0x0a3, false},
		{0, 7, true}, {2, 7, true}} {
		if s.rule {
			netnstest.TryIP("-6", "rule", "add", "pref", "100", "ipproto", "udp", "dport", "1", "lookup", "main")
		}
		sysctlW(t, fmt.Sprintf("net.ipv4.fib_multipath_hash_seed=%d", seed),
			fmt.Sprintf("net.ipv4.fib_multipath_hash_policy=%d", s.policy),
			fmt.Sprintf("net.ipv6.fib_multipath_hash_policy=%d", s.policy),
			fmt.Sprintf("net.ipv4.fib_multipath_hash_fields=%d", s.fields),
			fmt.Sprintf("net.ipv6.fib_multipath_hash_fields=%d", s.fields))
		c := Config{Policy: s.policy, Fields: s.fields, Key: SeedKey(seed)}
		got := f.paths(pkts)
		bad := 0
		for i, p := range pkts {
			want := pathOf(c.PacketHash(p, v6[i], s.rule && v6[i]))
			if got[i] != want {
				bad++
				t.Errorf("policy %d fields %#x: packet %d (kind %d): Linux path %d, PacketHash path %d", s.policy, s.fields, i, i%11, got[i], want)
			}
		}
		t.Logf("policy %d fields %#x rule %v: %d of %d packets on the predicted path", s.policy, s.fields, s.rule, len(pkts)-bad, len(pkts))
	}
}

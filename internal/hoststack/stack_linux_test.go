package hoststack

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/header"
)

var (
	pfx  = netip.MustParsePrefix
	addr = netip.MustParseAddr

	// The VRF of the mirror tests: two IPv4 subnets, a /32 and a /128
	// loopback-like address each serving a default route, an IPv6
	// subnet and a link-local address.
	blueAddrs = []netip.Prefix{
		pfx("192.168.1.1/24"), pfx("192.168.2.1/24"), pfx("198.51.100.7/32"),
		pfx("2001:db8:1::1/64"), pfx("2001:db8:ff::9/128"), pfx("fe80::1/64"),
	}
	blueRoutes = []Route{
		{Prefix: pfx("192.168.1.0/24"), Src: addr("192.168.1.1")},
		{Prefix: pfx("192.168.2.0/24"), Src: addr("192.168.2.1")},
		{Prefix: pfx("10.0.0.0/8"), Src: addr("192.168.1.1")},
		{Prefix: pfx("0.0.0.0/0"), Src: addr("198.51.100.7"), Metric: 100},
		{Prefix: pfx("172.16.0.0/12"), Type: Unreachable},
		{Prefix: pfx("172.20.0.0/16"), Type: Prohibit},
		{Prefix: pfx("203.0.113.0/24"), Type: Blackhole},
		{Prefix: pfx("2001:db8:1::/64"), Src: addr("2001:db8:1::1")},
		{Prefix: pfx("fe80::/64")},
		{Prefix: pfx("2001:db8:dead::/48"), Type: Unreachable},
		{Prefix: pfx("::/0"), Src: addr("2001:db8:ff::9")},
	}
)

// routes returns `ip -n NS [-6] route` without trailing blanks.
func routes(t *testing.T, s *Stack, family string) string {
	t.Helper()
	out := ip(t, "-n", s.Name(), family, "route")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(lines, "\n")
}

func TestIntegrationMirror(t *testing.T) {
	s := create(t, Config{})
	mustSync(t, s, blueAddrs, blueRoutes)
	tun := s.Device()

	out := ip(t, "-n", s.Name(), "addr", "show", "dev", tun)
	for _, a := range blueAddrs {
		if !strings.Contains(out, " "+a.String()+" ") {
			t.Errorf("ip addr show dev %s lacks %v:\n%s", tun, a, out)
		}
	}
	if n := strings.Count(out, "noprefixroute"); n != len(blueAddrs) {
		t.Errorf("ip addr show dev %s: %d addresses noprefixroute, want %d:\n%s", tun, n, len(blueAddrs), out)
	}
	want4 := strings.Join([]string{
		"default dev " + tun + " proto static scope link src 198.51.100.7 metric 100",
		"10.0.0.0/8 dev " + tun + " proto static scope link src 192.168.1.1",
		"unreachable 172.16.0.0/12 proto static",
		"prohibit 172.20.0.0/16 proto static",
		"192.168.1.0/24 dev " + tun + " proto static scope link src 192.168.1.1",
		"192.168.2.0/24 dev " + tun + " proto static scope link src 192.168.2.1",
		"blackhole 203.0.113.0/24 proto static",
	}, "\n")
	if got := routes(t, s, "-4"); got != want4 {
		t.Errorf("ip -4 route:\n%s\nwant:\n%s", got, want4)
	}
	want6 := strings.Join([]string{
		"2001:db8:1::/64 dev " + tun + " proto static src 2001:db8:1::1 metric 1024 pref medium",
		"unreachable 2001:db8:dead::/48 dev lo proto static metric 1024 pref medium",
		"fe80::/64 dev " + tun + " proto static metric 1024 pref medium",
		"default dev " + tun + " proto static src 2001:db8:ff::9 metric 1024 pref medium",
	}, "\n")
	if got := routes(t, s, "-6"); got != want6 {
		t.Errorf("ip -6 route:\n%s\nwant:\n%s", got, want6)
	}
}

// TestIntegrationSourceSelection connects UDP sockets in the namespace:
// the kernel must pick the source Linux picks in the VRF, or fail as the
// route says.
func TestIntegrationSourceSelection(t *testing.T) {
	s := create(t, Config{})
	mustSync(t, s, blueAddrs, blueRoutes)
	for _, tt := range []struct {
		dst     string
		src     netip.Addr
		wantErr error
	}{
		{dst: "192.168.2.10", src: addr("192.168.2.1")},
		{dst: "192.168.1.10", src: addr("192.168.1.1")},
		{dst: "10.1.2.3", src: addr("192.168.1.1")},
		{dst: "8.8.8.8", src: addr("198.51.100.7")},
		{dst: "2001:db8:1::20", src: addr("2001:db8:1::1")},
		{dst: "2001:db8:5::1", src: addr("2001:db8:ff::9")},
		{dst: "fe80::2%" + s.Device(), src: addr("fe80::1")},
		{dst: "172.16.1.1", wantErr: unix.EHOSTUNREACH},
		{dst: "172.20.1.1", wantErr: unix.EACCES},
		{dst: "203.0.113.5", wantErr: unix.EINVAL},
		{dst: "2001:db8:dead::1", wantErr: unix.EHOSTUNREACH},
	} {
		inNS(t, s.Path(), func() {
			c, err := net.Dial("udp", net.JoinHostPort(tt.dst, "9"))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Errorf("Dial(%s) = %v, want %v", tt.dst, err, tt.wantErr)
				}
				if err == nil {
					c.Close()
				}
				return
			}
			if err != nil {
				t.Errorf("Dial(%s) = %v", tt.dst, err)
				return
			}
			defer c.Close()
			if got := c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().WithZone(""); got != tt.src {
				t.Errorf("Dial(%s) source = %v, want %v", tt.dst, got, tt.src)
			}
		})
	}
}

func TestIntegrationSync(t *testing.T) {
	s := create(t, Config{})
	mustSync(t, s, blueAddrs, blueRoutes)
	before, before6 := routes(t, s, "-4"), routes(t, s, "-6")

	// Again: no change at all.
	changes := s.changes
	mustSync(t, s, blueAddrs, blueRoutes)
	if s.changes != changes {
		t.Errorf("Sync(same) made %d changes, want 0", s.changes-changes)
	}
	if got, got6 := routes(t, s, "-4"), routes(t, s, "-6"); got != before || got6 != before6 {
		t.Errorf("routes after Sync(same):\n%s\n%s\nwant:\n%s\n%s", got, got6, before, before6)
	}

	// Fewer addresses, a route with another source, another type and
	// another metric, routes gone; and changes made by hand undone.
	ip(t, "-n", s.Name(), "addr", "add", "192.168.9.9/24", "dev", s.Device())
	ip(t, "-n", s.Name(), "route", "del", "10.0.0.0/8")
	ip(t, "-n", s.Name(), "route", "append", "192.168.2.0/24", "dev", s.Device(), "tos", "0x10")
	addrs := []netip.Prefix{pfx("192.168.1.1/24"), pfx("192.168.2.1/24"), pfx("2001:db8:1::1/64")}
	rs := []Route{
		{Prefix: pfx("192.168.1.0/24"), Src: addr("192.168.1.1")},
		{Prefix: pfx("192.168.2.0/24"), Src: addr("192.168.2.1")},
		{Prefix: pfx("10.0.0.0/8"), Src: addr("192.168.2.1")},
		{Prefix: pfx("172.16.0.0/12"), Src: addr("192.168.1.1")},
		{Prefix: pfx("0.0.0.0/0"), Type: Unreachable, Metric: 4278198272},
		{Prefix: pfx("2001:db8:1::/64"), Src: addr("2001:db8:1::1")},
		{Prefix: pfx("::/0"), Type: Prohibit},
	}
	mustSync(t, s, addrs, rs)
	tun := s.Device()
	want4 := strings.Join([]string{
		"unreachable default proto static metric 4278198272",
		"10.0.0.0/8 dev " + tun + " proto static scope link src 192.168.2.1",
		"172.16.0.0/12 dev " + tun + " proto static scope link src 192.168.1.1",
		"192.168.1.0/24 dev " + tun + " proto static scope link src 192.168.1.1",
		"192.168.2.0/24 dev " + tun + " proto static scope link src 192.168.2.1",
	}, "\n")
	if got := routes(t, s, "-4"); got != want4 {
		t.Errorf("ip -4 route:\n%s\nwant:\n%s", got, want4)
	}
	want6 := strings.Join([]string{
		"2001:db8:1::/64 dev " + tun + " proto static src 2001:db8:1::1 metric 1024 pref medium",
		"prohibit default dev lo proto static metric 1024 pref medium",
	}, "\n")
	if got := routes(t, s, "-6"); got != want6 {
		t.Errorf("ip -6 route:\n%s\nwant:\n%s", got, want6)
	}
	out := ip(t, "-n", s.Name(), "-br", "addr", "show", "dev", tun)
	if f := strings.Fields(out); len(f) != 5 || f[2] != "192.168.1.1/24" || f[3] != "192.168.2.1/24" || f[4] != "2001:db8:1::1/64" {
		t.Errorf("ip -br addr show dev %s = %q, want 192.168.1.1/24 192.168.2.1/24 2001:db8:1::1/64", tun, out)
	}

	// A source that is none of the addresses fails that route alone.
	bad := append(rs[:len(rs):len(rs)], Route{Prefix: pfx("10.9.0.0/16"), Src: addr("192.168.7.7")})
	err := s.Sync(addrs, bad)
	if err == nil || !strings.Contains(err.Error(), "route replace 10.9.0.0/16 src 192.168.7.7 metric 0: invalid argument") {
		t.Errorf("Sync(route with a foreign source) = %v, want an invalid argument for that route", err)
	}
	// Invalid input changes nothing.
	changes = s.changes
	if err := s.Sync(nil, []Route{{}}); err == nil || s.changes != changes {
		t.Errorf("Sync(invalid route) = %v after %d changes, want an error and none", err, s.changes-changes)
	}

	// Nothing at all.
	mustSync(t, s, nil, nil)
	if got, got6 := routes(t, s, "-4"), routes(t, s, "-6"); got != "" || got6 != "" {
		t.Errorf("routes after Sync(nil, nil):\n%s\n%s\nwant none", got, got6)
	}
	if out := ip(t, "-n", s.Name(), "addr", "show", "dev", tun); strings.Contains(out, "inet") {
		t.Errorf("addresses left after Sync(nil, nil):\n%s", out)
	}
}

// TestIntegrationSyncHandMade: addresses the VRF has, added by hand with
// their prefix routes, are made the mirror's own.
func TestIntegrationSyncHandMade(t *testing.T) {
	s := create(t, Config{})
	ip(t, "-n", s.Name(), "addr", "add", "192.168.1.1/24", "dev", s.Device())
	ip(t, "-n", s.Name(), "addr", "add", "2001:db8:1::1/64", "dev", s.Device())
	addrs := []netip.Prefix{pfx("192.168.1.1/24"), pfx("2001:db8:1::1/64")}
	rs := []Route{{Prefix: pfx("192.168.1.0/24"), Src: addr("192.168.1.1")}}
	mustSync(t, s, addrs, rs)
	if out := ip(t, "-n", s.Name(), "addr", "show", "dev", s.Device()); strings.Count(out, "noprefixroute") != 2 {
		t.Errorf("addresses after Sync are not all noprefixroute:\n%s", out)
	}
	want := "192.168.1.0/24 dev " + s.Device() + " proto static scope link src 192.168.1.1"
	if got, got6 := routes(t, s, "-4"), routes(t, s, "-6"); got != want || got6 != "" {
		t.Errorf("routes after Sync:\n%s\n%s\nwant:\n%s", got, got6, want)
	}
	changes := s.changes
	mustSync(t, s, addrs, rs)
	if s.changes != changes {
		t.Errorf("Sync(same) made %d changes, want 0", s.changes-changes)
	}
}

// TestIntegrationPackets sends a datagram from the namespace, which Read
// must return, and writes datagrams into it, which a socket there must
// receive.
func TestIntegrationPackets(t *testing.T) {
	s := create(t, Config{MTU: 1400})
	if s.MTU() != 1400 {
		t.Errorf("MTU() = %d, want 1400", s.MTU())
	}
	mustSync(t, s, blueAddrs, blueRoutes)

	for _, tt := range []struct{ dst, src netip.AddrPort }{
		{netip.MustParseAddrPort("10.9.8.7:4000"), netip.MustParseAddrPort("192.168.1.1:0")},
		{netip.MustParseAddrPort("[2001:db8:1::99]:4000"), netip.MustParseAddrPort("[2001:db8:1::1]:0")},
	} {
		inNS(t, s.Path(), func() {
			c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(tt.dst))
			if err != nil {
				t.Errorf("DialUDP(%v) = %v", tt.dst, err)
				return
			}
			defer c.Close()
			c.Write([]byte("hello"))
		})
		pkt := readMatching(t, s, func(p []byte) bool {
			_, dst, _, ok := udpOf(p)
			return ok && dst == tt.dst
		})
		if src, _, payload, _ := udpOf(pkt); src.Addr() != tt.src.Addr() || payload != "hello" {
			t.Errorf("Read() = UDP from %v, %q; want from %v, \"hello\"", src, payload, tt.src.Addr())
		}
	}

	for _, tt := range []struct{ from, to netip.AddrPort }{
		{netip.MustParseAddrPort("10.1.1.1:1234"), netip.MustParseAddrPort("192.168.1.1:5000")},
		{netip.MustParseAddrPort("[2001:db8:9::1]:1234"), netip.MustParseAddrPort("[2001:db8:1::1]:5000")},
	} {
		var c *net.UDPConn
		inNS(t, s.Path(), func() {
			var err error
			if c, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(tt.to)); err != nil {
				t.Errorf("ListenUDP(%v) = %v", tt.to, err)
			}
		})
		if c == nil {
			continue
		}
		defer c.Close()
		pkt := udpPacket(tt.from, tt.to, "ping")
		if n, err := s.Write(pkt); n != len(pkt) || err != nil {
			t.Fatalf("Write(UDP to %v) = %d, %v; want %d, nil", tt.to, n, err, len(pkt))
		}
		c.SetReadDeadline(time.Now().Add(waitLimit))
		buf := make([]byte, 64)
		n, from, err := c.ReadFromUDPAddrPort(buf)
		if err != nil || string(buf[:n]) != "ping" || from != tt.from {
			t.Errorf("ReadFromUDP() = %q from %v, %v; want \"ping\" from %v", buf[:n], from, err, tt.from)
		}
	}

	// Not an IP packet: the TUN device refuses it.
	if _, err := s.Write([]byte{0x10, 0, 0, 0}); !errors.Is(err, unix.EINVAL) {
		t.Errorf("Write(not IP) = %v, want EINVAL", err)
	}
	if n, err := s.WriteBatch([][]byte{{0, 0, 0x10}}, 2); n != 1 || err != nil {
		t.Errorf("WriteBatch(not IP) = %d, %v; want 1, nil", n, err)
	}
	if st := s.Stats(); st.TxPackets != 2 || st.TxErrors != 2 || st.RxPackets < 2 {
		t.Errorf("Stats() = %+v, want 2 TxPackets, 2 TxErrors, at least 2 RxPackets", st)
	}
}

// TestIntegrationReadTooLong: a packet longer than the reader's buffer is
// dropped and counted, not returned cut.
func TestIntegrationReadTooLong(t *testing.T) {
	s := create(t, Config{})
	mustSync(t, s, blueAddrs, blueRoutes)
	inNS(t, s.Path(), func() {
		c, err := net.Dial("udp", "10.9.8.7:4000")
		if err != nil {
			t.Errorf("Dial() = %v", err)
			return
		}
		defer c.Close()
		c.Write(make([]byte, 100))
		c.Write([]byte("short"))
	})
	buf := make([]byte, 60)
	n, err := s.Read(buf)
	if err != nil || n != 33 { // 20 + 8 + len("short")
		t.Fatalf("Read(60-octet buffer) = %d, %v; want 33, nil", n, err)
	}
	if st := s.Stats(); st.RxErrors != 1 {
		t.Errorf("Stats().RxErrors = %d, want 1", st.RxErrors)
	}
}

// TestIntegrationEchoAllocs has the namespace's kernel answer pings
// written into the TUN device; a Write and a Read allocate nothing.
func TestIntegrationEchoAllocs(t *testing.T) {
	s := create(t, Config{})
	mustSync(t, s, blueAddrs, blueRoutes)
	echo := make(header.ICMPv4, 8+16)
	echo[0] = header.ICMPv4Echo
	copy(echo[8:], "govrf echo data.")
	echo.SetChecksum(echo.CalculateChecksum())
	req := ipPacket(addr("10.1.1.1"), addr("192.168.1.1"), header.ProtoICMP, echo)
	reply := make([]byte, 2048)

	guard := time.AfterFunc(10*time.Second, func() { s.Close() }) // no hang if no reply comes
	defer guard.Stop()
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := s.Write(req); err != nil {
			t.Fatalf("Write(echo request) = %v", err)
		}
		n, err := s.Read(reply)
		if err != nil || n != len(req) || reply[20] != header.ICMPv4EchoReply {
			t.Fatalf("Read() = % x, %v; want an echo reply", reply[:n], err)
		}
	})
	if allocs != 0 {
		t.Errorf("Write+Read allocate %v times, want 0", allocs)
	}
}

func TestIntegrationClose(t *testing.T) {
	s := create(t, Config{})
	done := make(chan error, 1)
	go func() {
		_, err := s.Read(make([]byte, 2048))
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Read after Close = %v, want ErrClosed", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Read still blocked after Close")
	}
	if _, err := os.Stat(s.Path()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Stat(%s) after Close = %v, want not found", s.Path(), err)
	}
	if out := ip(t, "netns", "list"); strings.Contains(out, s.Name()) {
		t.Errorf("ip netns list after Close still shows %s:\n%s", s.Name(), out)
	}
	if _, err := s.Write([]byte{0x45}); !errors.Is(err, ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	if err := s.Sync(nil, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Sync after Close = %v, want ErrClosed", err)
	}
	if err := s.Check(); !errors.Is(err, ErrClosed) {
		t.Errorf("Check after Close = %v, want ErrClosed", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close again = %v, want nil", err)
	}
}

func TestIntegrationCheck(t *testing.T) {
	s := create(t, Config{})
	if err := s.Check(); err != nil {
		t.Fatalf("Check() = %v", err)
	}
	ip(t, "netns", "del", s.Name())
	if err := s.Check(); !errors.Is(err, ErrGone) {
		t.Errorf("Check after ip netns del = %v, want ErrGone", err)
	}
	// The stack still works, in a namespace nobody can enter.
	mustSync(t, s, blueAddrs[:1], nil)

	// A namespace of the same name made from outside is not the stack's:
	// Check says so and Close leaves it alone.
	ip(t, "netns", "add", s.Name())
	if err := s.Check(); !errors.Is(err, ErrGone) {
		t.Errorf("Check after ip netns add = %v, want ErrGone", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close() = %v", err)
	}
	if out := ip(t, "netns", "list"); !strings.Contains(out, s.Name()) {
		t.Errorf("Close removed the namespace that replaced the stack's:\n%s", out)
	}
}

// TestIntegrationDeviceDeleted: the TUN device deleted from outside is
// an error for Check and Read.
func TestIntegrationDeviceDeleted(t *testing.T) {
	s := create(t, Config{})
	done := make(chan error, 1)
	go func() {
		_, err := s.Read(make([]byte, 2048))
		done <- err
	}()
	ip(t, "-n", s.Name(), "link", "del", s.Device())
	if err := s.Check(); !errors.Is(err, ErrGone) {
		t.Errorf("Check after ip link del = %v, want ErrGone", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, unix.EBADFD) {
			t.Errorf("Read after ip link del = %v, want EBADFD", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Read still blocked after ip link del")
	}
}

// TestIntegrationAdopt: a namespace left bound (govrfd ended without
// Close) is entered again by the next Create.
func TestIntegrationAdopt(t *testing.T) {
	s := create(t, Config{})
	s.release() // as if the process had died
	again := create(t, Config{VRF: s.VRF()})
	if again.dev != s.dev || again.ino != s.ino {
		t.Errorf("Create(same VRF) made namespace %d:%d, want the existing %d:%d", again.dev, again.ino, s.dev, s.ino)
	}
	mustSync(t, again, blueAddrs, blueRoutes)
	if out := ip(t, "-n", again.Name(), "-br", "addr", "show", "dev", again.Device()); !strings.Contains(out, "192.168.1.1/24") {
		t.Errorf("adopted namespace: ip -br addr = %q, want 192.168.1.1/24", out)
	}
}

func TestIntegrationCreateErrors(t *testing.T) {
	needRoot(t)
	if _, err := Create(Config{VRF: "a/b"}); err == nil || !strings.Contains(err.Error(), `invalid VRF name "a/b"`) {
		t.Errorf(`Create(VRF "a/b") = %v, want invalid VRF name`, err)
	}
	// A file that is not a namespace is not adopted, and stays.
	dir := t.TempDir()
	t.Cleanup(func() { unix.Unmount(dir, unix.MNT_DETACH) }) // Create makes it a shared mount point
	vrf := testVRF()
	path := dir + "/" + NamespaceName(vrf)
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Create(Config{VRF: vrf, NetnsDir: dir}); !errors.Is(err, unix.EINVAL) {
		t.Errorf("Create(over a plain file) = %v, want EINVAL", err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Errorf("Create removed a file it did not make: %v", err)
	}
}

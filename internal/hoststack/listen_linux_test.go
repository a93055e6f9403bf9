package hoststack

import (
	"errors"
	"io"
	"net"
	"net/netip"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// TestIntegrationHasListener opens real sockets in a stack and asks
// about each: wildcard and specific binds, dual-stack and IPv6-only
// sockets, UDP bound and TCP merely bound (no listen), another port.
func TestIntegrationHasListener(t *testing.T) {
	s := create(t, Config{})
	mustSync(t, s, []netip.Prefix{pfx("192.168.1.1/24"), pfx("10.0.0.1/32"), pfx("2001:db8:1::1/64")}, nil)

	var closers []io.Closer
	t.Cleanup(func() {
		for _, c := range closers {
			c.Close()
		}
	})
	inNS(t, s.Path(), func() {
		for _, l := range []struct{ network, addr string }{
			{"tcp4", "0.0.0.0:5000"},
			{"tcp4", "192.168.1.1:5001"},
			{"tcp", "[::]:5002"},  // dual-stack
			{"tcp6", "[::]:5003"}, // IPV6_V6ONLY
			{"tcp6", "[2001:db8:1::1]:5004"},
			{"tcp", "[::ffff:10.0.0.1]:5005"},
		} {
			ln, err := net.Listen(l.network, l.addr)
			if err != nil {
				t.Errorf("Listen(%s, %s) = %v", l.network, l.addr, err)
				continue
			}
			closers = append(closers, ln)
		}
		for _, l := range []struct{ network, addr string }{
			{"udp4", "192.168.1.1:53"},
			{"udp", "[::]:54"},
		} {
			c, err := net.ListenPacket(l.network, l.addr)
			if err != nil {
				t.Errorf("ListenPacket(%s, %s) = %v", l.network, l.addr, err)
				continue
			}
			closers = append(closers, c)
		}
		// Bound, never listening: no listener.
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err == nil {
			err = unix.Bind(fd, &unix.SockaddrInet4{Port: 5006})
			closers = append(closers, fdCloser(fd))
		}
		if err != nil {
			t.Errorf("bind(0.0.0.0:5006) = %v", err)
		}
	})

	tcp, udp := uint8(syscall.IPPROTO_TCP), uint8(syscall.IPPROTO_UDP)
	for _, tt := range []struct {
		proto uint8
		to    string
		want  bool
	}{
		{tcp, "192.168.1.1:5000", true},
		{tcp, "10.0.0.1:5000", true},
		{tcp, "[2001:db8:1::1]:5000", false}, // an IPv4 socket
		{tcp, "192.168.1.1:5001", true},
		{tcp, "10.0.0.1:5001", false},
		{tcp, "192.168.1.1:5002", true},
		{tcp, "[2001:db8:1::1]:5002", true},
		{tcp, "192.168.1.1:5003", false},
		{tcp, "[2001:db8:1::1]:5003", true},
		{tcp, "[2001:db8:1::1]:5004", true},
		{tcp, "[2001:db8:1::2]:5004", false},
		{tcp, "10.0.0.1:5005", true},
		{tcp, "192.168.1.1:5005", false},
		{tcp, "192.168.1.1:5006", false},
		{tcp, "192.168.1.1:53", false},
		{tcp, "192.168.1.1:6000", false},
		{udp, "192.168.1.1:53", true},
		{udp, "10.0.0.1:53", false},
		{udp, "192.168.1.1:54", true},
		{udp, "[2001:db8:1::1]:54", true},
		{udp, "192.168.1.1:5000", false},
	} {
		ap := netip.MustParseAddrPort(tt.to)
		got, err := s.HasListener(tt.proto, ap.Addr(), ap.Port())
		if err != nil || got != tt.want {
			t.Errorf("HasListener(%d, %v, %d) = %v, %v; want %v", tt.proto, ap.Addr(), ap.Port(), got, err, tt.want)
		}
	}

	if _, err := s.HasListener(1, addr("192.168.1.1"), 0); err == nil {
		t.Errorf("HasListener(ICMP) succeeded")
	}
	s.Close()
	if _, err := s.HasListener(tcp, addr("192.168.1.1"), 5000); !errors.Is(err, ErrClosed) {
		t.Errorf("HasListener after Close = %v, want ErrClosed", err)
	}
}

// fdCloser closes a raw socket.
type fdCloser int

func (f fdCloser) Close() error { return unix.Close(int(f)) }

// BenchmarkHasListener measures one question to the kernel, with a few
// listeners in the namespace.
func BenchmarkHasListener(b *testing.B) {
	s := create(b, Config{})
	if err := s.Sync([]netip.Prefix{pfx("192.168.1.1/24")}, nil); err != nil {
		b.Fatal(err)
	}
	done := make(chan []net.Listener)
	go func() {
		var ls []net.Listener
		inThread(func() error {
			if err := setns(s.Path()); err != nil {
				return err
			}
			for _, a := range []string{":22", ":80", ":443", ":5000"} {
				if ln, err := net.Listen("tcp", a); err == nil {
					ls = append(ls, ln)
				}
			}
			return nil
		})
		done <- ls
	}()
	ls := <-done
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	a := addr("192.168.1.1")
	b.ReportAllocs()
	for b.Loop() {
		if ok, err := s.HasListener(syscall.IPPROTO_TCP, a, 5000); !ok || err != nil {
			b.Fatalf("HasListener = %v, %v", ok, err)
		}
	}
}

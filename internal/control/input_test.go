package control

import (
	"errors"
	"syscall"
	"testing"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rule"
)

// TestInputMulticastByKernelBuild: an input route to an IPv6 group is
// reported as the multicast route found, unless the kernel modelled has
// multicast routing, whose empty cache fails the reply.
func TestInputMulticastByKernelBuild(t *testing.T) {
	for _, mroute := range []bool{false, true} {
		c := NewFor(Kernel{IPv6MRoute: mroute})
		port(t, c, "d1")
		a, err := get(c, RouteQuery{Dst: addr("ff02::1234"), Iif: idx(c, "d1")})
		switch {
		case mroute && !errors.Is(err, syscall.EMSGSIZE):
			t.Errorf("IPv6MRoute: route get ff02::1234 iif d1 = %+v, %v; want EMSGSIZE", a, err)
		case !mroute && (err != nil || a.Type != fib.TypeMulticast || a.Dev != idx(c, "d1") || a.Table != fib.TableLocal):
			t.Errorf("route get ff02::1234 iif d1 = %+v, %v; want multicast dev d1 table local", a, err)
		}
	}
}

// TestInputDecisions checks Router.Input's refusals, which the data plane
// counts apart, and that route get reports each with its errno.
func TestInputDecisions(t *testing.T) {
	c := NewFor(Kernel{})
	port(t, c, "d1", "192.168.1.1/24")
	port(t, c, "d2", "192.168.2.1/24")
	must(t, c.AddRoute(fib.Route{Table: fib.TableMain, Type: fib.TypeUnreachable, Prefix: pfx("10.9.0.0/16")}, fib.OpAdd))
	d1 := idx(c, "d1")
	cases := []struct {
		src, dst string
		fwd      bool
		want     Refusal
		typ      fib.Type
		errno    syscall.Errno
	}{
		{"0.1.2.3", "192.168.2.10", true, Accepted, fib.TypeUnicast, 0}, // 0/8 is no martian since Linux 5.3
		{"0.0.0.0", "192.168.2.10", true, MartianSource, 0, syscall.EINVAL},
		{"224.1.1.1", "192.168.2.10", true, MartianSource, 0, syscall.EINVAL},
		{"192.168.1.10", "0.0.0.0", true, MartianDestination, 0, syscall.EINVAL},
		{"192.168.1.10", "127.0.0.1", true, MartianDestination, 0, syscall.EINVAL},
		{"127.0.0.1", "192.168.2.10", true, MartianSource, 0, syscall.EINVAL},
		{"192.168.2.1", "192.168.2.10", true, MartianSource, 0, syscall.EINVAL}, // our own address
		{"192.168.1.10", "192.168.2.10", false, NotForwarding, 0, syscall.EHOSTUNREACH},
		{"192.168.1.10", "10.1.1.1", true, NoRoute, 0, syscall.ENETUNREACH},
		{"192.168.1.10", "10.9.1.1", true, NoRoute, 0, syscall.EHOSTUNREACH},
		{"192.168.1.10", "10.9.1.1", false, NotForwarding, 0, syscall.EHOSTUNREACH},
		{"192.168.1.10", "192.168.2.1", false, Accepted, fib.TypeLocal, 0},
		{"192.168.1.10", "255.255.255.255", false, Accepted, fib.TypeBroadcast, 0},
		{"192.168.1.10", "224.0.0.1", false, Accepted, fib.TypeMulticast, 0},
		{"192.168.1.10", "224.0.0.5", false, NotJoined, 0, syscall.EINVAL},
	}
	for _, tc := range cases {
		v := "0"
		if tc.fwd {
			v = "1"
		}
		must(t, c.SetSysctl("net.ipv4.ip_forward", v))
		var r Router
		var in Input
		f := rule.Flow{Src: addr(tc.src), Dst: addr(tc.dst), Iif: d1}
		r.Input(c.Snapshot(), &f, nil, &in)
		if in.Refused != tc.want || in.Refused == Accepted && in.Type != tc.typ || in.Err != tc.errno {
			t.Errorf("Input(%s → %s, forwarding %v) = %+v, want refusal %d type %v errno %v",
				tc.src, tc.dst, tc.fwd, in, tc.want, tc.typ, tc.errno)
		}
		_, err := get(c, RouteQuery{Src: addr(tc.src), Dst: addr(tc.dst), Iif: d1})
		if tc.errno != 0 && !errors.Is(err, tc.errno) || tc.errno == 0 && err != nil {
			t.Errorf("route get %s from %s iif d1 (forwarding %v) = %v, want errno %v", tc.dst, tc.src, tc.fwd, err, tc.errno)
		}
	}
}

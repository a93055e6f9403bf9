package e2e

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

// addECMPHost adds host A3 on port ra3 in VRF a (192.168.3.0/24,
// 2001:db8:3::/64), and gives A2 and A3 the addresses 10.99.0.1 and
// 2001:db8:99::1 on lo, which VRF a reaches by a multipath route over
// both.
func (tp *topo) addECMPHost() {
	tp.t.Helper()
	tp.addNS("A3")
	tp.addPort("A3", "ra3")
	tp.addHostAddrs("A3", "3")
	for _, h := range []string{"A2", "A3"} {
		tp.must("ip", "-n", tp.ns(h), "addr", "add", "10.99.0.1/32", "dev", "lo")
		tp.must("ip", "-n", tp.ns(h), "addr", "add", "2001:db8:99::1/128", "dev", "lo")
	}
	tp.configure(
		"link add link ra3 name ra3 type packet",
		"link set dev ra3 master a",
		"link set dev ra3 up",
		"addr add 192.168.3.1/24 dev ra3",
		"addr add 2001:db8:3::1/64 dev ra3",
		"route add 10.99.0.0/24 vrf a nexthop via 192.168.2.10 nexthop via 192.168.3.10",
		"-6 route add 2001:db8:99::/64 vrf a nexthop via 2001:db8:2::10 nexthop via 2001:db8:3::10",
	)
	for _, dst := range []string{"192.168.3.10", "2001:db8:3::10"} {
		tp.ping("A1", "-c", "2", "-i", "0.2", "-W", "1", dst)
	}
	// A1's flows carry no flow label, which policy 0 would hash, so
	// that `route get` without one names their path.
	tp.must("ip", "netns", "exec", tp.ns("A1"), "sysctl", "-qw", "net.ipv6.auto_flowlabels=0")
}

// udpSink counts, per source port, the datagrams a host receives on a
// port.
type udpSink struct {
	mu    sync.Mutex
	ports map[int]int
	conn  *net.UDPConn
}

func (tp *topo) listenUDP(host, addr string) *udpSink {
	tp.t.Helper()
	s := &udpSink{ports: map[int]int{}}
	var err error
	tp.inNS(host, func() {
		s.conn, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)))
	})
	if err != nil {
		tp.t.Fatalf("listen in %s: %v", host, err)
	}
	tp.t.Cleanup(func() { s.conn.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			_, from, err := s.conn.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			s.mu.Lock()
			s.ports[int(from.Port())]++
			s.mu.Unlock()
		}
	}()
	return s
}

func (s *udpSink) counts() map[int]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[int]int, len(s.ports))
	for p, n := range s.ports {
		out[p] = n
	}
	return out
}

// sendFlows sends rounds datagrams from each source port of A1 to dst.
func (tp *topo) sendFlows(src, dst string, ports []int, rounds int) {
	tp.t.Helper()
	var conns []*net.UDPConn
	var err error
	tp.inNS("A1", func() {
		for _, p := range ports {
			l := net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr(src), uint16(p)))
			var c *net.UDPConn
			if c, err = net.DialUDP("udp", l, net.UDPAddrFromAddrPort(netip.MustParseAddrPort(dst))); err != nil {
				return
			}
			conns = append(conns, c)
		}
	})
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	if err != nil {
		tp.t.Fatalf("dial from A1: %v", err)
	}
	for range rounds {
		for _, c := range conns {
			c.Write([]byte("flow"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestIntegrationECMPFlows sends UDP flows from one address of A1 to one
// address behind a two-path route of VRF a, from many source ports.
// Under fib_multipath_hash_policy 1 the flows spread over both next hops
// (A2 and A3), every flow keeps to one, and it is the one `route get`
// names for the flow; under policy 0 (addresses only) they all take one
// path.
func TestIntegrationECMPFlows(t *testing.T) {
	tp := newTopo(t)
	tp.warm()
	tp.addECMPHost()
	for _, fam := range []struct {
		name, src, dst, policy string
	}{
		{"ipv4", "192.168.1.10", "10.99.0.1", "net.ipv4.fib_multipath_hash_policy"},
		{"ipv6", "2001:db8:1::10", "2001:db8:99::1", "net.ipv6.fib_multipath_hash_policy"},
	} {
		t.Run(fam.name, func(t *testing.T) {
			for _, policy := range []int{1, 0} {
				tp.govrf(fmt.Sprintf("sysctl -w %s=%d", fam.policy, policy))
				dst := netip.AddrPortFrom(netip.MustParseAddr(fam.dst), uint16(9000+policy))
				sinks := map[string]*udpSink{}
				for _, h := range []string{"A2", "A3"} {
					sinks[h] = tp.listenUDP(h, dst.String())
				}
				var ports []int
				for p := range 64 {
					ports = append(ports, 40000+p*7)
				}
				tp.sendFlows(fam.src, dst.String(), ports, 3)
				time.Sleep(200 * time.Millisecond)
				got := map[int]string{}
				per := map[string]int{}
				for h, s := range sinks {
					for p := range s.counts() {
						if other, ok := got[p]; ok {
							t.Errorf("policy %d: flow from port %d reached %s and %s", policy, p, other, h)
						}
						got[p] = h
						per[h]++
					}
				}
				if len(got) < len(ports)*9/10 {
					t.Fatalf("policy %d: %d of %d flows arrived", policy, len(got), len(ports))
				}
				t.Logf("policy %d: flows per next hop %v", policy, per)
				switch {
				case policy == 1 && (per["A2"] < len(ports)/8 || per["A3"] < len(ports)/8):
					t.Errorf("policy 1: flows per next hop %v, want both used", per)
				case policy == 0 && len(per) != 1:
					t.Errorf("policy 0: flows per next hop %v, want one", per)
				}
				// route get names the path each flow took.
				for p, h := range got {
					out := tp.govrf(fmt.Sprintf("route get %s from %s iif ra1 ipproto udp sport %d dport %d",
						fam.dst, fam.src, p, dst.Port()))
					want := map[string]string{"A2": "ra2", "A3": "ra3"}[h]
					if !strings.Contains(out, "dev "+want+" ") {
						t.Errorf("policy %d: flow from port %d reached %s, route get says %s", policy, p, h, strings.TrimSpace(out))
					}
				}
			}
		})
	}
}

package e2e

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/api"
)

// addLeakedC adds VRF c (table 30) with port rc1 to host C1 on
// 10.3.0.0/24 and 2001:db8:3::/64, and leaks VRF a's and VRF c's
// subnets into each other through the VRF devices.
// rc1's link, both ends, and govrf's rc1 have an MTU of mtu.
func (tp *topo) addLeakedC(mtu string) {
	tp.t.Helper()
	tp.addNS("C1")
	tp.addPort("C1", "rc1")
	tp.must("ip", "-n", tp.ns("R"), "link", "set", "rc1", "mtu", mtu)
	c1 := tp.ns("C1")
	tp.must("ip", "-n", c1, "link", "set", "eth0", "mtu", mtu)
	tp.must("ip", "-n", c1, "addr", "add", "10.3.0.10/24", "dev", "eth0")
	tp.must("ip", "-n", c1, "-6", "addr", "add", "2001:db8:3::10/64", "dev", "eth0", "nodad")
	tp.must("ip", "-n", c1, "route", "add", "default", "via", "10.3.0.1")
	tp.must("ip", "-n", c1, "-6", "route", "add", "default", "via", "2001:db8:3::1")
	tp.configure(
		"link add name c type vrf table 30",
		"link set dev c up",
		"link add link rc1 name rc1 type packet",
		"link set dev rc1 master c",
		"link set dev rc1 mtu "+mtu,
		"link set dev rc1 up",
		"addr add 10.3.0.1/24 dev rc1",
		"addr add 2001:db8:3::1/64 dev rc1",
		"route add unreachable default metric 4278198272 vrf c",
		"-6 route add unreachable default metric 4278198272 vrf c",
		"route add 10.3.0.0/24 dev c vrf a",
		"route add 192.168.1.0/24 dev a vrf c",
		"-6 route add 2001:db8:3::/64 dev c vrf a",
		"-6 route add 2001:db8:1::/64 dev a vrf c",
	)
}

// TestIntegrationRouteLeak crosses from VRF a to VRF c and back through
// leaked routes whose device is the other VRF: the leak costs one hop,
// answered from VRF a's side (ICMP errors are sourced in the ingress
// VRF), and the smaller MTU of c's port is reported to A1 from R's
// address facing it (RFC 1191 Fragmentation Needed, RFC 4443 Packet Too
// Big).
func TestIntegrationRouteLeak(t *testing.T) {
	tp := newTopo(t)
	tp.addLeakedC("1400")
	for _, c := range []struct {
		c1, a1, gw  string // C1's and A1's addresses, R's address facing A1
		tooBig, ttl string
	}{
		{"10.3.0.10", "192.168.1.10", "192.168.1.1", "Frag needed and DF set (mtu = 1400)", "Time to live exceeded"},
		{"2001:db8:3::10", "2001:db8:1::10", "2001:db8:1::1", "Packet too big: mtu=1400", "Time exceeded: Hop limit"},
	} {
		tp.ping("A1", "-c", "1", "-W", "1", c.c1) // resolves the neighbours
		if out, ok := tp.ping("A1", "-c", "2", "-i", "0.2", "-W", "2", c.c1); !ok {
			t.Errorf("ping %s from A1 failed:\n%s", c.c1, out)
		}
		if out, ok := tp.ping("C1", "-c", "2", "-i", "0.2", "-W", "2", c.a1); !ok {
			t.Errorf("ping %s from C1 failed:\n%s", c.a1, out)
		}

		args := []string{"traceroute", "-n", "-I", "-q", "1", "-w", "2", "-m", "3", c.c1}
		out, err := tp.in("A1", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s from A1: %v\n%s", strings.Join(args, " "), err, out)
		}
		var hops []string
		for _, l := range strings.Split(string(out), "\n")[1:] {
			if f := strings.Fields(l); len(f) >= 2 {
				hops = append(hops, f[1])
			}
		}
		if want := []string{c.gw, c.c1}; strings.Join(hops, " ") != strings.Join(want, " ") {
			t.Errorf("%s from A1: hops %v, want %v\n%s", strings.Join(args, " "), hops, want, out)
		}

		got, _ := tp.ping("A1", "-c", "1", "-t", "1", "-W", "2", c.c1)
		if want := "From " + c.gw + " icmp_seq=1 " + c.ttl; !strings.Contains(got, want) {
			t.Errorf("ping -c1 -t1 %s from A1 = %q, want %q", c.c1, got, want)
		}

		got, _ = tp.ping("A1", "-M", "do", "-s", "1450", "-c", "1", "-W", "2", c.c1)
		if want := "From " + c.gw + " icmp_seq=1 " + c.tooBig; !strings.Contains(got, want) {
			t.Errorf("ping -M do -s 1450 -c1 %s from A1 = %q, want %q", c.c1, got, want)
		}
	}
}

// addBlueRed adds the router of Linux's vrf_route_leaking.sh next to the
// seed topology: VRFs blue (table 1101) and red (1102), each with an
// unreachable default, 127.0.0.1/8 and ::1 on its device, port rh1 in
// blue to host H1 (172.16.1.1, 2001:db8:16:1::1) and rh2 in red to H2
// (172.16.2.2, 2001:db8:16:2::2), the router .253 on both, and each
// VRF's subnets leaked into the other through the VRF devices.
func (tp *topo) addBlueRed() {
	tp.t.Helper()
	for _, h := range []struct{ name, port, net, ip, route string }{
		{"H1", "rh1", "1", ".1", "172.16.2.0/24"},
		{"H2", "rh2", "2", ".2", "default"},
	} {
		tp.addNS(h.name)
		tp.addPort(h.name, h.port)
		n := tp.ns(h.name)
		tp.must("ip", "-n", n, "addr", "add", "172.16."+h.net+h.ip+"/24", "dev", "eth0")
		tp.must("ip", "-n", n, "-6", "addr", "add", "2001:db8:16:"+h.net+"::"+h.ip[1:]+"/64", "dev", "eth0", "nodad")
		route6 := h.route
		if route6 != "default" {
			route6 = "2001:db8:16:2::/64"
		}
		tp.must("ip", "-n", n, "route", "add", h.route, "via", "172.16."+h.net+".253")
		tp.must("ip", "-n", n, "-6", "route", "add", route6, "via", "2001:db8:16:"+h.net+"::253")
	}
	var lines []string
	for _, v := range []struct{ name, table, port, net string }{{"blue", "1101", "rh1", "1"}, {"red", "1102", "rh2", "2"}} {
		lines = append(lines,
			"link add name "+v.name+" type vrf table "+v.table,
			"link set dev "+v.name+" up",
			"route add vrf "+v.name+" unreachable default metric 8192",
			"-6 route add vrf "+v.name+" unreachable default metric 8192",
			"addr add 127.0.0.1/8 dev "+v.name,
			"-6 addr add ::1 dev "+v.name+" nodad",
			"link add link "+v.port+" name "+v.port+" type packet",
			"link set dev "+v.port+" master "+v.name,
			"link set dev "+v.port+" up",
			"addr add 172.16."+v.net+".253/24 dev "+v.port,
			"-6 addr add 2001:db8:16:"+v.net+"::253/64 dev "+v.port+" nodad",
		)
	}
	lines = append(lines,
		"route add vrf blue 172.16.2.0/24 dev red",
		"-6 route add vrf blue 2001:db8:16:2::/64 dev red",
		"route add vrf red 172.16.1.0/24 dev blue",
		"-6 route add vrf red 2001:db8:16:1::/64 dev blue",
	)
	tp.configureQuietly(lines...)
}

// configureQuietly runs each line with govrf, which must succeed
// without a word on stderr.
func (tp *topo) configureQuietly(lines ...string) {
	tp.t.Helper()
	for _, l := range lines {
		r, err := api.Call(tp.sock, strings.Fields(l))
		if err != nil || r.Code != 0 || r.Stderr != "" {
			tp.t.Fatalf("govrf %s: %v, exit %d\n%s", l, err, r.Code, r.Stderr)
		}
	}
}

// TestIntegrationLeakLocal is vrf_route_leaking.sh's R-originated cases:
// programs in VRF blue's host stack reach H2 behind VRF red through the
// leak, both families, by ping and by TCP and UDP with nc, from blue's
// own address (as Linux selects it for a socket bound to blue), and the
// answers come back through the reverse leak into blue's stack — with
// the leak through red's VRF device, through red's port itself, and
// through nexthop objects. The default VRF's stack takes a route into
// red with red's address as its source, as Linux selects it.
func TestIntegrationLeakLocal(t *testing.T) {
	needTool(t, "nc")
	tp := newTopo(t)
	tp.addBlueRed()
	for k, form := range []struct {
		name  string
		lines []string
	}{
		{"dev red", nil},
		{"dev rh2", []string{
			"route replace vrf blue 172.16.2.0/24 dev rh2",
			"-6 route replace vrf blue 2001:db8:16:2::/64 dev rh2",
		}},
		{"nhid", []string{
			"nexthop add id 11 dev red",
			"-6 nexthop add id 12 dev red",
			"route replace vrf blue 172.16.2.0/24 nhid 11",
			"-6 route replace vrf blue 2001:db8:16:2::/64 nhid 12",
		}},
	} {
		tp.configureQuietly(form.lines...)
		for i, c := range []struct{ h2, src string }{
			{"172.16.2.2", "172.16.1.253"},
			{"2001:db8:16:2::2", "2001:db8:16:1::253"},
		} {
			// The selftest's check_connectivity, which also resolves
			// the neighbours on both sides.
			if !tp.reachesWithin("H1", c.h2, 5*time.Second) {
				t.Fatalf("%s: H1 does not reach %s through the leak", form.name, c.h2)
			}
			out, err := tp.client("vrf", "exec", "blue", "--", "ip", "route", "get", c.h2).CombinedOutput()
			if err != nil || !strings.Contains(string(out), " src "+c.src+" ") {
				t.Errorf("%s: vrf exec blue -- ip route get %s: %v\n%s\nwant src %s", form.name, c.h2, err, out, c.src)
			}
			out, err = tp.client("vrf", "exec", "blue", "--", "ping", "-c", "1", "-W", "2", c.h2).CombinedOutput()
			if err != nil {
				t.Errorf("%s: vrf exec blue -- ping %s: %v\n%s", form.name, c.h2, err, out)
			}
			for j, network := range []string{"tcp", "udp"} {
				port := strconv.Itoa(7000 + k*10 + i*2 + j)
				got := make(chan string, 1)
				tp.serveOnce("H2", network, net.JoinHostPort(c.h2, port), got)
				args := []string{"vrf", "exec", "blue", "--", "nc", "-w", "3"}
				if network == "udp" {
					args = append(args, "-u", "-W", "1")
				} else {
					args = append(args, "-N")
				}
				nc := tp.client(append(args, c.h2, port)...)
				nc.Stdin = strings.NewReader("hello from blue\n")
				out, err := nc.CombinedOutput()
				if err != nil || string(out) != "hello from H2\n" {
					t.Errorf("%s: vrf exec blue -- nc %s %s %s: %v, %q; want the answer %q", form.name, network, c.h2, port, err, out, "hello from H2\n")
				}
				select {
				case from := <-got:
					if from != c.src {
						t.Errorf("%s: %s to %s from vrf exec blue came from %s, want %s", form.name, network, c.h2, from, c.src)
					}
				case <-time.After(3 * time.Second):
					t.Errorf("%s: %s to %s from vrf exec blue: nothing arrived in H2", form.name, network, c.h2)
				}
			}
		}
	}

	// The default VRF's sockets have no L3 master device: through a
	// route into red they send from red's address, which the default
	// stack then carries.
	tp.configureQuietly("route add 172.16.2.0/24 dev red", "-6 route add 2001:db8:16:2::/64 dev red")
	for _, c := range []struct{ h2, src string }{{"172.16.2.2", "172.16.2.253"}, {"2001:db8:16:2::2", "2001:db8:16:2::253"}} {
		out, err := tp.client("vrf", "exec", "default", "--", "ip", "route", "get", c.h2).CombinedOutput()
		if err != nil || !strings.Contains(string(out), " src "+c.src+" ") {
			t.Errorf("vrf exec default -- ip route get %s: %v\n%s\nwant src %s", c.h2, err, out, c.src)
		}
	}
}

// serveOnce listens in host on addr over network ("tcp" or "udp") for
// one peer: it sends the peer's address to from once the first message
// has come, then answers "hello from H2\n" and, for TCP, closes.
func (tp *topo) serveOnce(host, network, addr string, from chan<- string) {
	tp.t.Helper()
	answer := []byte("hello from H2\n")
	var err error
	switch network {
	case "tcp":
		var ln net.Listener
		tp.inNS(host, func() { ln, err = net.Listen("tcp", addr) })
		if err != nil {
			tp.t.Fatal(err)
		}
		tp.t.Cleanup(func() { ln.Close() })
		go func() {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := bufio.NewReader(c).ReadString('\n'); err != nil {
				return
			}
			from <- c.RemoteAddr().(*net.TCPAddr).AddrPort().Addr().Unmap().String()
			c.Write(answer)
		}()
	case "udp":
		var pc net.PacketConn
		tp.inNS(host, func() { pc, err = net.ListenPacket("udp", addr) })
		if err != nil {
			tp.t.Fatal(err)
		}
		tp.t.Cleanup(func() { pc.Close() })
		go func() {
			pc.SetDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 512)
			_, peer, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			from <- peer.(*net.UDPAddr).AddrPort().Addr().Unmap().String()
			pc.WriteTo(answer, peer)
		}()
	}
}

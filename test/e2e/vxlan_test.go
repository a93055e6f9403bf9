package e2e

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/hoststack"
)

// vxlanSite is one router of a two-site topology: namespaces R (govrfd),
// A and B (hosts of companies A and B on 192.168.N.0/24 and
// 2001:db8:N::/64), and the underlay interface u0 in R.
func newVXLANSite(t *testing.T, n string) *topo {
	t.Helper()
	needRoot(t)
	dir := t.TempDir()
	tp := &topo{t: t, prefix: fmt.Sprintf("vxl%d-%d-", os.Getpid()%100000, topoSeq.Add(1)), dir: dir,
		sock: filepath.Join(dir, "govrf.sock"), conf: filepath.Join(dir, "govrf.conf")}
	tp.netnsDir = filepath.Join(dir, "netns")
	t.Cleanup(func() { hoststack.ReleaseDir(tp.netnsDir) })
	for _, h := range []string{"R", "A", "B"} {
		tp.addNS(h)
	}
	tp.addPort("A", "ra1")
	tp.addPort("B", "rb1")
	tp.addHostAddrs("A", n)
	tp.addHostAddrs("B", n)
	return tp
}

// vxlanRouter is the configuration of site n whose peer is site peer:
// VRF a carried in VNI 100, b in VNI 200, each VXLAN link addressed in
// a subnet shared with the peer's, flooding to the peer's VTEP.
func vxlanRouter(n, peer string) []string {
	lines := []string{"link add name a type vrf table 10", "link add name b type vrf table 20",
		"link set dev a up", "link set dev b up",
		"sysctl -w net.ipv4.ip_forward=1", "sysctl -w net.ipv6.conf.all.forwarding=1",
		"link add link u0 name u0 type packet", "link set dev u0 up", "addr add 10.99.0." + n + "/24 dev u0"}
	for _, v := range []struct{ vrf, port, vni string }{{"a", "ra1", "100"}, {"b", "rb1", "200"}} {
		vx := "vx" + v.vni
		lines = append(lines,
			"link add link "+v.port+" name "+v.port+" type packet", "link set dev "+v.port+" master "+v.vrf,
			"link set dev "+v.port+" up",
			"addr add 192.168."+n+".1/24 dev "+v.port, "addr add 2001:db8:"+n+"::1/64 dev "+v.port,
			"link add name "+vx+" type vxlan id "+v.vni+" local 10.99.0."+n+" dstport 4789 nolearning",
			"link set dev "+vx+" master "+v.vrf, "link set dev "+vx+" up",
			"addr add 10."+v.vni+".0."+n+"/24 dev "+vx, "addr add fd00:"+v.vni+"::"+n+"/64 dev "+vx,
			"bridge fdb append 00:00:00:00:00:00 dev "+vx+" dst 10.99.0."+peer,
			"route add 192.168."+peer+".0/24 vrf "+v.vrf+" via 10."+v.vni+".0."+peer,
			"route add 2001:db8:"+peer+"::/64 vrf "+v.vrf+" via fd00:"+v.vni+"::"+peer)
	}
	return lines
}

// TestIntegrationVXLAN runs two govrfds joined by a veth underlay, each
// with companies A and B behind it: A1 pings A2 and B1 pings B2 across
// the routers in both families, and the underlay carries A's traffic in
// VNI 100 and B's in VNI 200, nothing else.
func TestIntegrationVXLAN(t *testing.T) {
	needTool(t, "tcpdump")
	s1, s2 := newVXLANSite(t, "1"), newVXLANSite(t, "2")
	s1.must("ip", "-n", s1.ns("R"), "link", "add", "u0", "type", "veth", "peer", "name", "u0", "netns", s2.ns("R"))
	s1.must("ip", "-n", s1.ns("R"), "link", "set", "u0", "up")
	s2.must("ip", "-n", s2.ns("R"), "link", "set", "u0", "up")
	s1.start()
	s2.start()
	s1.configure(vxlanRouter("1", "2")...)
	s2.configure(vxlanRouter("2", "1")...)

	for _, c := range []struct{ host, vni string }{{"A", "100"}, {"B", "200"}} {
		for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
			s1.ping(c.host, "-c", "1", "-W", "1", dst) // resolve the paths
			cp := s2.startCaptureOn("R", "u0", "udp port 4789")
			if out, ok := s1.ping(c.host, "-c", "3", "-i", "0.2", "-W", "2", dst); !ok {
				t.Fatalf("%s1 ping %s across VXLAN failed:\n%s", c.host, dst, out)
			}
			frames := cp.stop(t)
			if len(frames) < 3 {
				t.Fatalf("the underlay carried %d VXLAN frames of %s1's ping to %s, want at least 3", len(frames), c.host, dst)
			}
			for _, f := range frames {
				if vni, ok := vxlanVNI(f); !ok || fmt.Sprint(vni) != c.vni {
					t.Fatalf("%s1's ping to %s went in VNI %d (ok %v), want %s", c.host, dst, vni, ok, c.vni)
				}
			}
		}
	}
	if out, ok := s2.ping("A", "-c", "2", "-i", "0.2", "-W", "2", "192.168.1.10"); !ok {
		t.Fatalf("A2 ping A1 failed:\n%s", out)
	}
	st := strings.Split(s1.govrf("-s link show dev vx100"), "\n")
	for i, l := range st {
		if strings.Contains(l, "RX:") || strings.Contains(l, "TX:") {
			if f := strings.Fields(st[i+1]); len(f) < 2 || f[1] == "0" {
				t.Fatalf("-s link show dev vx100 counts no packets:\n%s", strings.Join(st, "\n"))
			}
		}
	}
	if out := s1.govrf("-d link show dev vx100"); !strings.Contains(out, "vxlan id 100 local 10.99.0.1 srcport 0 0 dstport 4789 nolearning") {
		t.Fatalf("-d link show dev vx100:\n%s", out)
	}
	if out := s1.govrf("bridge fdb show dev vx100"); out != "00:00:00:00:00:00 dst 10.99.0.2 self permanent\n" {
		t.Fatalf("bridge fdb show dev vx100:\n%s", out)
	}
}

// vxlanVNI returns the VNI of an Ethernet frame carrying IPv4, UDP to
// 4789 and a VXLAN header with the I flag.
func vxlanVNI(f []byte) (uint32, bool) {
	if len(f) < 14+20+8+8 || binary.BigEndian.Uint16(f[12:]) != 0x0800 {
		return 0, false
	}
	ip := f[14:]
	ihl := int(ip[0]&0xf) * 4
	if ip[9] != 17 || len(ip) < ihl+16 {
		return 0, false
	}
	udp := ip[ihl:]
	if binary.BigEndian.Uint16(udp[2:]) != 4789 || udp[8] != 0x08 {
		return 0, false
	}
	return binary.BigEndian.Uint32(udp[12:]) >> 8, true
}

// TestIntegrationVXLANKernelPeer runs govrfd against a Linux VXLAN device
// in another namespace (a kernel VXLAN device holds its UDP port for its
// whole namespace): the kernel's vx100 and govrf's vx100 share
// 10.100.0.0/24 and fd00:100::/64, and each side pings the other, the
// kernel peer also A1 behind govrf.
func TestIntegrationVXLANKernelPeer(t *testing.T) {
	s := newVXLANSite(t, "1")
	s.addNS("K")
	k := s.ns("K")
	s.must("ip", "-n", s.ns("R"), "link", "add", "u0", "type", "veth", "peer", "name", "u0", "netns", k)
	s.must("ip", "-n", s.ns("R"), "link", "set", "u0", "up")
	for _, args := range [][]string{
		{"addr", "add", "10.99.0.2/24", "dev", "u0"},
		{"link", "set", "u0", "up"},
		{"link", "add", "vx100", "type", "vxlan", "id", "100", "local", "10.99.0.2", "dstport", "4789", "nolearning"},
		{"addr", "add", "10.100.0.2/24", "dev", "vx100"},
		{"-6", "addr", "add", "fd00:100::2/64", "dev", "vx100", "nodad"},
		{"link", "set", "vx100", "up"},
		{"link", "add", "vx999", "type", "vxlan", "id", "999", "local", "10.99.0.2", "dstport", "4789"},
		{"addr", "add", "10.199.0.2/24", "dev", "vx999"},
		{"link", "set", "vx999", "up"},
		{"link", "add", "vx300", "type", "vxlan", "id", "300", "local", "10.99.0.2", "dstport", "4789"},
		{"addr", "add", "10.30.0.2/24", "dev", "vx300"},
		{"link", "set", "vx300", "up"},
		{"route", "add", "192.168.1.0/24", "via", "10.100.0.1"},
		{"-6", "route", "add", "2001:db8:1::/64", "via", "fd00:100::1"},
	} {
		s.must(append([]string{"ip", "-n", k}, args...)...)
	}
	s.must("bridge", "-n", k, "fdb", "append", "00:00:00:00:00:00", "dev", "vx100", "dst", "10.99.0.1")
	s.must("bridge", "-n", k, "fdb", "append", "00:00:00:00:00:00", "dev", "vx300", "dst", "10.99.0.1")
	s.must("bridge", "-n", k, "fdb", "append", "00:00:00:00:00:00", "dev", "vx999", "dst", "10.99.0.1")
	s.start()
	s.configure(vxlanRouter("1", "2")...)
	// vx300 learns: in the default VRF, with no entry for the peer.
	s.configure("link add name vx300 type vxlan id 300 local 10.99.0.1 dstport 4789",
		"link set dev vx300 up", "addr add 10.30.0.1/24 dev vx300",
		"bridge fdb append 00:00:00:00:00:00 dev vx300 dst 10.99.0.2")

	for _, c := range []struct{ from, dst string }{
		{"K", "10.100.0.1"}, {"K", "fd00:100::1"}, {"K", "192.168.1.10"}, {"K", "2001:db8:1::10"},
		{"A", "10.100.0.2"}, {"A", "fd00:100::2"}, {"K", "10.30.0.1"},
	} {
		s.ping(c.from, "-c", "1", "-W", "1", c.dst) // resolve the paths
		if out, ok := s.ping(c.from, "-c", "2", "-i", "0.2", "-W", "2", c.dst); !ok {
			t.Fatalf("%s ping %s across VXLAN failed:\n%s", c.from, c.dst, out)
		}
	}
	// A VNI govrf has no link for is dropped and counted.
	s.ping("K", "-c", "1", "-W", "1", "10.199.0.1")
	if out := s.govrf("show errors"); !strings.Contains(out, "vxlan_unknown_vni") {
		t.Fatalf("show errors after frames of VNI 999:\n%s", out)
	}
	mac := strings.TrimSpace(s.must("ip", "netns", "exec", k, "cat", "/sys/class/net/vx300/address"))
	if out := s.govrf("bridge fdb show dev vx300"); !strings.Contains(out, mac+" dst 10.99.0.2 self \n") {
		t.Fatalf("bridge fdb show dev vx300 = %q, want the peer's %s learned at 10.99.0.2", out, mac)
	}
}

// TestIntegrationVXLANKernelPeerIPv6 is the kernel peer over an IPv6
// underlay: outer IPv6 packets, whose UDP checksum the kernel requires.
func TestIntegrationVXLANKernelPeerIPv6(t *testing.T) {
	s := newVXLANSite(t, "1")
	s.addNS("K")
	k := s.ns("K")
	s.must("ip", "-n", s.ns("R"), "link", "add", "u0", "type", "veth", "peer", "name", "u0", "netns", k)
	s.must("ip", "-n", s.ns("R"), "link", "set", "u0", "up")
	for _, args := range [][]string{
		{"-6", "addr", "add", "fd99::2/64", "dev", "u0", "nodad"},
		{"link", "set", "u0", "up"},
		{"link", "add", "vx100", "type", "vxlan", "id", "100", "local", "fd99::2", "dstport", "4789", "nolearning"},
		{"addr", "add", "10.100.0.2/24", "dev", "vx100"},
		{"-6", "addr", "add", "fd00:100::2/64", "dev", "vx100", "nodad"},
		{"link", "set", "vx100", "up"},
		{"route", "add", "192.168.1.0/24", "via", "10.100.0.1"},
	} {
		s.must(append([]string{"ip", "-n", k}, args...)...)
	}
	s.must("bridge", "-n", k, "fdb", "append", "00:00:00:00:00:00", "dev", "vx100", "dst", "fd99::1")
	s.start()
	s.configure("link add name a type vrf table 10", "link set dev a up", "sysctl -w net.ipv4.ip_forward=1",
		"link add link u0 name u0 type packet", "link set dev u0 up", "addr add fd99::1/64 dev u0",
		"link add link ra1 name ra1 type packet", "link set dev ra1 master a", "link set dev ra1 up",
		"addr add 192.168.1.1/24 dev ra1",
		"link add name vx100 type vxlan id 100 local fd99::1 dstport 4789 nolearning",
		"link set dev vx100 master a", "link set dev vx100 up", "addr add 10.100.0.1/24 dev vx100",
		"addr add fd00:100::1/64 dev vx100", "bridge fdb append 00:00:00:00:00:00 dev vx100 dst fd99::2")
	for _, c := range []struct{ from, dst string }{
		{"K", "10.100.0.1"}, {"K", "fd00:100::1"}, {"K", "192.168.1.10"}, {"A", "10.100.0.2"},
	} {
		s.ping(c.from, "-c", "1", "-W", "1", c.dst) // resolve the paths
		if out, ok := s.ping(c.from, "-c", "2", "-i", "0.2", "-W", "2", c.dst); !ok {
			t.Fatalf("%s ping %s across VXLAN over IPv6 failed:\n%s", c.from, c.dst, out)
		}
	}
}

// evpnRouter is site n's configuration as a BGP EVPN control plane
// programs it (and FRR programs a kernel): no addresses on the VXLAN
// links; each remote prefix a route onlink via the peer's VTEP through
// the link, the peer's router MAC (its link's) a neighbour and an FDB
// entry, all extern_learn. IPv6 prefixes go via the VTEP's IPv4-mapped
// address, as FRR installs them.
func evpnRouter(n, peer string) []string {
	lines := []string{"link add name a type vrf table 10", "link add name b type vrf table 20",
		"link set dev a up", "link set dev b up",
		"sysctl -w net.ipv4.ip_forward=1", "sysctl -w net.ipv6.conf.all.forwarding=1",
		"link add link u0 name u0 type packet", "link set dev u0 up", "addr add 10.99.0." + n + "/24 dev u0"}
	for _, v := range []struct{ vrf, port, vni, hex string }{{"a", "ra1", "100", "64"}, {"b", "rb1", "200", "c8"}} {
		vx, rmac := "vx"+v.vni, "02:00:00:"+v.hex+":00:0"+peer
		lines = append(lines,
			"link add link "+v.port+" name "+v.port+" type packet", "link set dev "+v.port+" master "+v.vrf,
			"link set dev "+v.port+" up",
			"addr add 192.168."+n+".1/24 dev "+v.port, "addr add 2001:db8:"+n+"::1/64 dev "+v.port,
			"link add name "+vx+" address 02:00:00:"+v.hex+":00:0"+n+" type vxlan id "+v.vni+" local 10.99.0."+n+" dstport 4789 nolearning",
			"link set dev "+vx+" master "+v.vrf, "link set dev "+vx+" up",
			"route replace 192.168."+peer+".0/24 vrf "+v.vrf+" via 10.99.0."+peer+" dev "+vx+" onlink proto bgp",
			"route replace 2001:db8:"+peer+"::/64 vrf "+v.vrf+" via ::ffff:10.99.0."+peer+" dev "+vx+" onlink proto bgp",
			"neigh replace 10.99.0."+peer+" lladdr "+rmac+" dev "+vx+" nud noarp extern_learn",
			"neigh replace ::ffff:10.99.0."+peer+" lladdr "+rmac+" dev "+vx+" nud noarp extern_learn",
			"bridge fdb replace "+rmac+" dev "+vx+" dst 10.99.0."+peer+" self extern_learn")
	}
	return lines
}

// TestIntegrationVXLANEVPNStyle: two govrfds programmed as EVPN type-5
// routes program them (symmetric IRB); each company reaches its other
// site in both families, and a traceroute shows the far router once.
func TestIntegrationVXLANEVPNStyle(t *testing.T) {
	s1, s2 := newVXLANSite(t, "1"), newVXLANSite(t, "2")
	s1.must("ip", "-n", s1.ns("R"), "link", "add", "u0", "type", "veth", "peer", "name", "u0", "netns", s2.ns("R"))
	s1.must("ip", "-n", s1.ns("R"), "link", "set", "u0", "up")
	s2.must("ip", "-n", s2.ns("R"), "link", "set", "u0", "up")
	s1.start()
	s2.start()
	s1.configure(evpnRouter("1", "2")...)
	s2.configure(evpnRouter("2", "1")...)
	for _, h := range []string{"A", "B"} {
		for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
			s1.ping(h, "-c", "1", "-W", "1", dst)
			if out, ok := s1.ping(h, "-c", "2", "-i", "0.2", "-W", "2", dst); !ok {
				t.Fatalf("%s1 ping %s failed:\n%s", h, dst, out)
			}
		}
	}
	if _, err := exec.LookPath("traceroute"); err == nil {
		out, _ := s1.in("A", "traceroute", "-n", "-q", "1", "-w", "1", "192.168.2.10").CombinedOutput()
		if !strings.Contains(string(out), " 192.168.1.1 ") || !strings.Contains(string(out), " 192.168.2.1 ") ||
			!strings.Contains(string(out), " 192.168.2.10 ") {
			t.Fatalf("traceroute A1 to A2:\n%s", out)
		}
	}
}

package dataplane

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"net/netip"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port/mem"
	"github.com/govrf/govrf/internal/sim"
)

var (
	ip  = netip.MustParseAddr
	pfx = netip.MustParsePrefix
)

// lab is a router under test between simulated hosts on a stepped
// network.
type lab struct {
	t   *testing.T
	ctl *control.Control
	net *sim.Network
	dp  *Plane
}

func newLab(t *testing.T, cfg Config) *lab {
	t.Helper()
	n := sim.NewNetwork(sim.Stepped)
	t.Cleanup(func() { n.Close() })
	ctl := control.New()
	dp := New(ctl, n.Clock(), cfg)
	n.Add(dp)
	return &lab{t: t, ctl: ctl, net: n, dp: dp}
}

// run runs govrf command lines against the router's control plane.
func (l *lab) run(lines ...string) {
	l.t.Helper()
	for _, line := range lines {
		if err := runLine(l.ctl, line); err != nil {
			l.t.Fatal(err)
		}
	}
}

// runLine runs one govrf command line against ctl.
func runLine(ctl *control.Control, line string) error {
	var stderr bytes.Buffer
	if code := cli.Run(ctl, strings.Fields(line), io.Discard, &stderr); code != 0 {
		return fmt.Errorf("govrf %s: exit %d: %s", line, code, stderr.String())
	}
	return nil
}

// host attaches a simulated host to the router's port link name, with the
// link's MAC and MTU.
func (l *lab) host(link string, cfg sim.HostConfig) *sim.Host {
	l.t.Helper()
	k := l.ctl.Snapshot().LinkByName(link)
	if k == nil {
		l.t.Fatalf("no link %s", link)
	}
	if cfg.Name == "" {
		cfg.Name = "host-" + link
	}
	h, p := l.net.Attach(cfg, mem.Config{Name: link, MAC: header.MAC(k.MAC), MTU: 1500})
	if err := l.dp.Attach(k.Index, p); err != nil {
		l.t.Fatal(err)
	}
	// The router announces the port's addresses when it first sees it;
	// let that pass so that tests start from a quiet link.
	l.net.Settle()
	h.ResetCapture()
	return h
}

// mac returns the MAC of a router link.
func (l *lab) mac(link string) header.MAC {
	return header.MAC(l.ctl.Snapshot().LinkByName(link).MAC)
}

// index returns the index of a router link.
func (l *lab) index(link string) int { return l.ctl.Snapshot().LinkByName(link).Index }

// stats returns the counters of a port and of a VRF.
func (l *lab) port(name string) Counters { return l.dp.Stats().Ports[name] }
func (l *lab) vrf(name string) Counters  { return l.dp.Stats().VRFs[name] }

// vrfPort is the configuration of a VRF port: enslaved, up, addressed,
// with a MAC derived from its name so that runs repeat.
func vrfPort(name, vrf string, addrs ...string) []string {
	h := fnv.New32a()
	h.Write([]byte(name))
	m := h.Sum32()
	mac := fmt.Sprintf("02:00:%02x:%02x:%02x:%02x", byte(m>>24), byte(m>>16), byte(m>>8), byte(m))
	out := []string{"link add name " + name + " address " + mac + " type dummy",
		"link set dev " + name + " master " + vrf, "link set dev " + name + " up"}
	for _, a := range addrs {
		out = append(out, "addr add "+a+" dev "+name)
	}
	return out
}

// seedLab is the seed scenario's router: VRFs a (table 10) and b (table
// 20), ports ra1, ra2 in a and rb1, rb2 in b, the same addresses in both,
// and hosts A1, A2, B1, B2 with identical addresses behind them.
type seedLab struct {
	*lab
	a1, a2, b1, b2 *sim.Host
}

func newSeed(t *testing.T, cfg Config, extra ...string) *seedLab {
	l := newLab(t, cfg)
	l.run("link add name a type vrf table 10", "link add name b type vrf table 20",
		"link set dev a up", "link set dev b up",
		"sysctl -w net.ipv4.ip_forward=1", "sysctl -w net.ipv6.conf.all.forwarding=1")
	for _, p := range []struct{ name, vrf, net string }{
		{"ra1", "a", "1"}, {"ra2", "a", "2"}, {"rb1", "b", "1"}, {"rb2", "b", "2"},
	} {
		l.run(vrfPort(p.name, p.vrf, "192.168."+p.net+".1/24", "2001:db8:"+p.net+"::1/64")...)
	}
	l.run(extra...)
	s := &seedLab{lab: l}
	s.a1 = l.host("ra1", hostCfg("a1", "1"))
	s.a2 = l.host("ra2", hostCfg("a2", "2"))
	s.b1 = l.host("rb1", hostCfg("b1", "1"))
	s.b2 = l.host("rb2", hostCfg("b2", "2"))
	return s
}

// hostCfg is a seed host on 192.168.N.0/24 and 2001:db8:N::/64.
func hostCfg(name, n string) sim.HostConfig {
	return sim.HostConfig{Name: name,
		Addrs:    []netip.Prefix{pfx("192.168." + n + ".10/24"), pfx("2001:db8:" + n + "::10/64")},
		Gateway4: ip("192.168." + n + ".1"), Gateway6: ip("2001:db8:" + n + "::1"),
		UDPPorts: []uint16{7}, TCPPorts: []uint16{22}}
}

// ping pings dst from h and checks the answer reads want.
func ping(t *testing.T, h *sim.Host, dst string, o sim.Opts, want string) sim.Reply {
	t.Helper()
	r, err := h.Ping(ip(dst), o)
	if err != nil {
		if want != "" {
			t.Fatalf("%s.Ping(%s) = %v, want %q", h.Name(), dst, err, want)
		}
		return r
	}
	if want == "" {
		t.Fatalf("%s.Ping(%s) = %q, want no answer", h.Name(), dst, r)
	}
	if r.String() != want {
		t.Fatalf("%s.Ping(%s) = %q, want %q", h.Name(), dst, r, want)
	}
	return r
}

// frames returns the IP packets of the frames h captured, by EtherType.
func frames(h *sim.Host, etherType uint16) [][]byte {
	var out [][]byte
	for _, f := range h.Captured() {
		eth := header.Ethernet(f.Data)
		if eth.Validate() == header.ReasonNone && eth.Type() == etherType {
			out = append(out, eth.Payload())
		}
	}
	return out
}

// ipv4Frame returns an Ethernet frame carrying an IPv4 packet with l4.
func ipv4Frame(dst, src header.MAC, f header.IPv4Fields, l4 []byte) []byte {
	b := make([]byte, header.EthernetLen+header.IPv4MinLen+len(l4))
	header.Ethernet(b).Encode(dst, src, header.EtherTypeIPv4)
	f.TotalLength = uint16(header.IPv4MinLen + len(l4))
	if f.TTL == 0 {
		f.TTL = 64
	}
	header.IPv4(b[header.EthernetLen:]).Encode(&f)
	copy(b[header.EthernetLen+header.IPv4MinLen:], l4)
	return b
}

// ipv6Frame returns an Ethernet frame carrying an IPv6 packet with l4.
func ipv6Frame(dst, src header.MAC, f header.IPv6Fields, l4 []byte) []byte {
	b := make([]byte, header.EthernetLen+header.IPv6Len+len(l4))
	header.Ethernet(b).Encode(dst, src, header.EtherTypeIPv6)
	f.PayloadLength = uint16(len(l4))
	if f.HopLimit == 0 {
		f.HopLimit = 64
	}
	header.IPv6(b[header.EthernetLen:]).Encode(&f)
	copy(b[header.EthernetLen+header.IPv6Len:], l4)
	return b
}

// udp returns a UDP datagram with its checksum for src and dst.
func udp(src, dst netip.Addr, sport, dport uint16, payload []byte) []byte {
	b := make([]byte, header.UDPLen+len(payload))
	u := header.UDP(b)
	u.SetSrcPort(sport)
	u.SetDstPort(dport)
	u.SetLength(uint16(len(b)))
	copy(b[header.UDPLen:], payload)
	u.SetChecksum(u.CalculateChecksum(src, dst))
	return b
}

// echo returns an ICMP (dst IPv4) or ICMPv6 echo request with its
// checksum.
func echo(src, dst netip.Addr, id, seq uint16, size int) []byte {
	b := make([]byte, header.ICMPv4MinLen+size)
	binary.BigEndian.PutUint16(b[4:], id)
	binary.BigEndian.PutUint16(b[6:], seq)
	if dst.Is4() {
		b[0] = header.ICMPv4Echo
		header.ICMPv4(b).SetChecksum(header.ICMPv4(b).CalculateChecksum())
	} else {
		b[0] = header.ICMPv6EchoRequest
		header.ICMPv6(b).SetChecksum(header.ICMPv6(b).CalculateChecksum(src, dst))
	}
	return b
}

// send writes raw frames from h and lets the network settle without
// moving its clock.
func (l *lab) send(h *sim.Host, fs ...[]byte) {
	l.t.Helper()
	for _, f := range fs {
		if err := h.SendFrame(f); err != nil {
			l.t.Fatal(err)
		}
	}
	l.net.Settle()
}

// icmpFrom returns the ICMP or ICMPv6 messages h captured, with their
// sources.
func icmpFrom(h *sim.Host) (msgs []header.ICMPv4, srcs []netip.Addr) {
	for _, p := range frames(h, header.EtherTypeIPv4) {
		v := header.IPv4(p)
		if v.Validate() == header.ReasonNone && v.Protocol() == header.ProtoICMP {
			msgs, srcs = append(msgs, header.ICMPv4(v.Payload())), append(srcs, v.Src())
		}
	}
	for _, p := range frames(h, header.EtherTypeIPv6) {
		v := header.IPv6(p)
		if v.Validate() == header.ReasonNone && v.NextHeader() == header.ProtoICMPv6 && !header.IsNDP(v.Payload()[0]) {
			msgs, srcs = append(msgs, header.ICMPv4(v.Payload())), append(srcs, v.Src())
		}
	}
	return msgs, srcs
}

// checkBalance checks that every frame each port received is accounted
// for once.
func checkBalance(t *testing.T, st Stats) {
	t.Helper()
	all := maps.Clone(st.Ports)
	for name, c := range st.Stacks {
		all["stack "+name] = c
	}
	for name, c := range all {
		if got := c.Forwarded + c.Delivered + c.AnsweredTotal() + c.Dropped(); got != c.RxPackets {
			t.Errorf("port %s: forwarded %d + delivered %d + answered %d + dropped %d = %d, want RxPackets %d",
				name, c.Forwarded, c.Delivered, c.AnsweredTotal(), c.Dropped(), got, c.RxPackets)
		}
	}
}

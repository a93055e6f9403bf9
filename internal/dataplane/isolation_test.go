package dataplane

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/header"
)

// isolation is the rule the fuzzers check on every frame the router
// emits: what enters a VRF leaves by a port of another VRF only when a
// leak route of the configuration covers its destination. It is derived
// from the configuration alone (the routes of each VRF's table), never
// from what the pipeline decided, so that a pipeline that crosses VRFs
// where no route says so fails it.
type isolation struct {
	// vrfOf is the L3 domain of each link: a port's master, a VRF
	// device itself, 0 (the default VRF) for the others.
	vrfOf map[int]int
	// leaks are the routes of one VRF whose nexthop leads into another:
	// through the other VRF's device, or out of one of its ports.
	leaks []leakRoute
	// locals are each VRF's own addresses: its local and anycast
	// routes (the subnet-router anycast addresses included).
	locals map[int][]netip.Addr
	// gateways are the gateways a VRF's ports may resolve for packets
	// leaked into it: those of its own routes, and those of the leak
	// routes that name one of its ports.
	gateways map[int][]netip.Addr
	// via are the routes through each port, the connected ones included:
	// a port solicits only a gateway or a destination they lead to it.
	via map[int][]fib.Route
}

// leakRoute is a route of VRF from whose destination may leave by the
// ports of VRF to.
type leakRoute struct {
	from, to int
	prefix   netip.Prefix
}

func (l leakRoute) String() string { return fmt.Sprintf("%d→%d %s", l.from, l.to, l.prefix) }

// newIsolation reads the rule out of a snapshot's links and tables.
func newIsolation(s *control.Snapshot) *isolation {
	iso := &isolation{vrfOf: map[int]int{}, locals: map[int][]netip.Addr{}, gateways: map[int][]netip.Addr{},
		via: map[int][]fib.Route{}}
	tables := map[int]fib.TableID{0: fib.TableID(254)}
	for l := range s.Links() {
		switch {
		case l.Kind == control.KindVRF:
			iso.vrfOf[l.Index] = l.Index
			tables[l.Index] = l.Table
		default:
			iso.vrfOf[l.Index] = l.Master
		}
	}
	for from, id := range tables {
		if from == 0 {
			id = fib.TableID(255) // the default VRF's local routes
		}
		if t := s.Table(id); t != nil {
			for r := range t.All() {
				if r.Type == fib.TypeLocal || r.Type == fib.TypeAnycast {
					iso.locals[from] = append(iso.locals[from], r.Prefix.Addr())
				}
			}
		}
	}
	for from, id := range tables {
		t := s.Table(id)
		if t == nil {
			continue
		}
		for r := range t.All() {
			for _, nh := range routeHops(s, &r) {
				dev := s.Link(nh.Dev)
				if dev == nil {
					continue
				}
				to := iso.vrfOf[dev.Index]
				iso.via[dev.Index] = append(iso.via[dev.Index], fib.Route{Prefix: r.Prefix, Nexthops: []fib.Nexthop{nh}})
				if nh.Gateway.IsValid() {
					iso.gateways[to] = append(iso.gateways[to], nh.Gateway)
				}
				if to != from {
					iso.leaks = append(iso.leaks, leakRoute{from: from, to: to, prefix: r.Prefix})
				}
			}
		}
	}
	return iso
}

// routeHops returns the paths of r, those of its nexthop object included.
func routeHops(s *control.Snapshot, r *fib.Route) []fib.Nexthop {
	if r.NHID == 0 {
		return r.Nexthops
	}
	var out []fib.Nexthop
	var walk func(id uint32)
	walk = func(id uint32) {
		nh := s.Nexthop(id)
		switch {
		case nh == nil:
		case len(nh.Group) > 0:
			for _, m := range nh.Group {
				walk(m.ID)
			}
		default:
			out = append(out, fib.Nexthop{Gateway: nh.Gateway, Dev: nh.Dev})
		}
	}
	walk(r.NHID)
	return out
}

// reaches returns the VRFs a packet to dst entering VRF from may be
// sent in: from itself, and those its leak routes covering dst lead to,
// followed on (the second lookup of a leak through a VRF device).
func (iso *isolation) reaches(from int, dst netip.Addr) []int {
	out := []int{from}
	for i := 0; i < len(out); i++ {
		for _, l := range iso.leaks {
			if l.from == out[i] && l.prefix.Contains(dst) && !slices.Contains(out, l.to) {
				out = append(out, l.to)
			}
		}
	}
	return out
}

// check judges frame, emitted by link out, in answer to in, an IP packet
// from S to D that entered VRF vrf (nil when what entered was not IP). A
// frame out of a port of another VRF is allowed only when a leak route of
// vrf covers D (the packet goes that way) or S (the router's answers to
// it go that way, routed in vrf), and then only as
//
//   - the packet forwarded, when a leak covers D: S and D kept (fragments
//     included);
//   - when D is also an address of that VRF (the leak delivers it there,
//     and that VRF answers, as vrf_local_xmit makes Linux do): an answer
//     from D to S;
//   - when a leak covers S: an answer to S from an address of vrf or of
//     that VRF, or from 192.0.0.8 (an ICMP error, an echo reply);
//   - an ARP request or a Neighbor Solicitation for the destination of
//     one of those, or for a gateway of that VRF or of the leak, by a
//     port a route leads that target to.
//
// ARP and NDP answers, and anything about a packet no leak covers either
// way, are violations.
func (iso *isolation) check(vrf int, in []byte, out int, frame []byte) error {
	to := iso.vrfOf[out]
	if to == vrf {
		return nil
	}
	src, dst, ok := addrsOf(in)
	if !ok {
		return fmt.Errorf("a non-IP frame into VRF %d made link %d of VRF %d send %x", vrf, out, to, frame)
	}
	fwd := slices.Contains(iso.reaches(vrf, dst), to)
	back := slices.Contains(iso.reaches(vrf, src), to)
	if !fwd && !back {
		return fmt.Errorf("%v > %v entered VRF %d and link %d of VRF %d sent %s; no leak covers %v or %v (leaks %v)",
			src, dst, vrf, out, to, summary(frame), dst, src, iso.leaks)
	}
	local := fwd && slices.Contains(iso.locals[to], dst)
	var s, d netip.Addr
	ip := len(frame) >= header.EthernetLen
	if ip {
		s, d, ip = addrsOf(frame[header.EthernetLen:])
	}
	if fwd && ip && s == src && d == dst {
		return nil // forwarded, whatever it carries (an NS, say)
	}
	if target, ok := solicited(frame); ok {
		switch {
		case !iso.leadsTo(out, target):
		case fwd && target == dst, (local || back) && target == src, slices.Contains(iso.gateways[to], target):
			return nil
		}
		return fmt.Errorf("%v > %v leaked from VRF %d into %d and link %d solicited %v", src, dst, vrf, to, out, target)
	}
	ours := slices.Contains(iso.locals[vrf], s) || slices.Contains(iso.locals[to], s) || s == dummy4
	switch {
	case !ip:
	case local && s == dst && d == src:
		return nil
	case back && d == src && ours:
		return nil
	}
	return fmt.Errorf("%v > %v leaked from VRF %d into %d and link %d sent %s", src, dst, vrf, to, out, summary(frame))
}

// leadsTo reports whether a route through port out leads to target: its
// gateway is target, or it has none and its prefix holds target.
func (iso *isolation) leadsTo(out int, target netip.Addr) bool {
	for _, r := range iso.via[out] {
		gw := r.Nexthops[0].Gateway
		if gw == target || !gw.IsValid() && r.Prefix.Contains(target) {
			return true
		}
	}
	return false
}

// addrsOf returns the source and destination of an IP packet, read from
// its version's header, or false when p is too short for one.
func addrsOf(p []byte) (src, dst netip.Addr, ok bool) {
	switch {
	case len(p) >= header.IPv4MinLen && p[0]>>4 == 4:
		v := header.IPv4(p)
		return v.Src(), v.Dst(), true
	case len(p) >= header.IPv6Len && p[0]>>4 == 6:
		v := header.IPv6(p)
		return v.Src(), v.Dst(), true
	}
	return netip.Addr{}, netip.Addr{}, false
}

// ipOf returns the IP packet of an untagged Ethernet frame, nil for
// anything else.
func ipOf(frame []byte) []byte {
	if len(frame) < header.EthernetLen {
		return nil
	}
	switch header.Ethernet(frame).Type() {
	case header.EtherTypeIPv4, header.EtherTypeIPv6:
		return frame[header.EthernetLen:]
	}
	return nil
}

// solicited returns the target of an ARP request or of a Neighbor
// Solicitation the router sent, with no extension header before it.
func solicited(frame []byte) (netip.Addr, bool) {
	if len(frame) < header.EthernetLen {
		return netip.Addr{}, false
	}
	p := frame[header.EthernetLen:]
	switch header.Ethernet(frame).Type() {
	case header.EtherTypeARP:
		if len(p) >= header.ARPLen && header.ARP(p).Op() == header.ARPRequest {
			return header.ARP(p).TargetIP(), true
		}
	case header.EtherTypeIPv6:
		const nsLen = 24 // type, code, checksum, reserved, target
		if len(p) >= header.IPv6Len+nsLen && p[0]>>4 == 6 && header.IPv6(p).NextHeader() == header.ProtoICMPv6 &&
			p[header.IPv6Len] == header.ICMPv6NeighborSolicit {
			return netip.AddrFrom16([16]byte(p[header.IPv6Len+8 : header.IPv6Len+24])), true
		}
	}
	return netip.Addr{}, false
}

// summary describes an emitted frame for a failure message.
func summary(frame []byte) string {
	if len(frame) < header.EthernetLen {
		return fmt.Sprintf("a runt %x", frame)
	}
	eth := header.Ethernet(frame)
	p := frame[header.EthernetLen:]
	switch eth.Type() {
	case header.EtherTypeARP:
		if len(p) >= header.ARPLen {
			a := header.ARP(p)
			return fmt.Sprintf("ARP op %d %v > %v", a.Op(), a.SenderIP(), a.TargetIP())
		}
	case header.EtherTypeIPv4, header.EtherTypeIPv6:
		if s, d, ok := addrsOf(p); ok {
			return fmt.Sprintf("IP %v > %v (%d octets)", s, d, len(p))
		}
	}
	return fmt.Sprintf("EtherType %#04x, %d octets", eth.Type(), len(frame))
}

// TestIsolationRule checks the checker on the fuzzers' seeds: the leaks'
// seeds make the router send out of b's ports, which the rule allows;
// the same rule with the leaks forgotten refuses each of them; and the
// seeds entering by rb1, where no leak starts, send nothing out of a's.
func TestIsolationRule(t *testing.T) {
	r := newFuzzRouter(t)
	noLeaks := *r.iso
	noLeaks.leaks = nil
	crossed := 0
	for i, s := range r.seeds() {
		r.feed(s.port, s.frame)
		in := r.iso.vrfOf[r.ports[s.port]]
		pkt := ipOf(s.frame)
		for _, e := range r.out {
			if r.iso.vrfOf[e.link] == in {
				continue
			}
			crossed++
			if s.port != fuzzRA1 && s.port != fuzzRA2 {
				t.Errorf("seed %d into port %d: link %d of another VRF sent %s", i, s.port, e.link, summary(e.frame))
			}
			if err := r.iso.check(in, pkt, e.link, e.frame); err != nil {
				t.Errorf("seed %d: %v", i, err)
			}
			if err := noLeaks.check(in, pkt, e.link, e.frame); err == nil {
				t.Errorf("seed %d: link %d sent %s, and the rule without leaks allows it", i, e.link, summary(e.frame))
			}
		}
	}
	// Forwarded through b's device, through rb3's gateway and on to b's
	// gateway, both families; solicited; answered from b's address.
	if crossed < 12 {
		t.Errorf("%d frames crossed from a into b, want at least 12", crossed)
	}
}

package dataplane

import (
	"encoding/binary"
	"fmt"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/sim"
)

// Addresses of the validation cases: the router's on ra1 and ra2 (VRF a),
// the address the cases give VRF a's device, A1, A2, and a neighbour of
// ra1 that only the crafted frames speak for.
const (
	vRA1  = "2001:db8:1::1"
	vRA2  = "2001:db8:2::1"
	vVRF  = "2001:db8:9::1"
	vA1   = "2001:db8:1::10"
	vA2   = "2001:db8:2::10"
	vPeer = "2001:db8:1::77"
)

// peerMAC is the link-layer address the crafted NDP options and ARP
// senders give.
var peerMAC = header.MAC{0x02, 0, 0, 0, 0, 0x77}

// frameSpec is an IPv6 packet a case sends from A1's MAC: its addresses,
// hop limit (64 when zero; NDP cases set 255), extension headers and upper
// layer. The Next Header fields chain exts to upper, whose protocol is
// proto.
type frameSpec struct {
	src, dst string
	hl       uint8
	l2       header.MAC // the frame's destination; zero: ra1's MAC or dst's group MAC
	exts     []ext6
	proto    uint8
	upper    []byte
}

// ext6 is an extension header: its type and its octets after the Next
// Header field.
type ext6 struct {
	typ  uint8
	rest []byte
}

// build returns the frame for s's router.
func (f frameSpec) build(s *seedLab) []byte {
	dst := ip(f.dst)
	mac := f.l2
	switch {
	case mac != header.MAC{}:
	case dst.IsMulticast():
		mac = multicastMAC(dst)
	default:
		mac = s.mac("ra1")
	}
	var payload []byte
	next := f.proto
	for i := len(f.exts) - 1; i >= 0; i-- {
		e := f.exts[i]
		payload = append(append([]byte{next}, e.rest...), payload...)
		next = e.typ
	}
	if f.hl == 0 {
		f.hl = 64
	}
	return ipv6Frame(mac, s.a1.MAC(), header.IPv6Fields{NextHeader: next, HopLimit: f.hl, Src: ip(f.src), Dst: dst},
		append(payload, f.upper...))
}

// opts returns an options header's octets after the Next Header field,
// for options that fill it to a multiple of 8.
func opts(o ...byte) []byte {
	if (len(o)+2)%8 != 0 {
		panic(fmt.Sprintf("options of %d octets do not fill a header", len(o)))
	}
	return append([]byte{byte((len(o)+2)/8 - 1)}, o...)
}

// skipOpts returns n unknown options that say to skip them, 4 octets each.
func skipOpts(n int) []byte {
	var o []byte
	for range n {
		o = append(o, 0x1e, 2, 0, 0)
	}
	return o
}

// destOpts and hopOpts are options headers; routing is a Routing header
// of type typ with Segments Left left and one address.
func destOpts(o ...byte) ext6 { return ext6{header.ProtoDestOpts, opts(o...)} }
func hopOpts(o ...byte) ext6  { return ext6{header.ProtoHopByHop, opts(o...)} }
func routing(typ, left uint8) ext6 {
	return ext6{header.ProtoRouting, append([]byte{2, typ, left, 0, 0, 0, 0}, make([]byte, 16)...)}
}

// atomicFrag is the Fragment header of an atomic fragment (RFC 6946).
var atomicFrag = ext6{header.ProtoFragment, []byte{0, 0, 0, 0, 0, 0, 1}}

// icmp6Msg returns an ICMPv6 message with its checksum for src and dst.
func icmp6Msg(src, dst string, typ, code uint8, body ...byte) []byte {
	m := append([]byte{typ, code, 0, 0}, body...)
	header.ICMPv6(m).SetChecksum(header.ICMPv6(m).CalculateChecksum(ip(src), ip(dst)))
	return m
}

// lla is a link-layer address option of type typ (1 source, 2 target)
// for mac; lla16 one of 16 octets, which Ethernet cannot use.
func lla(typ uint8, mac header.MAC) []byte { return append([]byte{typ, 1}, mac[:]...) }
func lla16(typ uint8, mac header.MAC) []byte {
	return append(append([]byte{typ, 2}, mac[:]...), make([]byte, 8)...)
}

// nsMsg, naMsg, rsMsg, raMsg and redirectMsg return NDP messages.
func nsMsg(src, dst, target string, code uint8, o ...byte) []byte {
	t := ip(target).As16()
	return icmp6Msg(src, dst, header.ICMPv6NeighborSolicit, code, append(append(make([]byte, 4), t[:]...), o...)...)
}

func naMsg(src, dst, target string, flags uint8, o ...byte) []byte {
	t := ip(target).As16()
	return icmp6Msg(src, dst, header.ICMPv6NeighborAdvert, 0, append(append([]byte{flags, 0, 0, 0}, t[:]...), o...)...)
}

func rsMsg(src, dst string, o ...byte) []byte {
	return icmp6Msg(src, dst, header.ICMPv6RouterSolicit, 0, append(make([]byte, 4), o...)...)
}

func raMsg(src, dst string, o ...byte) []byte {
	return icmp6Msg(src, dst, header.ICMPv6RouterAdvert, 0, append([]byte{64, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, o...)...)
}

func redirectMsg(src, dst, target, to string) []byte {
	t, d := ip(target).As16(), ip(to).As16()
	return icmp6Msg(src, dst, header.ICMPv6Redirect, 0, append(append(make([]byte, 4), t[:]...), d[:]...)...)
}

// arpSpec is an ARP packet a case sends from A1's port to broadcast, for
// peerMAC, with its fields as given (zero: those of a valid request).
type arpSpec struct {
	hrd, pro, op uint16
	hln, pln     uint8
	sip, tip     string
	cut          int // octets cut off the end
}

func (a arpSpec) build(s *seedLab) []byte {
	b := make([]byte, header.EthernetLen+header.ARPLen)
	header.Ethernet(b).Encode(header.MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, s.a1.MAC(), header.EtherTypeARP)
	p := header.ARP(b[header.EthernetLen:])
	p.Encode(header.ARPRequest, peerMAC, ip(a.sip), header.MAC{}, ip(a.tip))
	set16 := func(off int, v uint16) {
		if v != 0 {
			binary.BigEndian.PutUint16(p[off:], v)
		}
	}
	set16(0, a.hrd)
	set16(2, a.pro)
	set16(6, a.op)
	if a.hln != 0 {
		p[4] = a.hln
	}
	if a.pln != 0 {
		p[5] = a.pln
	}
	return b[:len(b)-a.cut]
}

// answers names what the router sent A1: ICMP and ICMPv6 messages
// ("icmp6 4/2@42", "icmp6 129", "icmp 3/3"), Neighbor Advertisements
// ("na") and ARP replies ("arp reply"). The router's own resolution (NS,
// ARP requests) and what A2 answered through it are left out.
func answers(h *sim.Host) []string {
	var out []string
	for _, f := range h.Captured() {
		eth := header.Ethernet(f.Data)
		if eth.Validate() != header.ReasonNone {
			continue
		}
		switch p := eth.Payload(); eth.Type() {
		case header.EtherTypeARP:
			if a := header.ARP(p); a.Validate() == header.ReasonNone && a.Op() == header.ARPReply {
				out = append(out, "arp reply")
			}
		case header.EtherTypeIPv4:
			v := header.IPv4(p)
			if v.Validate() == header.ReasonNone && v.Protocol() == header.ProtoICMP && v.Src() != ip("192.168.2.10") {
				m := v.Payload()
				out = append(out, fmt.Sprintf("icmp %d/%d", m[0], m[1]))
			}
		case header.EtherTypeIPv6:
			v := header.IPv6(p)
			if v.Validate() != header.ReasonNone || v.NextHeader() != header.ProtoICMPv6 || v.Src() == ip(vA2) {
				continue
			}
			m := v.Payload()
			switch m[0] {
			case header.ICMPv6NeighborAdvert:
				out = append(out, naString(header.NeighborAdvert(m)))
			case header.ICMPv6NeighborSolicit, header.ICMPv6RouterSolicit:
			case header.ICMPv6ParamProblem:
				out = append(out, fmt.Sprintf("icmp6 4/%d@%d", m[1], binary.BigEndian.Uint32(m[4:])))
			case header.ICMPv6EchoReply:
				out = append(out, "icmp6 129")
			default:
				out = append(out, fmt.Sprintf("icmp6 %d/%d", m[0], m[1]))
			}
		}
	}
	return out
}

// naString names a Neighbor Advertisement by its flags and whether it
// carries a target link-layer option: "na RSO tll".
func naString(na header.NeighborAdvert) string {
	s := "na "
	for _, f := range []struct {
		bit  uint8
		name string
	}{{header.NAFlagRouter, "R"}, {header.NAFlagSolicited, "S"}, {header.NAFlagOverride, "O"}} {
		if na.Flags()&f.bit != 0 {
			s += f.name
		}
	}
	if _, ok := na.Options().LinkAddr(header.NDPOptTargetLinkAddr); ok {
		s += " tll"
	}
	return s
}

// forwardedTo counts the frames A2 received from the router that are not
// its own resolution.
func forwardedTo(h *sim.Host) int {
	n := 0
	for _, p := range frames(h, header.EtherTypeIPv6) {
		if v := header.IPv6(p); v.Validate() == header.ReasonNone && v.Dst() == ip(vA2) &&
			!(v.NextHeader() == header.ProtoICMPv6 && header.IsNDP(v.Payload()[0])) {
			n++
		}
	}
	for _, p := range frames(h, header.EtherTypeIPv4) {
		if v := header.IPv4(p); v.Validate() == header.ReasonNone && v.Dst() == ip("192.168.2.10") {
			n++
		}
	}
	return n
}

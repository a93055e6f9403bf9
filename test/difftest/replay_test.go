package difftest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/dataplane"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/port/mem"
)

// TestReplayInputQueries sends the input queries of the differential
// test (`route get DST from SRC iif DEV ...`) as real packets into the
// data plane, over the same random configurations, and checks that the
// forwarding decision is the one route get reports: a refusal for an
// error (with the reason its errno names), delivery to the router for a
// local, broadcast or multicast answer, and for a unicast answer the
// packet leaving by the answered device toward the answered gateway (or
// the destination on link). No root: govrf only, against itself.
//
// Queries a received packet cannot ask are left out: those with a mark
// (no frame carries one) or arriving on lo or a link that is down
// (it receives nothing), and IPv6 ones that ipv6_rcv
// settles before any route (groups, link-local and loopback
// destinations, impossible sources).
func TestReplayInputQueries(t *testing.T) {
	replayed := 0
	for i := range *flagConfigs {
		cfg := Generate(*flagSeed, i)
		g := NewGovrf()
		g.Apply(cfg.Cmds)
		for _, q := range Queries(cfg, *flagSeed, i, *flagQueries) {
			rq, ok := inputQuery(g, q)
			if !ok {
				continue
			}
			replayed++
			if msg := replay(t, g.ctl, rq); msg != "" {
				t.Errorf("config %d: %s: %s", i, q, msg)
			}
		}
	}
	if replayed < 100 {
		t.Fatalf("only %d queries replayed", replayed)
	}
	t.Logf("%d input queries replayed as packets", replayed)
}

// inputQuery turns an input query into a control.RouteQuery, or reports
// that a received packet cannot ask it.
func inputQuery(g *Govrf, q Query) (control.RouteQuery, bool) {
	s := g.ctl.Snapshot()
	words := q.resolve(g.linkLocals())[2:]
	var rq control.RouteQuery
	var err error
	if rq.Dst, err = netip.ParseAddr(words[0]); err != nil {
		return rq, false
	}
	for k := 1; k+1 < len(words); k += 2 {
		v := words[k+1]
		switch words[k] {
		case "from":
			rq.Src, err = netip.ParseAddr(v)
		case "iif":
			if l := s.LinkByName(v); l != nil && l.Kind != control.KindLoopback && l.Up {
				rq.Iif = l.Index
			}
		case "tos":
			var n uint64
			n, err = strconv.ParseUint(v, 0, 8)
			rq.Tos = uint8(n)
		case "ipproto":
			rq.IPProto = map[string]uint8{"tcp": header.ProtoTCP, "udp": header.ProtoUDP}[v]
		case "sport", "dport":
			var n uint64
			n, err = strconv.ParseUint(v, 10, 16)
			if words[k] == "sport" {
				rq.Sport = uint16(n)
			} else {
				rq.Dport = uint16(n)
			}
		default: // mark, oif
			return rq, false
		}
		if err != nil {
			return rq, false
		}
	}
	if rq.Iif == 0 || !rq.Src.IsValid() || rq.Src.Is4() != rq.Dst.Is4() {
		return rq, false
	}
	if rq.IPProto == 0 {
		rq.IPProto = header.ProtoUDP // as inet_rtm_getroute builds it; a packet has one
	}
	if rq.Dst.Is6() {
		d, src := rq.Dst, rq.Src
		if d.IsMulticast() || d.IsLinkLocalUnicast() || d.IsLoopback() ||
			src.IsMulticast() || src.IsLoopback() || src.Is4In6() {
			return rq, false
		}
	}
	return rq, true
}

// routeStage are the reasons only the input route gives.
var routeStage = map[dataplane.Reason]syscall.Errno{
	dataplane.ReasonMartianSource:      syscall.EINVAL,
	dataplane.ReasonMartianDestination: syscall.EINVAL,
	dataplane.ReasonBlackhole:          syscall.EINVAL,
	dataplane.ReasonMulticast:          syscall.EINVAL,
	dataplane.ReasonMulticastNotJoined: syscall.EINVAL, // the link layer's part of a group not joined
	dataplane.ReasonNoRoute:            syscall.ENETUNREACH,
	dataplane.ReasonUnreachableRoute:   syscall.EHOSTUNREACH,
	dataplane.ReasonForwardingDisabled: syscall.EHOSTUNREACH,
	dataplane.ReasonProhibited:         syscall.EACCES,
}

// replay sends rq as a packet through a fresh data plane over ctl and
// returns what disagrees with route get, or "".
func replay(t *testing.T, ctl *control.Control, rq control.RouteQuery) string {
	s := ctl.Snapshot()
	ans, gerr := s.RouteGet(rq)
	dp := dataplane.New(ctl, neigh.NewManualClock(time.Unix(0, 0)), dataplane.Config{})
	far := map[int]*mem.Port{}
	for l := range s.Links() {
		if l.Kind == control.KindDummy {
			near, f := mem.Pair(mem.Config{Name: l.Name, MAC: header.MAC(l.MAC)}, mem.Config{Name: "far-" + l.Name, MAC: peerMAC})
			if err := dp.Attach(l.Index, near); err != nil {
				t.Fatal(err)
			}
			far[l.Index] = f
		}
	}
	in := s.Link(rq.Iif)
	far[rq.Iif].Write([][]byte{frame(header.MAC(in.MAC), rq)}, 0)
	dp.Poll()
	st := dp.Stats().Ports[in.Name]
	var reasons []dataplane.Reason
	for r := range dataplane.Reason(dataplane.NumReasons) {
		if st.Drops[r]+st.Answered[r] > 0 {
			reasons = append(reasons, r)
		}
	}
	got := fmt.Sprintf("forwarded %d, delivered %d, refused %v", st.Forwarded, st.Delivered, reasons)
	if gerr != nil {
		errno := syscall.Errno(0)
		errors.As(gerr, &errno)
		if len(reasons) != 1 || routeStage[reasons[0]] != errno {
			return fmt.Sprintf("route get fails with %v; the packet was %s", errno, got)
		}
		return ""
	}
	for _, r := range reasons {
		if _, ok := routeStage[r]; ok && !forwardStage(s, rq, ans, r) {
			return fmt.Sprintf("route get answers %v; the packet was %s", ans.Type, got)
		}
	}
	switch ans.Type {
	case fib.TypeUnicast:
		if len(reasons) > 0 {
			return "" // refused by ip_forward, after the route (TTL, scope, MTU)
		}
		nh := ans.Gateway
		if !nh.IsValid() {
			nh = rq.Dst
		}
		if rq.Dst.Is6() && s.Sysctl().MultipathHashPolicy6 == 3 {
			// Under the custom policy an IPv6 packet's hash joins
			// outer and inner fields (rt6_multipath_custom_hash_skb)
			// where route get hashes the flow alone: the two may take
			// different paths of a multipath route, in Linux too.
			if st.Forwarded != 1 || !solicitsAny(far) {
				return fmt.Sprintf("route get answers unicast; the packet was %s without a solicitation", got)
			}
			return ""
		}
		f, ok := far[ans.Dev]
		if st.Forwarded != 1 || !ok || !solicits(f, nh) {
			return fmt.Sprintf("route get answers unicast dev %s via %v; the packet was %s without a solicitation for %v there",
				s.Link(ans.Dev).Name, ans.Gateway, got, nh)
		}
	default:
		if st.Forwarded != 0 {
			return fmt.Sprintf("route get answers %v; the packet was %s", ans.Type, got)
		}
	}
	return ""
}

// forwardStage reports whether reason r, which the input route also
// gives, came from a check ip6_forward makes after a unicast route.
func forwardStage(s *control.Snapshot, rq control.RouteQuery, ans control.RouteAnswer, r dataplane.Reason) bool {
	if ans.Type != fib.TypeUnicast || rq.Dst.Is4() {
		return false
	}
	return r == dataplane.ReasonForwardingDisabled && !s.Sysctl().IPv6Forwarding ||
		r == dataplane.ReasonMartianSource && rq.Src.IsUnspecified()
}

var peerMAC = header.MAC{0x02, 0, 0, 0, 0, 0xfe}

// frame builds the packet rq describes, to the port's MAC (or to the
// group's or the broadcast MAC), carrying UDP or TCP with its ports.
func frame(portMAC header.MAC, rq control.RouteQuery) []byte {
	l4 := make([]byte, 20)
	binary.BigEndian.PutUint16(l4, rq.Sport)
	binary.BigEndian.PutUint16(l4[2:], rq.Dport)
	switch rq.IPProto {
	case header.ProtoTCP:
		l4[12], l4[13] = 5<<4, 0x02 // SYN
	default:
		binary.BigEndian.PutUint16(l4[4:], uint16(len(l4)))
	}
	dst := portMAC
	switch d := rq.Dst; {
	case d.Is4() && d == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		dst = header.BroadcastMAC
	case d.Is4() && d.IsMulticast():
		a := d.As4()
		dst = header.MAC{0x01, 0, 0x5e, a[1] & 0x7f, a[2], a[3]}
	}
	if rq.Dst.Is4() {
		b := make([]byte, header.EthernetLen+header.IPv4MinLen+len(l4))
		header.Ethernet(b).Encode(dst, peerMAC, header.EtherTypeIPv4)
		header.IPv4(b[header.EthernetLen:]).Encode(&header.IPv4Fields{TOS: rq.Tos, TotalLength: uint16(header.IPv4MinLen + len(l4)),
			TTL: 64, Protocol: rq.IPProto, Src: rq.Src, Dst: rq.Dst})
		copy(b[header.EthernetLen+header.IPv4MinLen:], l4)
		return b
	}
	b := make([]byte, header.EthernetLen+header.IPv6Len+len(l4))
	header.Ethernet(b).Encode(dst, peerMAC, header.EtherTypeIPv6)
	header.IPv6(b[header.EthernetLen:]).Encode(&header.IPv6Fields{TrafficClass: rq.Tos, PayloadLength: uint16(len(l4)),
		NextHeader: rq.IPProto, HopLimit: 64, Src: rq.Src, Dst: rq.Dst})
	copy(b[header.EthernetLen+header.IPv6Len:], l4)
	return b
}

// solicitsAny reports whether the router sent an ARP request or a
// neighbour solicitation out of any port.
func solicitsAny(far map[int]*mem.Port) bool {
	for _, f := range far {
		if solicits(f, netip.Addr{}) {
			return true
		}
	}
	return false
}

// solicits reports whether the router sent, out of the far end's peer,
// an ARP request or neighbour solicitation for nh (for any target when
// nh is the zero Addr).
func solicits(f *mem.Port, nh netip.Addr) bool {
	bufs := [][]byte{make([]byte, 2048), make([]byte, 2048), make([]byte, 2048), make([]byte, 2048)}
	sizes := make([]int, len(bufs))
	n, _ := f.TryRead(bufs, sizes, 0)
	for i := range n {
		b := bufs[i][:sizes[i]]
		eth := header.Ethernet(b)
		p := b[header.EthernetLen:]
		switch eth.Type() {
		case header.EtherTypeARP:
			if len(p) >= header.ARPLen && (!nh.IsValid() || header.ARP(p).TargetIP() == nh) {
				return true
			}
		case header.EtherTypeIPv6:
			// An NS: ICMPv6 type 135, the target after four reserved octets.
			if len(p) >= header.IPv6Len+24 && p[6] == header.ProtoICMPv6 && p[header.IPv6Len] == 135 &&
				(!nh.IsValid() || netip.AddrFrom16([16]byte(p[header.IPv6Len+8:header.IPv6Len+24])) == nh) {
				return true
			}
		}
	}
	return false
}

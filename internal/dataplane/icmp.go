package dataplane

import (
	"net/netip"
	"time"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/header"
)

// defaultTTL is the TTL and hop limit of packets the router originates
// (net.ipv4.ip_default_ttl, net.ipv6.conf.all.hop_limit).
const defaultTTL = 64

// dummy4 is the source of an ICMP error when the ingress VRF has no IPv4
// address to send it from (RFC 7600 §4.8, as Linux's INADDR_DUMMY).
var dummy4 = netip.AddrFrom4([4]byte{192, 0, 0, 8})

var limitedBroadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// icmpError answers pk, refused for r, with r's ICMP error (rest: the MTU
// of frag needed and packet too big), and counts the frame as answered,
// or as dropped when no error could go.
func (w *worker) icmpError(pk *packet, r Reason, rest uint32) {
	typ, code, ok := errorFor(r, pk.v6())
	if !ok {
		w.drop(pk, r)
		return
	}
	w.refuse(pk, r, typ, code, rest)
}

// refuse sends an ICMP error of type typ and code about pk and counts the
// frame.
func (w *worker) refuse(pk *packet, r Reason, typ, code uint8, rest uint32) {
	if pk.tr != nil {
		pk.tr.icmp(pk, r, typ, code)
	}
	if w.icmpSend(pk, typ, code, rest) {
		w.answered(pk, r)
	} else {
		w.drop(pk, r)
	}
}

// paramProblem answers a header problem with the Parameter Problem it
// asks for (RFC 792, RFC 4443 §3.4), or drops the frame silently.
func (w *worker) paramProblem(pk *packet, prob header.Problem) {
	r := ReasonOf(prob.Reason)
	switch {
	case !prob.Send:
		w.drop(pk, r)
	case pk.v6():
		w.refuse(pk, r, header.ICMPv6ParamProblem, prob.Code, prob.Pointer)
	default:
		w.refuse(pk, r, header.ICMPv4ParamProblem, prob.Code, prob.Pointer<<24)
	}
}

// errorFor returns the ICMP or ICMPv6 error that answers r (ip_error,
// ip6_pkt_drop, ip_forward, arp_error_report, ndisc_error_report); false
// when none does.
func errorFor(r Reason, v6 bool) (typ, code uint8, ok bool) {
	type msg struct{ typ, code uint8 }
	var m4, m6 msg
	switch r {
	case ReasonNoRoute:
		m4, m6 = msg{3, header.ICMPv4NetUnreachable}, msg{1, header.ICMPv6NoRoute}
	case ReasonUnreachableRoute:
		m4, m6 = msg{3, header.ICMPv4HostUnreachable}, msg{1, header.ICMPv6NoRoute}
	case ReasonProhibited:
		m4, m6 = msg{3, header.ICMPv4AdminProhibited}, msg{1, header.ICMPv6AdminProhibited}
	case ReasonTTLExceeded:
		m4, m6 = msg{11, header.ICMPv4TTLExceeded}, msg{3, header.ICMPv6HopLimitExceeded}
	case ReasonFragNeeded:
		m4 = msg{3, header.ICMPv4FragNeeded}
	case ReasonPacketTooBig:
		m6 = msg{2, 0}
	case ReasonNeighFailed:
		m4, m6 = msg{3, header.ICMPv4HostUnreachable}, msg{1, header.ICMPv6AddrUnreachable}
	case ReasonBeyondScope:
		m6 = msg{1, header.ICMPv6BeyondScope}
	}
	m := m4
	if v6 {
		m = m6
	}
	return m.typ, m.code, m.typ != 0
}

// icmpSend is icmp_send or icmp6_send for pk's family.
func (w *worker) icmpSend(pk *packet, typ, code uint8, rest uint32) bool {
	if pk.v6() {
		return w.icmp6Send(pk, typ, code, rest)
	}
	return w.icmp4Send(pk, typ, code, rest)
}

// v6 reports whether pk carries IPv6.
func (pk *packet) v6() bool { return ethernet(pk.ip) == header.EtherTypeIPv6 }

// icmp4Send is __icmp_send: it builds the error in place of pk and sends
// it, and reports whether it did. In its order: never about a broadcast or
// multicast (IP or link layer), a non-first fragment, an invalid source or
// an ICMP error (RFC 1812 §4.3.2.7); the global rate limit; the route back
// to the source in the INGRESS VRF (the 2020 l3mdev fix; I3); the source:
// the packet's destination if it was ours, else the inbound port's address
// with icmp_errors_use_inbound_ifaddr, else the one the route selects,
// else 192.0.0.8; the per-destination rate limit.
func (w *worker) icmp4Send(pk *packet, typ, code uint8, rest uint32) bool {
	ip := header.IPv4(pk.ip)
	src := ip.Src()
	switch {
	case pk.group || pk.l2 != pktHost || ip.FragmentOffset() != 0:
		return false
	case src.IsUnspecified() || src.IsMulticast() || src == limitedBroadcast || src.IsLoopback():
		return false
	case ip.Protocol() == header.ProtoICMP:
		if m := ip.Payload(); len(m) == 0 || header.IsICMPv4Error(m[0]) {
			return false
		}
	}
	sc := w.snap.Sysctl()
	limited := ratemasked4(typ, code)
	now := w.p.clock.Now()
	if limited && !w.p.limits.global(now, sc.ICMPMsgsPerSec, sc.ICMPMsgsBurst) {
		w.ratelimited(pk)
		return false
	}
	var saddr netip.Addr
	switch {
	case pk.local:
		saddr = ip.Dst()
	case sc.ICMPErrorsInbound:
		saddr = w.snap.SelectSrc4(pk.iif, src, fib.ScopeLink)
	}
	tos := ip.TOS()&0x1e | 0xc0 // RT_TOS and precedence 6 (RFC 1812 §4.3.2.5)
	var rt route
	if w.outputRoute(&rt, pk.dom, 0, saddr, src, tos) != none {
		return false
	}
	if !saddr.IsValid() {
		if saddr = w.source(&rt, src); !saddr.IsValid() {
			saddr = dummy4
		}
	}
	ms := time.Duration(sc.ICMPRatelimitMs) * time.Millisecond
	if limited && !w.p.limits.peer(peerKey{pk.dom.vrf, src}, ms, now) {
		w.ratelimited(pk)
		return false
	}
	e := header.ICMPv4Error{Type: typ, Code: code, Rest: rest, Src: saddr, Dst: src,
		TOS: tos, TTL: defaultTTL, ID: w.nextID()}
	n := e.Encode(pk.buf[header.EthernetLen:], pk.ip)
	if n == 0 {
		return false
	}
	w.send(&rt, pk.buf[:header.EthernetLen+n])
	return true
}

// ratemasked4 reports whether icmp_ratemask (0x1818: destination
// unreachable, source quench, time exceeded, parameter problem) limits an
// ICMP type; frag needed never is, so path MTU discovery works.
func ratemasked4(typ, code uint8) bool {
	const ratemask = 0x1818
	if typ == header.ICMPv4DstUnreachable && code == header.ICMPv4FragNeeded {
		return false
	}
	return typ < 32 && ratemask&(1<<typ) != 0
}

// ratelimited counts an error the limits held back.
func (w *worker) ratelimited(pk *packet) {
	pk.stats.ratelimited.Add(1)
	pk.vrf.ratelimited.Add(1)
}

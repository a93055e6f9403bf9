package dataplane

import (
	"net/netip"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
)

// netifReceive is the link-layer stage (__netif_receive_skb, eth_type_trans):
// it takes frames for the port's MAC, broadcast, and the IPv6 groups the
// port joined, and hands them on by EtherType.
func (w *worker) netifReceive(pk *packet) {
	eth := header.Ethernet(pk.frame)
	if r := eth.Validate(); r != header.ReasonNone {
		w.drop(pk, ReasonOf(r))
		return
	}
	if pk.link == nil || !pk.link.Up || pk.in.gone.Load() {
		w.drop(pk, ReasonLinkDown)
		return
	}
	if eth.Tags() != 0 {
		// AF_PACKET hands tags over in auxiliary data; a tag in the
		// frame is never stripped and taken as untagged (I6).
		w.drop(pk, ReasonVLANTagged)
		return
	}
	switch dst := eth.Dst(); {
	case dst == pk.in.mac:
		pk.l2 = pktHost
	case dst.IsBroadcast():
		pk.l2 = pktBroadcast
	case dst.IsMulticast() && joinedMAC(pk.link, dst):
		pk.l2 = pktMulticast
	case dst.IsMulticast():
		w.drop(pk, ReasonMulticastNotJoined)
		return
	default:
		w.drop(pk, ReasonOtherHost)
		return
	}
	payload := pk.frame[header.EthernetLen:]
	switch eth.Type() {
	case header.EtherTypeARP:
		w.arpRcv(pk, header.ARP(payload))
	case header.EtherTypeIPv4:
		w.ipRcv(pk, header.IPv4(payload))
	case header.EtherTypeIPv6:
		w.ipv6Rcv(pk, header.IPv6(payload))
	default:
		w.drop(pk, ReasonEtherType)
	}
}

// IPv6 groups every port joins: all nodes, and all routers since govrf
// forwards (RFC 4291 §2.7.1).
var (
	allNodes   = netip.MustParseAddr("ff02::1")
	allRouters = netip.MustParseAddr("ff02::2")
)

// allHostsMAC is 224.0.0.1's Ethernet address (RFC 1112 §6.4), the IPv4
// group every up interface joins (ip_mc_up).
var allHostsMAC = header.MAC{0x01, 0, 0x5e, 0, 0, 1}

// joinedMAC reports whether the port listens to group MAC m: IPv4's all
// hosts; IPv6's all nodes, all routers, or the solicited-node group of
// one of its addresses (RFC 2464 §7 maps each to 33:33 and its low 32
// bits).
func joinedMAC(l *control.Link, m header.MAC) bool {
	if m == allHostsMAC {
		return true
	}
	if m[0] != 0x33 || m[1] != 0x33 {
		return false
	}
	if m == multicastMAC(allNodes) || m == multicastMAC(allRouters) {
		return true
	}
	for _, a := range l.Addrs {
		if !a.Is4() && m == multicastMAC(header.SolicitedNode(a.Prefix.Addr())) {
			return true
		}
	}
	return false
}

// joinedGroup reports whether the port listens to IPv6 group g.
func joinedGroup(l *control.Link, g netip.Addr) bool {
	if g == allNodes || g == allRouters {
		return true
	}
	if !header.IsSolicitedNode(g) {
		return false
	}
	for _, a := range l.Addrs {
		if !a.Is4() && header.SolicitedNode(a.Prefix.Addr()) == g {
			return true
		}
	}
	return false
}

// multicastMAC maps an IPv6 group to its Ethernet address.
func multicastMAC(g netip.Addr) header.MAC {
	v := g.As16()
	return header.MAC{0x33, 0x33, v[12], v[13], v[14], v[15]}
}

// hasAddr reports whether a is an address of link l.
func hasAddr(l *control.Link, a netip.Addr) bool {
	for _, x := range l.Addrs {
		if x.Prefix.Addr() == a {
			return true
		}
	}
	return false
}

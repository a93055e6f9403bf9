package dataplane

import (
	"github.com/govrf/govrf/internal/header"
)

// announce tells a port's link about addresses that appeared on it since
// the last look: a gratuitous ARP (an RFC 5227 announcement: sender and
// target both the address) for IPv4, an unsolicited Neighbor Advertisement
// to all nodes (RFC 4861 §7.2.6) for IPv6, so that neighbours replace what
// they cached at once. Linux does this with arp_notify and ndisc_notify;
// govrf always does, since a router's addresses moving between ports and
// VRFs is the common case here. It runs with the timers, which see every
// snapshot change within maxTickInterval.
func (w *worker) announce(b *binding) {
	l := w.snap.Link(b.index)
	if l == b.seen {
		return // published links are immutable: nothing changed
	}
	old := b.seen
	b.seen = l
	if l == nil || !l.Up {
		return
	}
	for _, a := range l.Addrs {
		ip := a.Prefix.Addr()
		if old != nil && old.Up && old.Master == l.Master && hasAddr(old, ip) {
			continue
		}
		if ip.Is4() {
			f := w.buffer(header.EthernetLen + header.ARPLen)
			header.Ethernet(f).Encode(header.BroadcastMAC, b.mac, header.EtherTypeARP)
			header.ARP(f[header.EthernetLen:]).Encode(header.ARPRequest, b.mac, ip, header.MAC{}, ip)
			w.queue(b, f)
			continue
		}
		f := w.buffer(header.EthernetLen + header.NeighborSolicitBufLen)
		n := header.PutNeighborAdvert(f[header.EthernetLen:], ip, allNodes, ip, header.NAFlagOverride, b.mac)
		if n == 0 {
			continue
		}
		header.Ethernet(f).Encode(multicastMAC(allNodes), b.mac, header.EtherTypeIPv6)
		w.queue(b, f[:header.EthernetLen+n])
	}
}

package sim

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/govrf/govrf/internal/header"
)

// Neighbour resolution timing: a host solicits three times a second apart
// and then gives up, as Linux does by default (mcast_solicit 3,
// retrans_time 1 s; RFC 4861 §10 MAX_MULTICAST_SOLICIT, RETRANS_TIMER).
const (
	solicitations = 3
	retransTime   = time.Second
)

var allNodes = netip.MustParseAddr("ff02::1")

// arpIn handles an ARP packet by RFC 826's algorithm: update the sender's
// entry if there is one, add it if the packet is for one of the host's
// addresses, and answer a request for one of them.
func (h *Host) arpIn(a header.ARP) {
	if r := a.Validate(); r != header.ReasonNone {
		h.drop("arp " + r.String())
		return
	}
	sip, tip := a.SenderIP(), a.TargetIP()
	mine := h.hasAddr(tip)
	if _, known := h.neigh[sip]; (known || mine) && !sip.IsUnspecified() {
		h.learn(sip, a.SenderMAC())
	}
	if !mine || a.Op() != header.ARPRequest {
		return
	}
	var b [header.ARPLen]byte
	header.ARP(b[:]).Encode(header.ARPReply, h.mac, tip, a.SenderMAC(), sip)
	h.sendFrame(a.SenderMAC(), header.EtherTypeARP, b[:])
}

// ndpIn handles a validated NDP message: it answers a Neighbor
// Solicitation for one of the host's addresses (RFC 4861 §7.2.3, §7.2.4)
// and learns from solicitations and advertisements. Router discovery and
// redirects are ignored: the host's gateways are configured.
func (h *Host) ndpIn(p *inPacket) {
	switch p.l4[0] {
	case header.ICMPv6NeighborSolicit:
		ns := header.NeighborSolicit(p.l4)
		target := ns.Target()
		if !h.hasAddr(target) || (p.dst != target && p.dst != header.SolicitedNode(target)) {
			return
		}
		dst, dstMAC := p.src, p.ethSrc
		flags := uint8(header.NAFlagSolicited | header.NAFlagOverride)
		if p.src.IsUnspecified() {
			// A DAD probe is answered to all nodes, unsolicited.
			dst, dstMAC, flags = allNodes, multicastMAC(allNodes), header.NAFlagOverride
		} else if mac, ok := ns.Options().LinkAddr(header.NDPOptSourceLinkAddr); ok {
			h.learn(p.src, mac)
			dstMAC = mac
		}
		var b [header.NeighborSolicitBufLen]byte
		n := header.PutNeighborAdvert(b[:], target, dst, target, flags, h.mac)
		h.sendFrame(dstMAC, header.EtherTypeIPv6, b[:n])
	case header.ICMPv6NeighborAdvert:
		na := header.NeighborAdvert(p.l4)
		mac, ok := na.Options().LinkAddr(header.NDPOptTargetLinkAddr)
		if !ok {
			mac = p.ethSrc
		}
		h.learn(na.Target(), mac)
	}
}

// learn records ip's address and sends the replies parked for it.
func (h *Host) learn(ip netip.Addr, mac header.MAC) {
	h.neigh[ip] = mac
	for _, r := range h.parked[ip] {
		h.sendFrame(mac, r.etherType, r.pkt)
	}
	delete(h.parked, ip)
}

// solicit sends an ARP request or a Neighbor Solicitation for nh from
// src, with h.mu held.
func (h *Host) solicit(nh, src netip.Addr) {
	if nh.Is4() {
		var b [header.ARPLen]byte
		header.ARP(b[:]).Encode(header.ARPRequest, h.mac, src, header.MAC{}, nh)
		h.sendFrame(header.BroadcastMAC, header.EtherTypeARP, b[:])
		return
	}
	dst := header.SolicitedNode(nh)
	var b [header.NeighborSolicitBufLen]byte
	n := header.PutNeighborSolicit(b[:], src, dst, nh, h.mac)
	h.sendFrame(multicastMAC(dst), header.EtherTypeIPv6, b[:n])
}

// linkAddr returns the Ethernet address for next hop nh when no
// resolution is needed: broadcast and multicast.
func linkAddr(nh netip.Addr) (header.MAC, bool) {
	switch {
	case nh == netip.IPv4Unspecified(), nh == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return header.BroadcastMAC, true
	case nh.Is6() && nh.IsMulticast():
		return multicastMAC(nh), true
	}
	return header.MAC{}, false
}

// multicastMAC maps an IPv6 multicast address to its Ethernet group
// address, 33:33 and the low 32 bits (RFC 2464 §7).
func multicastMAC(a netip.Addr) header.MAC {
	v := a.As16()
	return header.MAC{0x33, 0x33, v[12], v[13], v[14], v[15]}
}

// resolve returns nh's Ethernet address, soliciting it from src and
// waiting for the answer until deadline or the solicitations run out.
func (h *Host) resolve(nh, src netip.Addr, deadline time.Time) (header.MAC, error) {
	if mac, ok := linkAddr(nh); ok {
		return mac, nil
	}
	if mac, ok := h.Neighbor(nh); ok {
		return mac, nil
	}
	sent := 0
	solicit := func() {
		if sent == solicitations {
			return
		}
		sent++
		h.mu.Lock()
		h.solicit(nh, src)
		h.mu.Unlock()
	}
	solicit()
	if giveUp := h.net.clock.Now().Add(solicitations * retransTime); giveUp.Before(deadline) {
		deadline = giveUp
	}
	var mac header.MAC
	err := h.wait(deadline, func() bool {
		m, ok := h.neigh[nh]
		mac = m
		return ok
	}, retransTime, solicit)
	if err == ErrTimeout {
		err = ErrUnresolved
	}
	return mac, err
}

// Resolve returns ip's Ethernet address: the one the host has learned,
// or else the answer to its ARP or NDP solicitations, as arping and
// ndisc6 send them. ip need not be on a connected prefix.
func (h *Host) Resolve(ip netip.Addr) (header.MAC, error) {
	_, src, err := h.route(ip)
	if err != nil {
		src = h.firstAddr(ip.Is6())
	}
	mac, err := h.resolve(ip, src, h.net.clock.Now().Add(h.timeout))
	if err != nil {
		return mac, fmt.Errorf("%s: resolve %v: %w", h.name, ip, err)
	}
	return mac, nil
}

package neigh

import (
	"net/netip"
	"time"

	"github.com/govrf/govrf/internal/header"
)

// Message is the kind of packet Input learns from.
type Message uint8

// Messages Input understands. The address and MAC Input takes are the
// neighbour's: for ARP the sender's; for NS, RS and RA the IPv6 source
// and the source link-layer address option; for NA the target and the
// target link-layer address option.
const (
	ARPRequest      Message = iota + 1 // RFC 826 request
	ARPReply                           // RFC 826 reply
	NeighborSolicit                    // RFC 4861 §4.3
	NeighborAdvert                     // RFC 4861 §4.4
	RouterSolicit                      // RFC 4861 §4.1 (govrf always forwards, so it takes them)
	RouterAdvert                       // RFC 4861 §4.2
)

// Flags describe a message beyond its kind. The data plane sets them from
// the packet after validating it (header.ARP.Validate, header.ValidateNDP).
type Flags uint8

// Message flags.
const (
	// FlagTarget: the message's target is an address of the receiving
	// port's L3 domain (ARP target IP, NS target). ARP requests and NS
	// for other addresses teach nothing new.
	FlagTarget Flags = 1 << iota
	// FlagUnicast: ARP, the frame was sent to the port's MAC
	// (PACKET_HOST); NS, the IPv6 destination is not multicast.
	FlagUnicast
	// FlagGratuitous: ARP whose sender IP equals its target IP (for a
	// reply, with target MAC equal to sender MAC) and is a unicast address
	// in the port's L3 domain (arp_is_garp). It overrides despite locktime.
	FlagGratuitous
	// FlagSolicited, FlagOverride, FlagRouter: the NA's S, O and R flags.
	FlagSolicited
	FlagOverride
	FlagRouter
	// FlagNoLinkAddr: the NDP message carried no link-layer address
	// option; the MAC argument is ignored.
	FlagNoLinkAddr
)

// Input merges what a received ARP packet or NDP message says about the
// neighbour ip, as arp_process and ndisc_recv_ns/na/rs and
// ndisc_router_discovery do, and appends the queued packets that can now
// go out (OpTransmit) to acts. Messages that do not fit ip's family, and
// unspecified, multicast or loopback addresses, are ignored.
//
// ARP (arp_accept=0, RFC 826's merge): a request for one of our addresses
// creates or updates the sender's entry as STALE with the MAC it gives.
// Anything else only updates an existing entry: REACHABLE for a reply
// sent to us, STALE otherwise, a new MAC accepted only when the entry is
// older than locktime or the packet is gratuitous.
//
// NDP (RFC 4861 §7.2.3–7.2.5, §6.2.6, §6.3.4): an NS for our address, an
// RS or an RA with a link-layer address creates or updates the sender's
// entry as STALE. An NA only updates an existing entry that is not FAILED:
// REACHABLE if solicited, a different MAC accepted with O=1 and otherwise
// turning a REACHABLE entry STALE; its R flag sets the router flag.
func (c *Cache) Input(acts []Action, ip netip.Addr, mac header.MAC, msg Message, f Flags) []Action {
	ip = ip.WithZone("")
	arp := msg == ARPRequest || msg == ARPReply
	if !resolvable(ip) || arp != ip.Is4() {
		return acts
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	t := c.table(ip)
	if arp {
		return t.inputARP(acts, ip, mac, msg, f, now)
	}
	return t.inputNDP(acts, ip, mac, msg, f, now)
}

// inputARP is arp_process's part that touches the table.
func (t *table) inputARP(acts []Action, ip netip.Addr, mac header.MAC, msg Message, f Flags, now time.Time) []Action {
	e := t.lookup(ip)
	if msg == ARPRequest && f&FlagTarget != 0 {
		// neigh_event_ns: the requester will want our reply.
		if e == nil {
			if e, _ = t.create(ip, now, false); e == nil {
				return acts
			}
		}
		return t.update(acts, e, mac, true, StateStale, uOverride, now)
	}
	if e == nil {
		return acts
	}
	s := StateStale // broadcast replies and requests do not prove reachability
	if msg == ARPReply && f&FlagUnicast != 0 {
		s = StateReachable
	}
	var uf updateFlags
	// Of several replies back to back, keep the first (locktime).
	if f&FlagGratuitous != 0 || now.After(e.updated.Add(t.p.Locktime)) {
		uf = uOverride
	}
	return t.update(acts, e, mac, true, s, uf, now)
}

// inputNDP is the neighbour-cache part of ndisc_recv_ns, ndisc_recv_na,
// ndisc_recv_rs and ndisc_router_discovery.
func (t *table) inputNDP(acts []Action, ip netip.Addr, mac header.MAC, msg Message, f Flags, now time.Time) []Action {
	hasMAC := f&FlagNoLinkAddr == 0
	e := t.lookup(ip)
	var uf updateFlags
	s := StateStale
	switch msg {
	case NeighborSolicit:
		if f&FlagTarget == 0 {
			return acts
		}
		if f&FlagUnicast != 0 {
			t.stats.RcvProbesUcast++
		} else {
			t.stats.RcvProbesMcast++
		}
		uf = uWeakOverride | uOverride
	case NeighborAdvert:
		if e == nil || e.state == StateFailed {
			return acts
		}
		if f&FlagSolicited != 0 {
			s = StateReachable
		}
		uf = uWeakOverride | uOverrideIsRouter
		if f&FlagOverride != 0 {
			uf |= uOverride
		}
		if f&FlagRouter != 0 {
			uf |= uIsRouter
		}
	case RouterSolicit:
		uf = uWeakOverride | uOverride | uOverrideIsRouter
	case RouterAdvert:
		uf = uWeakOverride | uOverride | uOverrideIsRouter | uIsRouter
	default:
		return acts
	}
	if e == nil {
		// Without a link-layer address there is nothing to create an
		// entry with; resolution will make one if a reply needs it.
		if !hasMAC {
			return acts
		}
		if e, _ = t.create(ip, now, false); e == nil {
			return acts
		}
	}
	return t.update(acts, e, mac, hasMAC, s, uf, now)
}

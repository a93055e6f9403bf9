package dataplane

import (
	"strconv"

	"github.com/govrf/govrf/internal/header"
)

// Reason is why the pipeline did not forward or deliver a frame: the drop
// reason it counts, or the cause of the ICMP error it answered with. The
// values below header.NumReasons are the header validators' own reasons
// (ReasonOf), so one counter array covers both.
type Reason uint8

// ReasonOf returns the Reason of a header validator's refusal.
func ReasonOf(r header.Reason) Reason { return Reason(r) }

// Reasons the pipeline adds to the header validators'.
const (
	// ReasonVLANTagged: an 802.1Q or 802.1ad tagged frame. govrf has no
	// VLAN sub-interfaces, and a tagged frame is never taken as untagged
	// (docs/architecture.md, requirement I6).
	ReasonVLANTagged Reason = Reason(header.NumReasons) + iota
	// ReasonOtherHost: a unicast frame for another MAC (PACKET_OTHERHOST).
	ReasonOtherHost
	// ReasonMulticastNotJoined: a frame to a multicast MAC of a group the
	// port has not joined.
	ReasonMulticastNotJoined
	// ReasonEtherType: neither ARP, IPv4 nor IPv6.
	ReasonEtherType
	// ReasonLinkDown: the port's link is gone or administratively down.
	ReasonLinkDown
	// ReasonARPMartian: an ARP packet about a multicast or loopback
	// target (arp_process).
	ReasonARPMartian
	// ReasonMartianSource: a source no router accepts: multicast,
	// limited broadcast, 0/8, 127/8, one of the router's own addresses
	// (RFC 1812 §5.3.7, ip_route_input_slow, fib_validate_source); for
	// IPv6 multicast, loopback or v4-mapped (RFC 4291, ip6_rcv_core).
	ReasonMartianSource
	// ReasonMartianDestination: 0/8 or 127/8 off loopback, an IPv6
	// loopback or reserved-scope multicast destination, or a route that
	// is not unicast where forwarding needs one.
	ReasonMartianDestination
	// ReasonL2BroadcastUnicast: a link-layer broadcast or multicast frame
	// carrying a unicast IP destination (RFC 1812 §5.3.4).
	ReasonL2BroadcastUnicast
	// ReasonSourceRoute: an IPv4 loose or strict source route option,
	// refused as Linux does with accept_source_route=0 (RFC 7126 §4.3).
	ReasonSourceRoute
	// ReasonMulticast: an IP multicast destination; govrf does not route
	// multicast and joins no group beyond the IPv6 ones NDP needs.
	ReasonMulticast
	// ReasonLinkLocal: an IPv6 link-local destination that is not the
	// receiving port's; link-local packets never leave their link.
	ReasonLinkLocal
	// ReasonBeyondScope: an IPv6 link-local source to forward (RFC 4291
	// §2.5.6; ip6_forward answers ICMPv6 1/2).
	ReasonBeyondScope
	// ReasonHopByHopOption: an IPv6 Hop-by-Hop option whose type says to
	// discard the packet (RFC 8200 §4.2), a malformed known option (Router
	// Alert, IOAM, Jumbo Payload, CALIPSO), or a header past Linux's
	// bounds (tlvOptions: options, padding, length).
	ReasonHopByHopOption
	// ReasonRedirect: an NDP Redirect, which a router ignores (RFC 4861
	// §8.1).
	ReasonRedirect
	// ReasonForwardingDisabled: not for the router, and
	// net.ipv4.ip_forward or net.ipv6.conf.all.forwarding is 0.
	ReasonForwardingDisabled
	// ReasonNoRoute: no rule decided, or an `unreachable` rule
	// (ENETUNREACH): ICMP net unreachable, ICMPv6 no route.
	ReasonNoRoute
	// ReasonUnreachableRoute: an `unreachable` route (EHOSTUNREACH):
	// ICMP host unreachable, ICMPv6 no route.
	ReasonUnreachableRoute
	// ReasonProhibited: a `prohibit` route or rule (EACCES): ICMP
	// packet filtered (3/13), ICMPv6 administratively prohibited (1/1).
	ReasonProhibited
	// ReasonBlackhole: a `blackhole` route or rule: silence.
	ReasonBlackhole
	// ReasonTTLExceeded: TTL or hop limit at most 1 to forward (RFC 1812
	// §5.3.1, RFC 8200 §3).
	ReasonTTLExceeded
	// ReasonFragNeeded: an IPv4 packet with DF set longer than the next
	// hop's MTU (RFC 1191 §4).
	ReasonFragNeeded
	// ReasonPacketTooBig: an IPv6 packet longer than the next hop's MTU
	// (RFC 8200 §5, RFC 4443 §3.2).
	ReasonPacketTooBig
	// ReasonFragFailed: an IPv4 packet that cannot be cut to the MTU: the
	// MTU leaves less than 8 octets of data after the header.
	ReasonFragFailed
	// ReasonNoPort: the route's output link has no port attached (a
	// dummy device), or is loopback.
	ReasonNoPort
	// ReasonLeakLoop: a route leaked into a VRF led to another VRF
	// device; govrf follows one leak per packet.
	ReasonLeakLoop
	// ReasonNeighDropped: the next hop could not be resolved at all: too
	// many resolutions are under way on the port.
	ReasonNeighDropped
	// ReasonNeighTableFull: the next hop needed a new neighbour entry and
	// the port's table held gc_thresh3 entries that forced GC could not
	// free (Linux's "neighbor table overflow").
	ReasonNeighTableFull
	// ReasonNeighGlobalFull: the next hop needed a new neighbour entry and
	// net.govrf.neigh.max_entries, shared by every port, refused it
	// (neigh.Budget).
	ReasonNeighGlobalFull
	// ReasonNeighFailed: the next hop did not answer its solicitations;
	// queued packets are answered with host or address unreachable.
	ReasonNeighFailed
	// ReasonReasmOverlap: a fragment for the router overlapping one its
	// datagram's queue holds; the whole datagram is dropped (RFC 5722,
	// Linux's ReasmOverlaps for both families).
	ReasonReasmOverlap
	// ReasonReasmDuplicate: a fragment for the router lying within what
	// its datagram's queue holds, dropped alone (SKB_DROP_REASON_DUP_FRAG).
	ReasonReasmDuplicate
	// ReasonReasmMemory: a fragment for the router while its VRF's queues
	// of its family hold more than ipfrag_high_thresh (ip6frag_high_thresh).
	ReasonReasmMemory
	// ReasonReasmTimeout: a datagram not whole ipfrag_time (ip6frag_time)
	// seconds after its first fragment arrived, counted once per datagram
	// against its VRF (Linux's ReasmTimeout); its fragments were counted
	// as delivered, to reassembly, when they arrived.
	ReasonReasmTimeout
	// ReasonReasmTooFar: an IPv4 datagram whose fragments so far were
	// forgotten, its source having sent more than ipfrag_max_dist
	// fragments since its previous one (ip_frag_too_far), counted once
	// against its VRF; the fragment that found it so starts it afresh.
	ReasonReasmTooFar
	// ReasonEchoIgnored: an echo request to a broadcast or multicast
	// address, with icmp_echo_ignore_broadcasts set.
	ReasonEchoIgnored
	// ReasonNoSocket: UDP or TCP to a broadcast or multicast address,
	// which nothing listens to and nothing answers.
	ReasonNoSocket
	// ReasonLocalLoop: a packet the router generated that routes back to
	// the router itself.
	ReasonLocalLoop
	// ReasonTxError: the port refused the frame (closed).
	ReasonTxError
	// ReasonAcceptFull: a new flow of a VRF that tcp_l3mdev_accept or
	// udp_l3mdev_accept would hand to the default VRF's host stack, with
	// the table of such flows full or no client port free for it.
	ReasonAcceptFull
	// ReasonDestOption: an IPv6 Destination Options header for the router
	// whose option type says to discard the packet (RFC 8200 §4.2), or
	// past Linux's bounds (tlvOptions: options, padding, length).
	ReasonDestOption
	// ReasonRoutingGroup: a Routing header in a packet to a multicast
	// address or in a frame not sent to the port's MAC (ipv6_rthdr_rcv).
	ReasonRoutingGroup
	// ReasonNDPVRFDevice: an NDP message with extension headers received
	// on a VRF's port, which vrf_ip6_rcv hands to the VRF device: it
	// teaches no neighbour of the port and answers for none of its
	// addresses.
	ReasonNDPVRFDevice
	// ReasonVXLANMalformed: a datagram to a VXLAN port too short for the
	// VXLAN and inner Ethernet headers, or without the I flag or with
	// another flag set (vxlan_rcv).
	ReasonVXLANMalformed
	// ReasonVXLANUnknownVNI: a VXLAN frame whose VNI no VXLAN link of its
	// port and family has.
	ReasonVXLANUnknownVNI
	// ReasonVXLANEntryExists: a VXLAN frame whose inner source address
	// has a configured FDB entry to another remote, on a link that
	// learns (configured entries do not move; vxlan_snoop).
	ReasonVXLANEntryExists
	// ReasonVXLANNoFDB: a frame for a VXLAN port whose destination has
	// no FDB entry, with no all-zeros entry to flood it to.
	ReasonVXLANNoFDB
	// ReasonVXLANLoop: a tunnel inside a tunnel: an outer packet routed
	// out of a VXLAN port, or a VXLAN datagram inside a decapsulated
	// frame.
	ReasonVXLANLoop

	// NumReasons is the number of Reason values, for arrays of counters.
	NumReasons
)

var reasonNames = [NumReasons]string{
	ReasonVLANTagged:         "vlan_tagged",
	ReasonOtherHost:          "other_host",
	ReasonMulticastNotJoined: "multicast_not_joined",
	ReasonEtherType:          "unknown_ethertype",
	ReasonLinkDown:           "link_down",
	ReasonARPMartian:         "arp_martian",
	ReasonMartianSource:      "martian_source",
	ReasonMartianDestination: "martian_destination",
	ReasonL2BroadcastUnicast: "l2_broadcast_unicast",
	ReasonSourceRoute:        "source_route",
	ReasonMulticast:          "multicast",
	ReasonLinkLocal:          "link_local",
	ReasonBeyondScope:        "beyond_scope",
	ReasonHopByHopOption:     "hop_by_hop_option",
	ReasonRedirect:           "redirect",
	ReasonForwardingDisabled: "forwarding_disabled",
	ReasonNoRoute:            "no_route",
	ReasonUnreachableRoute:   "unreachable_route",
	ReasonProhibited:         "prohibited",
	ReasonBlackhole:          "blackhole",
	ReasonTTLExceeded:        "ttl_exceeded",
	ReasonFragNeeded:         "frag_needed",
	ReasonPacketTooBig:       "packet_too_big",
	ReasonFragFailed:         "frag_failed",
	ReasonNoPort:             "no_port",
	ReasonLeakLoop:           "leak_loop",
	ReasonNeighDropped:       "neigh_dropped",
	ReasonNeighTableFull:     "neigh_table_full",
	ReasonNeighGlobalFull:    "neigh_global_full",
	ReasonNeighFailed:        "neigh_failed",
	ReasonReasmOverlap:       "reasm_overlap",
	ReasonReasmDuplicate:     "reasm_duplicate",
	ReasonReasmMemory:        "reasm_mem_limit",
	ReasonReasmTimeout:       "reasm_timeout",
	ReasonReasmTooFar:        "reasm_too_far",
	ReasonEchoIgnored:        "echo_ignored",
	ReasonNoSocket:           "no_socket",
	ReasonLocalLoop:          "local_loop",
	ReasonTxError:            "tx_error",
	ReasonAcceptFull:         "accept_full",
	ReasonDestOption:         "dest_option",
	ReasonRoutingGroup:       "routing_group",
	ReasonNDPVRFDevice:       "ndp_vrf_device",
	ReasonVXLANMalformed:     "vxlan_malformed",
	ReasonVXLANUnknownVNI:    "vxlan_unknown_vni",
	ReasonVXLANEntryExists:   "vxlan_entry_exists",
	ReasonVXLANNoFDB:         "vxlan_no_fdb",
	ReasonVXLANLoop:          "vxlan_loop",
}

// String returns the reason as a metric label ("ttl_exceeded",
// "bad_checksum").
func (r Reason) String() string {
	switch {
	case r < ReasonVLANTagged:
		return header.Reason(r).String()
	case r < NumReasons:
		return reasonNames[r]
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// none is the zero Reason: nothing went wrong.
const none = Reason(header.ReasonNone)

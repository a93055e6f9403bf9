package dataplane

import (
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
)

// The pipeline, run for each frame of a batch; stages bear the names of
// the kernel functions they stand for:
//
//  1. netif_receive (l2.go): Ethernet checks, frames for the port's MAC,
//     broadcast or a joined group; tagged frames refused; EtherType.
//  2. arp_rcv (arp.go): requests for addresses of the port's L3 domain
//     answered; the port's neighbour cache learns.
//  3. ip_rcv, ipv6_rcv (ipv4.go, ipv6.go): header validation (RFC 1812
//     §5.2.2, RFC 8200), options and the extension chain; IPv6's
//     martians (ip6_rcv_core).
//  4. ndisc_rcv (ndp.go): every NDP message the router takes, whatever
//     address of it the message is for, is validated (RFC 4861 §6.1,
//     §7.1); NS for the port's addresses (and its VRF device's) answered
//     with NA; NA, RS and RA feed the cache.
//  5. l3mdev_ip_rcv, ip_route_input (ipv4.go, ipv6.go, route.go): the
//     flow takes the port's VRF as its L3 domain, iif stays the port;
//     control.Router.Input decides, as it does for `route get ... iif`:
//     martians, rule walk and LPM, source validation, forwarding.
//  6. ip_local_deliver (local.go, echo.go, reset.go): fragments
//     reassembled in the VRF first (ip_defrag, ipv6_frag_rcv: reasm*.go);
//     echo answered;
//     UDP to a VXLAN port in the default VRF decapsulated, the inner
//     frame run from stage 1 on the VXLAN link (vxlan_rcv: vxlan.go);
//     other packets go to the domain's host stack (stack.go; flows
//     l3mdev_accept takes, to the default VRF's: accept.go) or to
//     LocalDeliver, else are answered as a host without a listener (TCP
//     RST, port unreachable).
//  7. ip_forward, ip6_forward (forward.go): forwarding switch, TTL, the
//     second lookup of routes leaked through a VRF device (vrf_xmit),
//     MTU, fragmentation (fragment.go), TTL decrement.
//  8. icmp_send, icmp6_send (icmp.go, icmp6.go, ratelimit.go): errors
//     routed and sourced in the ingress VRF, under Linux's rate limits.
//  9. neigh_output (output.go): the egress port's neighbour cache; frames
//     wait in it while their next hop resolves.
// 10. dev_queue_xmit (worker.go): one Write per egress port per batch; a
//     VXLAN port's frames are encapsulated instead and routed in the
//     default VRF from stage 9 (vxlan_xmit: vxlan.go).

// pktType is where a frame was sent at the link layer (skb->pkt_type).
type pktType uint8

const (
	pktHost      pktType = iota // to the port's MAC
	pktBroadcast                // to ff:ff:ff:ff:ff:ff
	pktMulticast                // to a group the port joined
)

// packet is what the stages know about the frame in flight.
type packet struct {
	in    *binding      // the ingress port; nil for a host stack's packet
	stats *counters     // the counters of the port or host stack it came from
	link  *control.Link // its link
	iif   int           // its link index
	dom   domain        // its L3 domain: the ingress VRF
	vrf   *counters     // the ingress VRF's counters
	buf   []byte        // the frame's whole buffer, for answers built in place
	frame []byte        // the Ethernet frame as received
	l2    pktType
	ip    []byte       // the IP packet, trimmed to its length
	chain header.Chain // IPv6: the extension header chain
	// local: the destination is one of the router's addresses
	// (RTCF_LOCAL); errors about it are sourced from it.
	local bool
	// group: the IP destination is a broadcast or multicast address.
	group bool
	// reasm: the packet was reassembled from fragments (IP6SKB_FRAGMENTED).
	reasm bool
	// tr is the frame's trace record when `govrf trace` selected it
	// (trace.go); nil otherwise, and every trace point tests it first.
	tr *traceRec
}

// receive runs the pipeline for one frame of size octets in buf.
func (w *worker) receive(b *binding, l *control.Link, dom domain, buf []byte, size int) {
	w.rx.packets++
	w.rx.bytes += uint64(size)
	pk := &w.pk
	*pk = packet{in: b, stats: &b.stats, link: l, iif: b.index, dom: dom, vrf: w.vrfIn, buf: buf, frame: buf[:size]}
	if w.tracer != nil {
		w.traced(pk)
		return
	}
	w.netifReceive(pk)
}

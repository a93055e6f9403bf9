// Package packet attaches govrf to an existing kernel interface — a veth
// end, a TAP device another daemon created, a physical NIC — through an
// AF_PACKET socket, and presents it as a port.Port.
//
// # Receiving and sending
//
// The socket is bound to the interface with ETH_P_ALL and moves frames in
// batches with recvmmsg(2) and sendmmsg(2). PACKET_QDISC_BYPASS sends
// frames straight to the driver (packet_direct_xmit), as a NIC's own
// queue would take them, and keeps them away from the kernel's other
// packet taps. PACKET_IGNORE_OUTGOING, with a pkttype check behind it,
// keeps the frames the kernel itself sends on the interface out of Read.
//
// govrf answers for its own MAC address, which differs from the kernel
// interface's, so the socket joins the interface in promiscuous mode
// (PACKET_MR_PROMISC); the membership ends with the socket.
//
// The port is a port.Waiter: its reader waits for the socket and an
// eventfd in the Go runtime's poller (package wake), holding neither
// buffers nor a thread, and Close wakes it.
//
// # Super-frames
//
// A veth peer sends TCP unsegmented, in super-frames of up to 64 KiB
// (its TSO), and a NIC merges what it receives (GRO); the kernel hands
// such frames to packet taps whole. The socket asks for PACKET_VNET_HDR,
// so each frame comes after a virtio_net_hdr that says how to cut it,
// and the port cuts it with package gso into the wire packets it stands
// for before the reader sees them, as the sender's NIC would have: each
// segment is counted in RxPackets and RxBytes, and a super-frame that
// cannot be cut is one RX error.
//
// The reader's buffers are sized for the MTU, so recvmmsg(2) spills what
// does not fit into a slot of about 66 KiB the port keeps per frame of
// its batch: 4.1 MiB at the default batch of 64. Frames that fit are
// read straight into the reader's buffers, as before. From the first
// that does not, the rest of the batch moves into the slots, and the
// super-frames are cut into the reader's buffers; segments and frames
// that find no buffer are delivered, in order, by the next Read, which
// does not wait for the socket meanwhile. A frame longer than an
// ordinary one that is not a super-frame (a jumbo frame) is an RX error
// unless the reader's buffer holds it.
//
// A TSO sender sends a window's worth of super-frames at once, and the
// default receive queue (rmem_default, 208 KiB) holds three: the rest,
// dropped whole, made TCP through govrfd retransmit 15% of its segments.
// The socket asks for a 2 MiB queue (SO_RCVBUFFORCE, past rmem_max).
//
// The frames a sender left its checksum to hardware for (the vnet
// header's VIRTIO_NET_HDR_F_NEEDS_CSUM) are completed where the header
// says, as skb_checksum_help does before forwarding.
//
// Sending segments one by one would cost a send here and a receive at
// the far end per 1500 octets, where the kernel forwards the super-frame
// whole. So Write merges runs of adjacent segments of one TCP flow back
// into super-frames with gso.Coalescer, exactly as GRO would, and sends
// each behind a vnet header that describes it, its checksum left to the
// kernel; sendmmsg(2) gathers the payloads straight from the writer's
// buffers. The kernel passes a super-frame on whole to a device with TSO
// (veth, most NICs). Every other frame goes as it came, behind a zero
// vnet header, and nothing is reordered. TxPackets and TxBytes count the
// frames given to Write, not the super-frames. Config.NoCoalesce turns
// merging off.
//
// A device without TSO cannot take a super-frame through this socket:
// PACKET_QDISC_BYPASS hands frames to the driver with dev_direct_xmit,
// which drops (ENOBUFS) what it would have to segment. When the kernel
// refuses a super-frame, for that or any reason, the port sends its
// segments one by one instead, and sends the next 1024 batches without
// merging before it tries again.
//
// # VLAN tags
//
// On receive the kernel moves an 802.1Q tag out of the frame and into the
// skb (skb_vlan_untag, or the NIC's VLAN offload) before packet taps see
// it, so a socket that read only the frame would take tagged traffic for
// untagged. The port asks for PACKET_AUXDATA and puts the tag back into
// the frame, in place, before handing it to the reader: the data plane
// sees every tag and decides itself, dropping unknown VLAN IDs rather
// than treating them as untagged. A frame with no room left in its buffer
// for the tag is an RX error, never delivered untagged.
//
// # Keeping the kernel silent
//
// While govrf owns an interface the kernel must not answer on it. Three
// measures, together, achieve that:
//
//   - govrf uses its own MAC address. Frames to it reach the kernel as
//     PACKET_OTHERHOST, which ip_rcv_core and ipv6_rcv drop, so the
//     kernel neither delivers nor forwards them.
//   - Quiesce sets net.ipv6.conf.IF.disable_ipv6=1, which removes the
//     interface's IPv6 addresses and stops autoconfiguration, router
//     solicitations, MLD and NDP (addrconf_ifdown), and
//     net.ipv4.conf.IF.arp_ignore=8 and arp_announce=2, so arp_rcv does
//     not reply to broadcast ARP requests for the kernel's addresses on
//     other interfaces (arp_ignore in the default mode 0 answers for any
//     local address on any interface).
//   - Open refuses an interface that carries IPv4 addresses, since the
//     kernel routes and answers for those, unless Config.Force is set.
//
// Quiesce's changes outlive a process killed before Close. With
// Config.Journal the interface's original settings are recorded before
// any is changed, and a later Open takes them from the record rather
// than from the interface, which still has the quiesced values; see
// Journal.
package packet

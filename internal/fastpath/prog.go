package fastpath

import "github.com/cilium/ebpf/asm"

// Context offsets (struct xdp_md, struct __sk_buff).
const (
	xdpData, xdpDataEnd, xdpIngressIfindex      = 0, 4, 12
	skbLen, skbMark, skbVlanPresent, skbIfindex = 0, 8, 20, 40
	skbData, skbDataEnd                         = 76, 80
	skbGSOSize                                  = 176
)

// Verdicts: hand to the slow path.
const (
	xdpPass = 2
	tcActOK = 0
)

// Stack slots (offsets from R10).
const (
	stKey   = -4   // u32 key for the ports and counters lookups
	stIfidx = -8   // the ingress ifindex
	stSlot  = -12  // the ingress port slot
	stVRF   = -16  // the ingress VRF's outer slot
	stNH    = -20  // the nexthop id
	stIPLen = -24  // the IP packet's length
	stFam   = -28  // 4 or 6
	stFrame = -32  // the frame's length as received
	stDst   = -56  // LPM key of the destination (20 octets)
	stSrc   = -80  // LPM key of the source (20 octets)
	stDiff  = -84  // IPv6: the sum's change, for a CHECKSUM_COMPLETE skb
	stSeq   = -88  // the nexthop's Seq when first read
	stNow   = -96  // bpf_ktime_get_ns when the nexthop was read
	stMAC   = -104 // the nexthop's Dst and Flags word
	stSegs  = -108 // the packets the frame counts as: its GSO segments
	stExtra = -112 // the octets of the segments' headers beyond the frame's
	stByte  = -120 // a TCP header's octet 12, read by bpf_skb_load_bytes
	stMTU   = -128 // the nexthop's MTU, across that call
	stSize  = -136 // gso_size, across it
	stL4    = -144 // the TCP header's offset, across it
)

// Registers kept across helper calls.
const (
	rCtx  = asm.R6
	rData = asm.R7
	rEnd  = asm.R8
	rPtr  = asm.R9 // the port, then the inner trie, then the nexthop
)

// Frame offsets.
const (
	ethLen  = 14
	ip4Len  = 20
	ip6Len  = 40
	ethType = 12
	// pullLen is what tc pulls into the linear part of a non-linear
	// skb: the Ethernet and IPv6 headers. A TSO sender's super-frame
	// holds its headers in the linear part already: no pull then (it
	// could reallocate the head), and the TCP header is read with
	// bpf_skb_load_bytes.
	pullLen = ethLen + ip6Len
)

// maps are the file descriptors the program refers to.
type mapFDs struct {
	ports, tries4, tries6, nexthops, counters, egress int
}

// program emits the fast path for mode over the maps. One body serves
// both modes; only the context's layout, the frame's length, tc's
// super-frames and the verdicts differ. It forwards only:
//
//   - an Ethernet frame to the ingress port's own MAC, untagged (for tc,
//     no VLAN tag taken out of the frame either), holding the whole IP
//     packet (XDP: linear; tc: an skb linear or not, its headers pulled)
//     (Ethernet padding after it is trimmed, as the slow path trims it);
//   - IPv4 with IHL 5, a total length of at least the header, not a fragment (MF clear, offset 0), a valid
//     header checksum, TTL above 1; IPv6 whose next header is TCP, UDP
//     or ICMPv6 (no extension header, Hop-by-Hop included), hop limit
//     above 1;
//   - whose destination's longest match in the ingress VRF's trie has a
//     nexthop and whose source's longest match there allows the source;
//   - to a nexthop leaving by another port than the ingress one, whose
//     neighbour deadline has not passed, and within whose MTU the packet
//     fits (DF or not: a larger packet goes to the slow path), or for
//     tc a TCP super-frame (gso_size set) each of whose segments fits
//     (gso);
//   - for XDP, to an egress port that takes redirected frames (egress),
//     and TCP, UDP or ICMP whose checksum verifies as it stands (verify).
//
// It trims the padding, decrements the TTL (with the checksum patched as RFC 1624 eqn. 3
// does, as the data plane does) or the hop limit, writes the nexthop's
// MACs, counts the frame on both ports and redirects it. Everything else
// is handed over unchanged.
//
// With handover (tc only), a frame is handed over as Handover says: a
// frame marked HandoverMark goes on at once, and any other frame not
// forwarded is marked and sent to its interface's ingress again.
func program(mode Mode, m mapFDs, handover bool) asm.Instructions {
	e := &emitter{mode: mode, maps: m}
	pass := int32(xdpPass)
	if mode == TC {
		pass = tcActOK
	}
	handover = handover && mode == TC
	if handover {
		e.emit(
			asm.LoadMem(asm.R2, asm.R1, skbMark, asm.Word),
			asm.JEq.Imm(asm.R2, HandoverMark, "handed"),
		)
	}
	e.prologue(mode)
	e.link()
	e.ipv4()
	e.ipv6()
	e.nexthop()
	if mode == XDP {
		e.egress()
		e.verify()
	}
	e.rewrite()
	if mode == TC {
		e.gso()
	}
	if !handover {
		e.emit(asm.Mov.Imm(asm.R0, pass).WithSymbol("pass"), asm.Return())
		return e.insns
	}
	e.emit(
		asm.Mov.Imm(asm.R1, HandoverMark).WithSymbol("pass"),
		asm.StoreMem(rCtx, skbMark, asm.R1, asm.Word),
		asm.LoadMem(asm.R1, rCtx, skbIfindex, asm.Word),
		asm.Mov.Imm(asm.R2, bpfFIngress),
		asm.FnRedirect.Call(),
		asm.Return(),
		asm.Mov.Imm(asm.R0, tcActOK).WithSymbol("handed"),
		asm.Return(),
	)
	return e.insns
}

// HandoverMark is the skb mark of the frames a tc program with handover
// (Options.Handover) hands over: it sets it on them before it sends
// them to their interface's ingress again, and lets a frame that carries
// it go on untouched, so that a packet socket accepting only frames
// with this mark sees each frame the program does not forward once,
// after the program, and never one it forwards.
const HandoverMark = 0x676f7672 // "govr"

// bpfFIngress is BPF_F_INGRESS: bpf_redirect to the device's ingress.
const bpfFIngress = 1

// emitter accumulates instructions.
type emitter struct {
	mode  Mode
	maps  mapFDs
	insns asm.Instructions
}

// emit appends instructions.
func (e *emitter) emit(ins ...asm.Instruction) { e.insns = append(e.insns, ins...) }

// loadMap loads the pointer of the map with descriptor fd into dst.
func (e *emitter) loadMap(dst asm.Register, fd int) {
	e.emit(asm.LoadMapPtr(dst, fd))
}

// prologue loads the context: data, data end and the ingress ifindex;
// tc hands a tagged skb over at once, and pulls the headers of a
// non-linear one (a GSO super-frame, say) into its linear part, which
// changes none of its octets. A frame counts as one packet until the
// GSO check says otherwise.
func (e *emitter) prologue(mode Mode) {
	e.emit(
		asm.Mov.Reg(rCtx, asm.R1),
		asm.StoreImm(asm.RFP, stSegs, 1, asm.Word),
		asm.StoreImm(asm.RFP, stExtra, 0, asm.Word),
	)
	if mode == XDP {
		e.emit(
			asm.LoadMem(rData, rCtx, xdpData, asm.Word),
			asm.LoadMem(rEnd, rCtx, xdpDataEnd, asm.Word),
			asm.LoadMem(asm.R1, rCtx, xdpIngressIfindex, asm.Word),
			asm.StoreMem(asm.RFP, stIfidx, asm.R1, asm.Word),
		)
		return
	}
	e.emit(
		asm.LoadMem(asm.R1, rCtx, skbVlanPresent, asm.Word),
		asm.JNE.Imm(asm.R1, 0, "pass"),
		asm.LoadMem(asm.R1, rCtx, skbIfindex, asm.Word),
		asm.StoreMem(asm.RFP, stIfidx, asm.R1, asm.Word),
		// A non-linear skb (len beyond the linear data): pull the
		// headers, at most the whole skb.
		asm.LoadMem(rData, rCtx, skbData, asm.Word),
		asm.LoadMem(rEnd, rCtx, skbDataEnd, asm.Word),
		asm.LoadMem(asm.R2, rCtx, skbLen, asm.Word),
		asm.Mov.Reg(asm.R1, rEnd),
		asm.Sub.Reg(asm.R1, rData),
		asm.JGE.Reg(asm.R1, asm.R2, "linear"),
		asm.JLT.Imm(asm.R1, pullLen, "pull"),
		asm.Ja.Label("linear"),
		asm.JLE.Imm(asm.R2, pullLen, "pullsome").WithSymbol("pull"),
		asm.Mov.Imm(asm.R2, pullLen),
		asm.Mov.Reg(asm.R1, rCtx).WithSymbol("pullsome"),
		asm.FnSkbPullData.Call(),
		asm.JNE.Imm(asm.R0, 0, "pass"),
		asm.LoadMem(rData, rCtx, skbData, asm.Word),
		asm.LoadMem(rEnd, rCtx, skbDataEnd, asm.Word),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("linear"),
	)
}

// link checks the Ethernet header against the ingress port's entry and
// dispatches on the EtherType; rPtr is left on the port.
func (e *emitter) link() {
	e.emit(
		asm.Mov.Reg(asm.R1, rData),
		asm.Add.Imm(asm.R1, ethLen),
		asm.JGT.Reg(asm.R1, rEnd, "pass"),
		asm.LoadMem(asm.R1, asm.RFP, stIfidx, asm.Word),
		asm.StoreMem(asm.RFP, stKey, asm.R1, asm.Word),
	)
	e.loadMap(asm.R1, e.maps.ports)
	e.emit(
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, stKey),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "pass"),
		asm.Mov.Reg(rPtr, asm.R0),
		// The frame must be for the port's own MAC.
		asm.LoadMem(asm.R1, rData, 0, asm.Word),
		asm.LoadMem(asm.R2, rPtr, portMACOff, asm.Word),
		asm.JNE.Reg(asm.R1, asm.R2, "pass"),
		asm.LoadMem(asm.R1, rData, 4, asm.Half),
		asm.LoadMem(asm.R2, rPtr, portMACOff+4, asm.Half),
		asm.JNE.Reg(asm.R1, asm.R2, "pass"),
		asm.LoadMem(asm.R1, rPtr, portSlotOff, asm.Word),
		asm.StoreMem(asm.RFP, stSlot, asm.R1, asm.Word),
		asm.LoadMem(asm.R1, rPtr, portVRFOff, asm.Word),
		asm.StoreMem(asm.RFP, stVRF, asm.R1, asm.Word),
		asm.LoadMem(asm.R3, rPtr, portFlagsOff, asm.Word),
		asm.LoadMem(asm.R1, rData, ethType, asm.Half),
		asm.HostTo(asm.BE, asm.R1, asm.Half),
		asm.JEq.Imm(asm.R1, 0x0800, "ipv4"),
		asm.JEq.Imm(asm.R1, 0x86dd, "ipv6"),
		asm.Ja.Label("pass"),
	)
}

// ipFits records the IP packet's length, in R1, and the frame's (XDP:
// data end − data; tc: the skb's length, linear or not), and passes a
// frame too short to hold the packet after its Ethernet header. R1 ends
// as the packet's end, R0 as the frame's length.
func (e *emitter) ipFits() {
	e.emit(
		asm.StoreMem(asm.RFP, stIPLen, asm.R1, asm.Word),
		asm.Add.Imm(asm.R1, ethLen),
	)
	if e.mode == XDP {
		e.emit(
			asm.Mov.Reg(asm.R0, rEnd),
			asm.Sub.Reg(asm.R0, rData),
		)
	} else {
		e.emit(asm.LoadMem(asm.R0, rCtx, skbLen, asm.Word))
	}
	e.emit(
		asm.StoreMem(asm.RFP, stFrame, asm.R0, asm.Word),
		asm.JLT.Reg(asm.R0, asm.R1, "pass"),
	)
}

// fold folds the sum in r to 16 bits with end-around carries.
func (e *emitter) fold(r asm.Register) {
	for range 2 {
		e.emit(
			asm.Mov.Reg(asm.R4, r),
			asm.RSh.Imm(asm.R4, 16),
			asm.And.Imm(r, 0xffff),
			asm.Add.Reg(r, asm.R4),
		)
	}
}

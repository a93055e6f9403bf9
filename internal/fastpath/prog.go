package fastpath

import (
	"fmt"

	"github.com/cilium/ebpf/asm"
)

// Mode is where the program runs.
type Mode uint8

const (
	// XDP runs in the driver (or generic XDP) before an skb exists; a
	// forwarded frame leaves with bpf_redirect, XDP_PASS hands over.
	XDP Mode = iota
	// TC runs at tcx ingress on the skb; TC_ACT_OK hands over.
	TC
)

// String names the mode.
func (m Mode) String() string {
	if m == TC {
		return "tc"
	}
	return "xdp"
}

// Context offsets (struct xdp_md, struct __sk_buff).
const (
	xdpData, xdpDataEnd, xdpIngressIfindex = 0, 4, 12
	skbLen, skbVlanPresent, skbIfindex     = 0, 20, 40
	skbData, skbDataEnd                    = 76, 80
)

// Verdicts: hand to the slow path.
const (
	xdpPass = 2
	tcActOK = 0
)

// Stack slots (offsets from R10).
const (
	stKey   = -4  // u32 key for the ports and counters lookups
	stIfidx = -8  // the ingress ifindex
	stSlot  = -12 // the ingress port slot
	stVRF   = -16 // the ingress VRF's outer slot
	stNH    = -20 // the nexthop id
	stIPLen = -24 // the IP packet's length
	stFam   = -28 // 4 or 6
	stFrame = -32 // the frame's length as received
	stDst   = -56 // LPM key of the destination (20 octets)
	stSrc   = -80 // LPM key of the source (20 octets)
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
)

// maps are the file descriptors the program refers to.
type mapFDs struct {
	ports, tries4, tries6, nexthops, counters int
}

// program emits the fast path for mode over the maps. One body serves
// both modes; only the context's layout, the length of a non-linear skb
// and the verdicts differ. It forwards only:
//
//   - an Ethernet frame to the ingress port's own MAC, untagged (for tc,
//     no VLAN tag taken out of the frame either), linear, holding the
//     whole IP packet (Ethernet padding after it is trimmed, as the slow
//     path trims it);
//   - IPv4 with IHL 5, a total length of at least the header, not a fragment (MF clear, offset 0), a valid
//     header checksum, TTL above 1; IPv6 whose next header is TCP, UDP
//     or ICMPv6 (no extension header, Hop-by-Hop included), hop limit
//     above 1;
//   - whose destination's longest match in the ingress VRF's trie has a
//     nexthop and whose source's longest match there allows the source;
//   - to a nexthop leaving by another port than the ingress one, whose
//     neighbour deadline has not passed, and within whose MTU the packet
//     fits (DF or not: a larger packet goes to the slow path).
//
// It trims the padding, decrements the TTL (with the checksum patched as RFC 1624 eqn. 3
// does, as the data plane does) or the hop limit, writes the nexthop's
// MACs, counts the frame on both ports and redirects it. Everything else
// is handed over unchanged.
func program(mode Mode, m mapFDs) asm.Instructions {
	e := &emitter{mode: mode, maps: m}
	pass := int32(xdpPass)
	if mode == TC {
		pass = tcActOK
	}
	e.prologue(mode)
	e.link()
	e.ipv4()
	e.ipv6()
	e.nexthop()
	e.rewrite()
	e.emit(asm.Mov.Imm(asm.R0, pass).WithSymbol("pass"), asm.Return())
	return e.insns
}

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
// tc hands a tagged or non-linear skb over at once.
func (e *emitter) prologue(mode Mode) {
	e.emit(asm.Mov.Reg(rCtx, asm.R1))
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
		asm.LoadMem(rData, rCtx, skbData, asm.Word),
		asm.LoadMem(rEnd, rCtx, skbDataEnd, asm.Word),
		asm.LoadMem(asm.R1, rCtx, skbIfindex, asm.Word),
		asm.StoreMem(asm.RFP, stIfidx, asm.R1, asm.Word),
		// A non-linear skb (len beyond the linear data) is the slow path's.
		asm.LoadMem(asm.R1, rCtx, skbLen, asm.Word),
		asm.Mov.Reg(asm.R2, rEnd),
		asm.Sub.Reg(asm.R2, rData),
		asm.JNE.Reg(asm.R1, asm.R2, "pass"),
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

// frameLen leaves the frame's length (data end − data) in R0.
func (e *emitter) frameLen() {
	e.emit(asm.Mov.Reg(asm.R0, rEnd), asm.Sub.Reg(asm.R0, rData))
}

// ipv4 checks an IPv4 header (R3 holds the port's flags) and looks its
// addresses up; it goes on to "nexthop".
func (e *emitter) ipv4() {
	e.emit(
		asm.JSet.Imm(asm.R3, PortIPv4, "ipv4ok").WithSymbol("ipv4"),
		asm.Ja.Label("pass"),
		asm.Mov.Reg(asm.R1, rData).WithSymbol("ipv4ok"),
		asm.Add.Imm(asm.R1, ethLen+ip4Len),
		asm.JGT.Reg(asm.R1, rEnd, "pass"),
		asm.LoadMem(asm.R1, rData, ethLen, asm.Byte),
		asm.JNE.Imm(asm.R1, 0x45, "pass"),
		// The total length: at least the header, at most the frame.
		asm.LoadMem(asm.R1, rData, ethLen+2, asm.Half),
		asm.HostTo(asm.BE, asm.R1, asm.Half),
		asm.JLT.Imm(asm.R1, ip4Len, "pass"),
		asm.StoreMem(asm.RFP, stIPLen, asm.R1, asm.Word),
		asm.Add.Imm(asm.R1, ethLen),
	)
	e.frameLen()
	e.emit(
		asm.StoreMem(asm.RFP, stFrame, asm.R0, asm.Word),
		asm.JLT.Reg(asm.R0, asm.R1, "pass"),
		// Not a fragment: MF and the offset clear.
		asm.LoadMem(asm.R1, rData, ethLen+6, asm.Half),
		asm.HostTo(asm.BE, asm.R1, asm.Half),
		asm.JSet.Imm(asm.R1, 0x3fff, "pass"),
		asm.LoadMem(asm.R1, rData, ethLen+8, asm.Byte),
		asm.JLE.Imm(asm.R1, 1, "pass"),
	)
	// The header checksum: the one's complement sum of its ten words.
	e.emit(asm.Mov.Imm(asm.R1, 0))
	for off := int16(0); off < ip4Len; off += 2 {
		e.emit(asm.LoadMem(asm.R2, rData, ethLen+off, asm.Half), asm.Add.Reg(asm.R1, asm.R2))
	}
	e.fold(asm.R1)
	e.emit(
		asm.JNE.Imm(asm.R1, 0xffff, "pass"),
		asm.StoreImm(asm.RFP, stFam, 4, asm.Word),
		asm.StoreImm(asm.RFP, stDst, 32, asm.Word),
		asm.LoadMem(asm.R1, rData, ethLen+16, asm.Word),
		asm.StoreMem(asm.RFP, stDst+4, asm.R1, asm.Word),
		asm.StoreImm(asm.RFP, stSrc, 32, asm.Word),
		asm.LoadMem(asm.R1, rData, ethLen+12, asm.Word),
		asm.StoreMem(asm.RFP, stSrc+4, asm.R1, asm.Word),
	)
	e.lookups(e.maps.tries4)
}

// ipv6 checks an IPv6 header (R3 holds the port's flags) and looks its
// addresses up; it goes on to "nexthop".
func (e *emitter) ipv6() {
	e.emit(
		asm.JSet.Imm(asm.R3, PortIPv6, "ipv6ok").WithSymbol("ipv6"),
		asm.Ja.Label("pass"),
		asm.Mov.Reg(asm.R1, rData).WithSymbol("ipv6ok"),
		asm.Add.Imm(asm.R1, ethLen+ip6Len),
		asm.JGT.Reg(asm.R1, rEnd, "pass"),
		asm.LoadMem(asm.R1, rData, ethLen, asm.Byte),
		asm.RSh.Imm(asm.R1, 4),
		asm.JNE.Imm(asm.R1, 6, "pass"),
		// The payload length: at most the frame.
		asm.LoadMem(asm.R1, rData, ethLen+4, asm.Half),
		asm.HostTo(asm.BE, asm.R1, asm.Half),
		asm.Add.Imm(asm.R1, ip6Len),
		asm.StoreMem(asm.RFP, stIPLen, asm.R1, asm.Word),
		asm.Add.Imm(asm.R1, ethLen),
	)
	e.frameLen()
	e.emit(
		asm.StoreMem(asm.RFP, stFrame, asm.R0, asm.Word),
		asm.JLT.Reg(asm.R0, asm.R1, "pass"),
		// No extension header: TCP, UDP or ICMPv6 only.
		asm.LoadMem(asm.R1, rData, ethLen+6, asm.Byte),
		asm.JEq.Imm(asm.R1, 6, "ipv6proto"),
		asm.JEq.Imm(asm.R1, 17, "ipv6proto"),
		asm.JEq.Imm(asm.R1, 58, "ipv6proto"),
		asm.Ja.Label("pass"),
		asm.LoadMem(asm.R1, rData, ethLen+7, asm.Byte).WithSymbol("ipv6proto"),
		asm.JLE.Imm(asm.R1, 1, "pass"),
		asm.StoreImm(asm.RFP, stFam, 6, asm.Word),
		asm.StoreImm(asm.RFP, stDst, 128, asm.Word),
		asm.StoreImm(asm.RFP, stSrc, 128, asm.Word),
	)
	for i := int16(0); i < 16; i += 4 {
		e.emit(
			asm.LoadMem(asm.R1, rData, ethLen+24+i, asm.Word),
			asm.StoreMem(asm.RFP, stDst+4+i, asm.R1, asm.Word),
			asm.LoadMem(asm.R1, rData, ethLen+8+i, asm.Word),
			asm.StoreMem(asm.RFP, stSrc+4+i, asm.R1, asm.Word),
		)
	}
	e.lookups(e.maps.tries6)
}

// lookups finds the ingress VRF's trie in the outer map tries (a file
// descriptor), looks up
// the destination (its nexthop into stNH) and the source (its bit must
// be set), and jumps to "nexthop".
func (e *emitter) lookups(tries int) {
	e.loadMap(asm.R1, tries)
	e.emit(
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, stVRF),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "pass"),
		asm.Mov.Reg(rPtr, asm.R0),
		asm.Mov.Reg(asm.R1, rPtr),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, stDst),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "pass"),
		asm.LoadMem(asm.R1, asm.R0, 0, asm.Word),
		asm.And.Imm(asm.R1, trieNexthopMask),
		asm.JEq.Imm(asm.R1, 0, "pass"),
		asm.StoreMem(asm.RFP, stNH, asm.R1, asm.Word),
		asm.Mov.Reg(asm.R1, rPtr),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, stSrc),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "pass"),
		asm.LoadMem(asm.R1, asm.R0, 0, asm.Word),
		asm.RSh.Imm(asm.R1, 31), // trieSourceOK
		asm.JNE.Imm(asm.R1, 0, "nexthop"),
		asm.Ja.Label("pass"),
	)
}

// nexthop loads the nexthop into rPtr and checks it: another port than
// the ingress one, the neighbour's deadline ahead, the packet within the
// MTU.
func (e *emitter) nexthop() {
	e.loadMap(asm.R1, e.maps.nexthops)
	e.insns[len(e.insns)-1] = e.insns[len(e.insns)-1].WithSymbol("nexthop")
	e.emit(
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, stNH),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "pass"),
		asm.Mov.Reg(rPtr, asm.R0),
		asm.LoadMem(asm.R1, rPtr, nhIfindexOff, asm.Word),
		asm.LoadMem(asm.R2, asm.RFP, stIfidx, asm.Word),
		asm.JEq.Reg(asm.R1, asm.R2, "pass"),
		asm.LoadMem(asm.R1, rPtr, nhMTUOff, asm.Word),
		asm.LoadMem(asm.R2, asm.RFP, stIPLen, asm.Word),
		asm.JGT.Reg(asm.R2, asm.R1, "pass"),
		asm.FnKtimeGetNs.Call(),
		asm.LoadMem(asm.R1, rPtr, nhDeadlineOff, asm.DWord),
		asm.JGE.Reg(asm.R0, asm.R1, "pass"),
	)
}

// rewrite decrements the TTL or hop limit, writes the MACs, counts and
// redirects. The bounds checked before still hold on every path here.
func (e *emitter) rewrite() {
	e.trim()
	e.emit(
		asm.LoadMem(asm.R1, asm.RFP, stFam, asm.Word),
		asm.JEq.Imm(asm.R1, 6, "hoplimit"),
		// IPv4: the TTL and protocol word before and after, and the
		// checksum: HC' = ~(~HC + ~m + m').
		asm.Mov.Reg(asm.R1, rData),
		asm.Add.Imm(asm.R1, ethLen+ip4Len),
		asm.JGT.Reg(asm.R1, rEnd, "pass"),
		asm.LoadMem(asm.R1, rData, ethLen+8, asm.Half),
		asm.HostTo(asm.BE, asm.R1, asm.Half),
		asm.Mov.Reg(asm.R2, asm.R1),
		asm.Sub.Imm(asm.R2, 0x100),
		asm.LoadMem(asm.R3, rData, ethLen+10, asm.Half),
		asm.HostTo(asm.BE, asm.R3, asm.Half),
		asm.Xor.Imm(asm.R3, 0xffff),
		asm.Xor.Imm(asm.R1, 0xffff),
		asm.Add.Reg(asm.R3, asm.R1),
		asm.Add.Reg(asm.R3, asm.R2),
	)
	e.fold(asm.R3)
	e.emit(
		asm.Xor.Imm(asm.R3, 0xffff),
		asm.HostTo(asm.BE, asm.R3, asm.Half),
		asm.StoreMem(rData, ethLen+10, asm.R3, asm.Half),
		asm.LoadMem(asm.R1, rData, ethLen+8, asm.Byte),
		asm.Sub.Imm(asm.R1, 1),
		asm.StoreMem(rData, ethLen+8, asm.R1, asm.Byte),
		asm.Ja.Label("macs"),
		asm.Mov.Reg(asm.R1, rData).WithSymbol("hoplimit"),
		asm.Add.Imm(asm.R1, ethLen+ip6Len),
		asm.JGT.Reg(asm.R1, rEnd, "pass"),
		asm.LoadMem(asm.R1, rData, ethLen+7, asm.Byte),
		asm.Sub.Imm(asm.R1, 1),
		asm.StoreMem(rData, ethLen+7, asm.R1, asm.Byte),
		// The Ethernet header: the neighbour's MAC, then the port's.
		asm.LoadMem(asm.R1, rPtr, nhDstOff, asm.Half).WithSymbol("macs"),
		asm.StoreMem(rData, 0, asm.R1, asm.Half),
		asm.LoadMem(asm.R1, rPtr, nhDstOff+2, asm.Word),
		asm.StoreMem(rData, 2, asm.R1, asm.Word),
		asm.LoadMem(asm.R1, rPtr, nhSrcOff, asm.Word),
		asm.StoreMem(rData, 6, asm.R1, asm.Word),
		asm.LoadMem(asm.R1, rPtr, nhSrcOff+4, asm.Half),
		asm.StoreMem(rData, 10, asm.R1, asm.Half),
	)
	e.count(stSlot, stFrame, ctrRxPackets, ctrRxBytes)
	e.emit(
		asm.LoadMem(asm.R1, rPtr, nhSlotOff, asm.Word),
		asm.StoreMem(asm.RFP, stSlot, asm.R1, asm.Word),
		asm.LoadMem(asm.R1, asm.RFP, stIPLen, asm.Word),
		asm.Add.Imm(asm.R1, ethLen),
		asm.StoreMem(asm.RFP, stFrame, asm.R1, asm.Word),
	)
	e.count(stSlot, stFrame, ctrTxPackets, ctrTxBytes)
	e.emit(
		asm.LoadMem(asm.R1, rPtr, nhIfindexOff, asm.Word),
		asm.Mov.Imm(asm.R2, 0),
		asm.FnRedirect.Call(),
		asm.Return(),
	)
}

// count adds one packet and the octets stored at size to the counters at
// the slot stored at slot. The packet is already rewritten: a slot the array
// lacks (never, the compiler bounds them) skips the count, not the
// redirect.
func (e *emitter) count(slot, size int16, packets, bytes int16) {
	done := fmt.Sprintf("counted%d", packets)
	e.loadMap(asm.R1, e.maps.counters)
	e.emit(
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, int32(slot)),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, done),
		asm.LoadMem(asm.R1, asm.R0, packets, asm.DWord),
		asm.Add.Imm(asm.R1, 1),
		asm.StoreMem(asm.R0, packets, asm.R1, asm.DWord),
		asm.LoadMem(asm.R1, asm.R0, bytes, asm.DWord),
		asm.LoadMem(asm.R2, asm.RFP, size, asm.Word),
		asm.Add.Reg(asm.R1, asm.R2),
		asm.StoreMem(asm.R0, bytes, asm.R1, asm.DWord),
		asm.Mov.Imm(asm.R0, 0).WithSymbol(done),
	)
}

// trim takes the Ethernet padding after the IP packet off, as the slow
// path does before it forwards (bpf_xdp_adjust_tail, bpf_skb_change_tail),
// and reloads the packet pointers; a frame the kernel cannot trim goes to
// the slow path unchanged. Nothing has been written to the frame before.
func (e *emitter) trim() {
	e.emit(
		asm.LoadMem(asm.R2, asm.RFP, stIPLen, asm.Word),
		asm.Add.Imm(asm.R2, ethLen),
		asm.LoadMem(asm.R1, asm.RFP, stFrame, asm.Word),
		asm.JEq.Reg(asm.R1, asm.R2, "trimmed"),
	)
	if e.mode == XDP {
		e.emit(
			asm.Sub.Reg(asm.R2, asm.R1), // a negative delta
			asm.Mov.Reg(asm.R1, rCtx),
			asm.FnXdpAdjustTail.Call(),
			asm.JNE.Imm(asm.R0, 0, "pass"),
			asm.LoadMem(rData, rCtx, xdpData, asm.Word),
			asm.LoadMem(rEnd, rCtx, xdpDataEnd, asm.Word),
		)
	} else {
		e.emit(
			asm.Mov.Reg(asm.R1, rCtx),
			asm.Mov.Imm(asm.R3, 0),
			asm.FnSkbChangeTail.Call(),
			asm.JNE.Imm(asm.R0, 0, "pass"),
			asm.LoadMem(rData, rCtx, skbData, asm.Word),
			asm.LoadMem(rEnd, rCtx, skbDataEnd, asm.Word),
		)
	}
	// The frame is now the IP packet's length: the bounds below hold.
	e.emit(asm.Mov.Imm(asm.R0, 0).WithSymbol("trimmed"))
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

package fastpath

import (
	"fmt"

	"github.com/cilium/ebpf/asm"
)

// nexthop loads the nexthop into rPtr and checks it: another port than
// the ingress one, the packet within the MTU, the neighbour's deadline
// ahead. The neighbour's part (deadline, MAC and flags) is read between
// two reads of Seq, the MAC and flags copied to stMAC: an odd Seq (a
// write under way) or one that moved hands the packet over.
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
	)
	if e.mode == TC {
		e.emit(
			asm.LoadMem(asm.R3, rCtx, skbGSOSize, asm.Word),
			asm.JNE.Imm(asm.R3, 0, "gso"),
		)
	}
	e.emit(
		asm.LoadMem(asm.R2, asm.RFP, stIPLen, asm.Word),
		asm.JGT.Reg(asm.R2, asm.R1, "pass"),
		asm.FnKtimeGetNs.Call().WithSymbol("fits"),
		asm.StoreMem(asm.RFP, stNow, asm.R0, asm.DWord),
		asm.LoadMem(asm.R2, rPtr, nhSeqOff, asm.Word),
		asm.JSet.Imm(asm.R2, 1, "pass"),
		asm.LoadMem(asm.R1, rPtr, nhDeadlineOff, asm.DWord),
		asm.LoadMem(asm.R3, rPtr, nhDstOff, asm.DWord),
		asm.LoadMem(asm.R4, rPtr, nhSeqOff, asm.Word),
		asm.JNE.Reg(asm.R4, asm.R2, "pass"),
		asm.JGE.Reg(asm.R0, asm.R1, "pass"),
		asm.StoreMem(asm.RFP, stMAC, asm.R3, asm.DWord),
	)
}

// gso checks a GSO skb (tc: R3 holds its gso_size, R1 the nexthop's MTU)
// and goes back to "fits". It forwards only TCP (gso_type is not in the
// context, but a super-frame of TCP over IPv4 without options or IPv6
// without extension headers is TSO's), whose headers and payload the
// packet holds, and that fits the MTU as ip_exceeds_mtu and
// ip6_pkt_too_big decide for a GSO skb: whole, or each segment, its IP
// and TCP headers and gso_size octets of payload
// (skb_gso_validate_network_len). It records the segments the Go data
// path would cut it into (internal/gso): the payload divided by
// gso_size, rounded up, and the octets their Ethernet, IP and TCP
// headers add to the frame's.
func (e *emitter) gso() {
	e.emit(
		asm.LoadMem(asm.R4, asm.RFP, stFam, asm.Word).WithSymbol("gso"),
		asm.JEq.Imm(asm.R4, 6, "gso6"),
		asm.LoadMem(asm.R2, rData, ethLen+9, asm.Byte),
		asm.Mov.Imm(asm.R5, ethLen+ip4Len),
		asm.Ja.Label("gsol4"),
		asm.LoadMem(asm.R2, rData, ethLen+6, asm.Byte).WithSymbol("gso6"),
		asm.Mov.Imm(asm.R5, ethLen+ip6Len),
		asm.JNE.Imm(asm.R2, 6, "pass").WithSymbol("gsol4"),
		// The TCP header's length (data offset × 4), at least 20,
		// read wherever it lies; R1, R3 and R5 kept on the stack.
		asm.StoreMem(asm.RFP, stMTU, asm.R1, asm.DWord),
		asm.StoreMem(asm.RFP, stSize, asm.R3, asm.DWord),
		asm.StoreMem(asm.RFP, stL4, asm.R5, asm.DWord),
		asm.Mov.Reg(asm.R1, rCtx),
		asm.Mov.Reg(asm.R2, asm.R5),
		asm.Add.Imm(asm.R2, 12),
		asm.Mov.Reg(asm.R3, asm.RFP),
		asm.Add.Imm(asm.R3, stByte),
		asm.Mov.Imm(asm.R4, 1),
		asm.FnSkbLoadBytes.Call(),
		asm.JNE.Imm(asm.R0, 0, "pass"),
		asm.LoadMem(asm.R1, asm.RFP, stMTU, asm.DWord),
		asm.LoadMem(asm.R3, asm.RFP, stSize, asm.DWord),
		asm.LoadMem(asm.R5, asm.RFP, stL4, asm.DWord),
		asm.LoadMem(asm.R2, asm.RFP, stByte, asm.Byte),
		asm.RSh.Imm(asm.R2, 4),
		asm.LSh.Imm(asm.R2, 2),
		asm.JLT.Imm(asm.R2, 20, "pass"),
		// R2: the IP and TCP headers; a payload after them.
		asm.Add.Reg(asm.R2, asm.R5),
		asm.Sub.Imm(asm.R2, ethLen),
		asm.LoadMem(asm.R0, asm.RFP, stIPLen, asm.Word),
		asm.JLE.Reg(asm.R0, asm.R2, "pass"),
		// Whole within the MTU, or each segment.
		asm.JLE.Reg(asm.R0, asm.R1, "gsofits"),
		asm.Mov.Reg(asm.R4, asm.R2),
		asm.Add.Reg(asm.R4, asm.R3),
		asm.JGT.Reg(asm.R4, asm.R1, "pass"),
		asm.Sub.Reg(asm.R0, asm.R2).WithSymbol("gsofits"),
		asm.Add.Reg(asm.R0, asm.R3),
		asm.Sub.Imm(asm.R0, 1),
		asm.Div.Reg(asm.R0, asm.R3),
		asm.StoreMem(asm.RFP, stSegs, asm.R0, asm.Word),
		asm.Sub.Imm(asm.R0, 1),
		asm.Add.Imm(asm.R2, ethLen),
		asm.Mul.Reg(asm.R0, asm.R2),
		asm.StoreMem(asm.RFP, stExtra, asm.R0, asm.Word),
		asm.Ja.Label("fits"),
	)
}

// used stamps the nexthop's Used with stNow if it is tracked and Used
// is older than usedResolution, so that the cache line is written at
// most once per usedResolution.
func (e *emitter) used() {
	e.emit(
		asm.LoadMem(asm.R1, asm.RFP, stMAC+nhFlagsOff-nhDstOff, asm.Half),
		asm.JSet.Imm(asm.R1, NexthopTrack, "track"),
		asm.Ja.Label("stamped"),
		asm.LoadMem(asm.R1, asm.RFP, stNow, asm.DWord).WithSymbol("track"),
		asm.LoadMem(asm.R2, rPtr, nhUsedOff, asm.DWord),
		asm.Mov.Reg(asm.R3, asm.R1),
		asm.Sub.Reg(asm.R3, asm.R2),
		asm.JLT.Imm(asm.R3, usedResolution, "stamped"),
		asm.StoreMem(rPtr, nhUsedOff, asm.R1, asm.DWord),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("stamped"),
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
		// The word holding the hop limit changes by ~m + m' in the
		// one's complement sum over the packet (stDiff, for tc).
		asm.LoadMem(asm.R2, rData, ethLen+6, asm.Half),
		asm.Xor.Imm(asm.R2, 0xffff),
		asm.LoadMem(asm.R1, rData, ethLen+7, asm.Byte),
		asm.Sub.Imm(asm.R1, 1),
		asm.StoreMem(rData, ethLen+7, asm.R1, asm.Byte),
		asm.LoadMem(asm.R1, rData, ethLen+6, asm.Half),
		asm.Add.Reg(asm.R2, asm.R1),
		asm.StoreMem(asm.RFP, stDiff, asm.R2, asm.Word),
		// The Ethernet header: the neighbour's MAC as read under Seq,
		// then the port's.
		asm.LoadMem(asm.R1, asm.RFP, stMAC, asm.Half).WithSymbol("macs"),
		asm.StoreMem(rData, 0, asm.R1, asm.Half),
		asm.LoadMem(asm.R1, asm.RFP, stMAC+2, asm.Half),
		asm.StoreMem(rData, 2, asm.R1, asm.Half),
		asm.LoadMem(asm.R1, asm.RFP, stMAC+4, asm.Half),
		asm.StoreMem(rData, 4, asm.R1, asm.Half),
		asm.LoadMem(asm.R1, rPtr, nhSrcOff, asm.Word),
		asm.StoreMem(rData, 6, asm.R1, asm.Word),
		asm.LoadMem(asm.R1, rPtr, nhSrcOff+4, asm.Half),
		asm.StoreMem(rData, 10, asm.R1, asm.Half),
	)
	if e.mode == TC {
		e.csum()
	}
	e.count(stSlot, stFrame, ctrRxPackets, ctrRxBytes)
	e.emit(
		asm.LoadMem(asm.R1, rPtr, nhSlotOff, asm.Word),
		asm.StoreMem(asm.RFP, stSlot, asm.R1, asm.Word),
		asm.LoadMem(asm.R1, asm.RFP, stIPLen, asm.Word),
		asm.Add.Imm(asm.R1, ethLen),
		asm.StoreMem(asm.RFP, stFrame, asm.R1, asm.Word),
	)
	e.count(stSlot, stFrame, ctrTxPackets, ctrTxBytes)
	e.used()
	e.emit(
		asm.LoadMem(asm.R1, rPtr, nhIfindexOff, asm.Word),
		asm.Mov.Imm(asm.R2, 0),
		asm.FnRedirect.Call(),
		asm.Return(),
	)
}

// csum keeps a CHECKSUM_COMPLETE skb's sum right (bpf_csum_update; a
// no-op for other skbs): an IPv4 header's sum is unchanged, the checksum
// field making up for the TTL, but an IPv6 packet's changes with its hop
// limit. Linux's own forwarding drops the sum instead (skb_forward_csum).
func (e *emitter) csum() {
	e.emit(
		asm.LoadMem(asm.R1, asm.RFP, stFam, asm.Word),
		asm.JNE.Imm(asm.R1, 6, "summed"),
		asm.Mov.Reg(asm.R1, rCtx),
		asm.LoadMem(asm.R2, asm.RFP, stDiff, asm.Word),
		asm.FnCsumUpdate.Call(),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("summed"),
	)
}

// count adds the frame's packets (stSegs: its segments, as the data
// plane would count them) and octets (those stored at size and stExtra)
// to the counters at the slot stored at slot. The packet is already rewritten: a slot the array
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
		asm.LoadMem(asm.R2, asm.RFP, stSegs, asm.Word),
		asm.Add.Reg(asm.R1, asm.R2),
		asm.StoreMem(asm.R0, packets, asm.R1, asm.DWord),
		asm.LoadMem(asm.R1, asm.R0, bytes, asm.DWord),
		asm.LoadMem(asm.R2, asm.RFP, size, asm.Word),
		asm.Add.Reg(asm.R1, asm.R2),
		asm.LoadMem(asm.R2, asm.RFP, stExtra, asm.Word),
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
	if e.mode == TC {
		// bpf_skb_change_tail would drop a GSO skb's segmentation.
		e.emit(
			asm.LoadMem(asm.R3, rCtx, skbGSOSize, asm.Word),
			asm.JNE.Imm(asm.R3, 0, "pass"),
		)
	}
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

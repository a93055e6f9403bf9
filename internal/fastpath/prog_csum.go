package fastpath

import "github.com/cilium/ebpf/asm"

// MaxVerified is the longest L4 segment (IP payload) whose checksum the
// XDP program verifies, in octets; a longer one is handed over. It bounds
// the verifier's walk of the summing loop (four octets a turn) and the
// cost per packet, and is bpf_csum_diff's bound too.
const MaxVerified = 512

// EgressXmit is the egress map's flag of a port that takes frames
// redirected by XDP (the netdev family's NETDEV_XDP_ACT_NDO_XMIT).
const EgressXmit = 1 << 0

// egress checks, for XDP, that the nexthop's egress port (rPtr) takes
// redirected frames: its slot's entry in the egress map has EgressXmit.
// A veth does only while its peer has XDP or GRO; a frame for any other
// egress is handed over, to be forwarded by the skb path.
func (e *emitter) egress() {
	e.emit(
		asm.LoadMem(asm.R1, rPtr, nhSlotOff, asm.Word),
		asm.StoreMem(asm.RFP, stKey, asm.R1, asm.Word),
	)
	e.loadMap(asm.R1, e.maps.egress)
	e.emit(
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, stKey),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "pass"),
		asm.LoadMem(asm.R1, asm.R0, 0, asm.Word),
		asm.JSet.Imm(asm.R1, EgressXmit, "xmit"),
		asm.Ja.Label("pass"),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("xmit"),
	)
}

// verify hands over, for XDP, a frame whose L4 checksum does not verify
// as it stands: the one's complement sum of the pseudo-header (RFC 768,
// RFC 793, RFC 8200 section 8.1; none for ICMP) and of the whole L4
// segment must be 0xffff. A sender that leaves its checksum to the
// device (CHECKSUM_PARTIAL, every TCP and UDP socket behind a veth)
// sends the pseudo-header's sum in the field, which does not verify
// (unless it happens to be the right checksum), and XDP redirection,
// which turns the skb into a bare frame, would send it unfinished; tc
// forwards the skb with its checksum state. UDP over IPv4 with a zero
// checksum has none to finish. Only TCP, UDP and ICMP (ICMPv6) are
// forwarded; a segment longer than MaxVerified is handed over.
//
// The sum is taken over 32-bit loads in host order, with the
// pseudo-header's protocol and length converted to it: one's complement
// sums are the same in either byte order (RFC 1071 section 2(B)), and
// 0xffff reads the same both ways.
func (e *emitter) verify() {
	e.emit(
		asm.LoadMem(asm.R2, asm.RFP, stIPLen, asm.Word),
		asm.LoadMem(asm.R1, asm.RFP, stFam, asm.Word),
		asm.JEq.Imm(asm.R1, 6, "verify6"),
		asm.Mov.Reg(asm.R1, rData),
		asm.Add.Imm(asm.R1, ethLen+ip4Len),
		asm.JGT.Reg(asm.R1, rEnd, "pass"),
		asm.Sub.Imm(asm.R2, ip4Len),
		asm.JGT.Imm(asm.R2, MaxVerified, "pass"),
		asm.LoadMem(asm.R4, rData, ethLen+9, asm.Byte),
		asm.Mov.Imm(asm.R3, 0),
		asm.JEq.Imm(asm.R4, 1, "sum"), // ICMP: no pseudo-header
		asm.JEq.Imm(asm.R4, 6, "pseudo4"),
		asm.JNE.Imm(asm.R4, 17, "pass"),
		// UDP: a zero checksum is none.
		asm.Mov.Reg(asm.R5, asm.R1),
		asm.Add.Imm(asm.R5, 8),
		asm.JGT.Reg(asm.R5, rEnd, "pseudo4"),
		asm.LoadMem(asm.R5, asm.R1, 6, asm.Half),
		asm.JEq.Imm(asm.R5, 0, "verified"),
		asm.LoadMem(asm.R3, rData, ethLen+12, asm.Word).WithSymbol("pseudo4"),
		asm.LoadMem(asm.R5, rData, ethLen+16, asm.Word),
		asm.Add.Reg(asm.R3, asm.R5),
		asm.Ja.Label("pseudo"),
		// IPv6: the next header is TCP, UDP or ICMPv6 (ipv6), each with
		// the pseudo-header.
		asm.Mov.Reg(asm.R1, rData).WithSymbol("verify6"),
		asm.Add.Imm(asm.R1, ethLen+ip6Len),
		asm.JGT.Reg(asm.R1, rEnd, "pass"),
		asm.Sub.Imm(asm.R2, ip6Len),
		asm.JGT.Imm(asm.R2, MaxVerified, "pass"),
		asm.LoadMem(asm.R4, rData, ethLen+6, asm.Byte),
		asm.Mov.Imm(asm.R3, 0),
	)
	for off := int16(0); off < 32; off += 4 {
		e.emit(asm.LoadMem(asm.R5, rData, ethLen+8+off, asm.Word), asm.Add.Reg(asm.R3, asm.R5))
	}
	e.emit(
		// The protocol and the length, as 16-bit words in network
		// order (the length fits in 16 bits).
		asm.HostTo(asm.BE, asm.R4, asm.Half).WithSymbol("pseudo"),
		asm.Add.Reg(asm.R3, asm.R4),
		asm.Mov.Reg(asm.R4, asm.R2),
		asm.HostTo(asm.BE, asm.R4, asm.Half),
		asm.Add.Reg(asm.R3, asm.R4),
		// R1 walks the segment, R2 counts what is left of it (at most
		// MaxVerified, so the verifier sees the loop end), R3 sums.
		asm.JLT.Imm(asm.R2, 4, "sumtail").WithSymbol("sum"),
		asm.Mov.Reg(asm.R4, asm.R1),
		asm.Add.Imm(asm.R4, 4),
		asm.JGT.Reg(asm.R4, rEnd, "pass"),
		asm.LoadMem(asm.R5, asm.R1, 0, asm.Word),
		asm.Add.Reg(asm.R3, asm.R5),
		asm.Add.Imm(asm.R1, 4),
		asm.Sub.Imm(asm.R2, 4),
		asm.Ja.Label("sum"),
		asm.JLT.Imm(asm.R2, 2, "sumodd").WithSymbol("sumtail"),
		asm.Mov.Reg(asm.R4, asm.R1),
		asm.Add.Imm(asm.R4, 2),
		asm.JGT.Reg(asm.R4, rEnd, "pass"),
		asm.LoadMem(asm.R5, asm.R1, 0, asm.Half),
		asm.Add.Reg(asm.R3, asm.R5),
		asm.Add.Imm(asm.R1, 2),
		asm.Sub.Imm(asm.R2, 2),
		// An odd last octet is the high half of a word padded with zero.
		asm.JEq.Imm(asm.R2, 0, "sumfold").WithSymbol("sumodd"),
		asm.Mov.Reg(asm.R4, asm.R1),
		asm.Add.Imm(asm.R4, 1),
		asm.JGT.Reg(asm.R4, rEnd, "pass"),
		asm.LoadMem(asm.R5, asm.R1, 0, asm.Byte),
		asm.LSh.Imm(asm.R5, 8),
		asm.HostTo(asm.BE, asm.R5, asm.Half),
		asm.Add.Reg(asm.R3, asm.R5),
		// At most 2^39: fold to 32 bits, then to 16 (three rounds, the
		// last for the carry of 0x1ffff).
		asm.Mov.Reg(asm.R4, asm.R3).WithSymbol("sumfold"),
		asm.RSh.Imm(asm.R4, 32),
		asm.LSh.Imm(asm.R3, 32),
		asm.RSh.Imm(asm.R3, 32),
		asm.Add.Reg(asm.R3, asm.R4),
	)
	for range 3 {
		e.emit(
			asm.Mov.Reg(asm.R4, asm.R3),
			asm.RSh.Imm(asm.R4, 16),
			asm.And.Imm(asm.R3, 0xffff),
			asm.Add.Reg(asm.R3, asm.R4),
		)
	}
	e.emit(
		asm.JNE.Imm(asm.R3, 0xffff, "pass"),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("verified"),
	)
}

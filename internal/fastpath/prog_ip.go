package fastpath

import "github.com/cilium/ebpf/asm"

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
	)
	e.ipFits()
	e.emit(
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
	)
	e.ipFits()
	e.emit(
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

package packet

import (
	"encoding/binary"

	"github.com/govrf/govrf/internal/header"
)

// retag puts back into the frame b[:n] the 802.1Q tag the kernel moved
// into auxdata, after the two MAC addresses, and returns the new length.
// b must have room for n+header.VLANTagLen octets; retag reports false
// when it has not, leaving b alone. tpid 0 stands for 802.1Q (0x8100), as
// kernels before TP_STATUS_VLAN_TPID_VALID report it.
func retag(b []byte, n int, tci, tpid uint16) (int, bool) {
	if n < 12 || n+header.VLANTagLen > len(b) {
		return n, false
	}
	if tpid == 0 {
		tpid = header.EtherTypeVLAN
	}
	copy(b[12+header.VLANTagLen:n+header.VLANTagLen], b[12:n])
	binary.BigEndian.PutUint16(b[12:], tpid)
	binary.BigEndian.PutUint16(b[14:], tci)
	return n + header.VLANTagLen, true
}

// retagFront is retag for a frame b[start:end] with room in front rather
// than behind: the addresses move back to make room for the tag, which
// spares moving a super-frame's 64 KiB. It returns the frame's new start;
// false, leaving b alone, when there is no room or the frame is too short.
func retagFront(b []byte, start, end int, tci, tpid uint16) (int, bool) {
	if start < header.VLANTagLen || end-start < 12 || end > len(b) {
		return start, false
	}
	if tpid == 0 {
		tpid = header.EtherTypeVLAN
	}
	s := start - header.VLANTagLen
	copy(b[s:s+12], b[start:start+12])
	binary.BigEndian.PutUint16(b[s+12:], tpid)
	binary.BigEndian.PutUint16(b[s+14:], tci)
	return s, true
}

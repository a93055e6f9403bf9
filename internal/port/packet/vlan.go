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

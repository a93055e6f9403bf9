package header

import (
	"encoding/binary"
	"net/netip"
	"strings"
)

// TCPMinLen is the length of the TCP header without options.
const TCPMinLen = 20

// TCPFlags are the control bits of a TCP header (RFC 9293 §3.1, RFC 3168).
type TCPFlags uint8

// TCP control bits.
const (
	TCPFlagFIN TCPFlags = 1 << iota
	TCPFlagSYN
	TCPFlagRST
	TCPFlagPSH
	TCPFlagACK
	TCPFlagURG
	TCPFlagECE
	TCPFlagCWR
)

// String returns the set flags as tcpdump names them, "SYN|ACK".
func (f TCPFlags) String() string {
	names := [...]string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR"}
	var s []string
	for i, n := range names {
		if f&(1<<i) != 0 {
			s = append(s, n)
		}
	}
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, "|")
}

// TCP is a view of a TCP segment from its header.
type TCP []byte

// Validate checks that the segment holds its header and that the data
// offset is at least 5 words and within the segment, whose bytes end
// where the IP payload ends (RFC 9293 §3.1; Linux tcp_v4_rcv). The
// checksum is the receiving socket's business: a router does not verify it.
func (b TCP) Validate() Reason {
	if len(b) < TCPMinLen {
		return ReasonTruncated
	}
	if hl := b.HeaderLen(); hl < TCPMinLen || hl > len(b) {
		return ReasonBadDataOffset
	}
	return ReasonNone
}

// SrcPort returns the source port.
func (b TCP) SrcPort() uint16 { return binary.BigEndian.Uint16(b[0:]) }

// DstPort returns the destination port.
func (b TCP) DstPort() uint16 { return binary.BigEndian.Uint16(b[2:]) }

// Seq returns the sequence number.
func (b TCP) Seq() uint32 { return binary.BigEndian.Uint32(b[4:]) }

// Ack returns the acknowledgment number.
func (b TCP) Ack() uint32 { return binary.BigEndian.Uint32(b[8:]) }

// HeaderLen returns the header length in octets (data offset × 4).
func (b TCP) HeaderLen() int { return int(b[12]>>4) * 4 }

// Flags returns the control bits.
func (b TCP) Flags() TCPFlags { return TCPFlags(b[13]) }

// Window returns the window field.
func (b TCP) Window() uint16 { return binary.BigEndian.Uint16(b[14:]) }

// Checksum returns the checksum field.
func (b TCP) Checksum() uint16 { return binary.BigEndian.Uint16(b[16:]) }

// Urgent returns the urgent pointer.
func (b TCP) Urgent() uint16 { return binary.BigEndian.Uint16(b[18:]) }

// Options returns the option octets.
func (b TCP) Options() []byte { return b[TCPMinLen:b.HeaderLen()] }

// Payload returns the data after the header.
func (b TCP) Payload() []byte { return b[b.HeaderLen():] }

// SetChecksum sets the checksum field.
func (b TCP) SetChecksum(v uint16) { binary.BigEndian.PutUint16(b[16:], v) }

// CalculateChecksum returns the checksum of the segment and its
// pseudo-header computed with the checksum field taken as zero.
func (b TCP) CalculateChecksum(src, dst netip.Addr) uint16 {
	s := PseudoHeaderChecksum(ProtoTCP, src, dst, uint32(len(b)))
	return ^Checksum(b[18:], Checksum(b[:16], s))
}

// Package gso splits the super-frames of generic segmentation offload into
// the wire packets they stand for, and merges such packets back into
// super-frames.
//
// Linux keeps a TCP stream, or a UDP socket using UDP_SEGMENT, in
// "super-frames" of up to 64 KiB for as long as it can, and segments them
// only where a device cannot take them whole (skb_gso_segment). A veth
// pair advertises TSO, so frames cross it unsegmented, and a NIC merges
// what it receives with GRO; a packet socket that asks for PACKET_VNET_HDR
// receives such a frame whole, after a virtio_net_hdr (Hdr) that says how
// the kernel would have cut it. A router that forwards the frame must cut
// it itself, as a NIC's segmentation offload would: Segmenter does.
//
// Segmenter parses the frame itself — Ethernet, up to two VLAN tags, IPv4
// with options or IPv6 with extension headers, TCP or UDP — and trusts the
// header only for the segment size and type. Each segment is a complete
// wire frame with its own lengths, IPv4 ID, sequence number, flags and
// checksums, as inet_gso_segment, tcp_gso_segment and __udp_gso_segment
// make them.
//
// Going the other way, a router that forwards a stream's segments one
// send each pays a system call share, and its peer a receive, per 1500
// octets, where the kernel forwards the super-frame whole. Coalescer
// merges runs of segments back, as GRO does, into super-frames a packet
// socket can send whole behind their Hdr; the kernel passes them on
// whole or segments them itself for a device that cannot.
package gso

import (
	"encoding/binary"

	"github.com/govrf/govrf/internal/header"
)

// HdrLen is the length of struct virtio_net_hdr, the header a packet
// socket with PACKET_VNET_HDR puts in front of every frame.
const HdrLen = 10

// Flags of Hdr.Flags (include/uapi/linux/virtio_net.h).
const (
	// FlagNeedsCsum: the sender left the Internet checksum at
	// CsumStart+CsumOffset to hardware (CHECKSUM_PARTIAL); the field
	// holds the pseudo-header sum only.
	FlagNeedsCsum = 1
)

// GSO types of Hdr.GSOType (include/uapi/linux/virtio_net.h).
const (
	GSONone  = 0    // not a super-frame
	GSOTCPv4 = 1    // TCP over IPv4 (TSO)
	GSOUDP   = 3    // UDP fragmentation offload (UFO), removed from Linux 4.14
	GSOTCPv6 = 4    // TCP over IPv6
	GSOUDPL4 = 5    // UDP segmentation (USO): one datagram per segment
	GSOECN   = 0x80 // flag: the stream uses ECN, so CWR is set on the frame
)

// Hdr is struct virtio_net_hdr. The kernel writes it for packet sockets
// in the host's byte order (vio_le() is the host's endianness there), so
// ParseHdr reads it in native order: little-endian on x86 and arm64.
type Hdr struct {
	Flags   uint8 // FlagNeedsCsum
	GSOType uint8 // GSONone, GSOTCPv4, ... with GSOECN
	// HeaderLen is hdr_len, a hint at the length of the headers; the
	// kernel reports the linear part of the skb there, so nothing here
	// relies on it.
	HeaderLen  uint16
	GSOSize    uint16 // payload octets per segment: the MSS for TCP
	CsumStart  uint16 // where the checksummed bytes begin, from the frame's start
	CsumOffset uint16 // where the checksum field is, from CsumStart
}

// ParseHdr reads a Hdr from the first HdrLen octets of b.
func ParseHdr(b []byte) (Hdr, error) {
	if len(b) < HdrLen {
		return Hdr{}, ErrTruncated
	}
	e := binary.NativeEndian
	return Hdr{
		Flags:      b[0],
		GSOType:    b[1],
		HeaderLen:  e.Uint16(b[2:]),
		GSOSize:    e.Uint16(b[4:]),
		CsumStart:  e.Uint16(b[6:]),
		CsumOffset: e.Uint16(b[8:]),
	}, nil
}

// Encode writes h into the first HdrLen octets of b, in the host's byte
// order, as a packet socket with PACKET_VNET_HDR reads it in front of a
// frame to send (packet_snd).
func (h Hdr) Encode(b []byte) {
	_ = b[HdrLen-1]
	e := binary.NativeEndian
	b[0], b[1] = h.Flags, h.GSOType
	e.PutUint16(b[2:], h.HeaderLen)
	e.PutUint16(b[4:], h.GSOSize)
	e.PutUint16(b[6:], h.CsumStart)
	e.PutUint16(b[8:], h.CsumOffset)
}

// Error is why a frame cannot be segmented or completed. It is a value
// type, so reporting one allocates nothing.
type Error uint8

// Errors of ParseHdr, Reset, Next and CompleteChecksum.
const (
	// ErrTruncated: the frame ends inside its headers, or a length
	// field points past its end.
	ErrTruncated Error = iota + 1
	// ErrGSOType: a GSO type that is not segmented here: UFO, whose
	// fragments the kernel no longer makes, or an unknown value.
	ErrGSOType
	// ErrGSOSize: a super-frame with a segment size of 0.
	ErrGSOSize
	// ErrProtocol: the frame is not what its GSO type names — not IP,
	// not TCP or UDP, the wrong IP version, a fragment — or it is
	// source-routed, so its pseudo-header would need the final
	// destination rather than the one in the IP header.
	ErrProtocol
	// ErrHeader: a malformed IP or TCP header field.
	ErrHeader
	// ErrCsumOffset: CsumStart and CsumOffset point outside the frame.
	ErrCsumOffset
	// ErrShortBuffer: the destination is too short for the segment.
	ErrShortBuffer
)

var errText = [...]string{
	ErrTruncated:   "gso: frame shorter than its headers",
	ErrGSOType:     "gso: unsupported gso_type",
	ErrGSOSize:     "gso: gso_size 0",
	ErrProtocol:    "gso: frame does not match its gso_type",
	ErrHeader:      "gso: malformed header",
	ErrCsumOffset:  "gso: checksum offset outside the frame",
	ErrShortBuffer: "gso: buffer too short for the segment",
}

// Error returns the error's text.
func (e Error) Error() string {
	if int(e) < len(errText) && errText[e] != "" {
		return errText[e]
	}
	return "gso: unknown error"
}

// CompleteChecksum finishes the checksum the sender of frame left to
// hardware, as a NIC does for FlagNeedsCsum (and the kernel in
// skb_checksum_help): the one's-complement sum of frame[CsumStart:], in
// which the field already holds the pseudo-header sum, goes complemented
// into the field at CsumStart+CsumOffset, 0 sent as 0xffff. Without
// FlagNeedsCsum it does nothing.
func (h Hdr) CompleteChecksum(frame []byte) error {
	if h.Flags&FlagNeedsCsum == 0 {
		return nil
	}
	start, at := int(h.CsumStart), int(h.CsumStart)+int(h.CsumOffset)
	if at+2 > len(frame) {
		return ErrCsumOffset
	}
	c := ^header.Checksum(frame[start:], 0)
	if c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(frame[at:], c)
	return nil
}

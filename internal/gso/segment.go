package gso

import (
	"encoding/binary"
	"io"

	"github.com/govrf/govrf/internal/header"
)

// maxExtHeaders bounds the IPv6 extension headers Reset crosses, as the
// data plane bounds them.
const maxExtHeaders = 8

// Segmenter cuts one frame at a time into wire frames. It holds no
// buffers of its own: Reset keeps a reference to the frame, and Next
// writes each segment into the caller's buffer, so reusing a Segmenter
// allocates nothing. The zero value has no segments.
type Segmenter struct {
	frame []byte
	h     Hdr   // as Reset was given it
	kind  uint8 // GSOType without GSOECN
	left  int   // segments not yet written

	ip, l4  int // offsets of the IP and transport headers
	data    int // offset of the payload, after the transport header
	end     int // end of the IP packet: Ethernet padding is not payload
	off     int // the next payload octet to send
	mss     int
	v4, tcp bool
	first   bool

	seq     uint32 // of the next TCP segment
	id      uint16 // IPv4 ID of the next segment
	id0     uint16 // the super-frame's IPv4 ID, total length and
	totLen  uint16 // header checksum, from which each segment's
	ipSum   uint16 // checksum is patched (RFC 1624)
	addrSum uint16 // the addresses' share of the pseudo-header sum
	proto   uint8
}

// Reset prepares s to cut frame, an Ethernet frame, as h describes, and
// drops whatever was left of the previous frame. frame must stay
// unchanged until the last Next. A frame that is not a super-frame
// (GSONone) is one segment, itself, its checksum completed when
// FlagNeedsCsum asks. On an error s has no segments.
func (s *Segmenter) Reset(frame []byte, h Hdr) error {
	*s = Segmenter{}
	if h.GSOType == GSONone {
		if h.Flags&FlagNeedsCsum != 0 && int(h.CsumStart)+int(h.CsumOffset)+2 > len(frame) {
			return ErrCsumOffset
		}
		s.frame, s.h, s.left = frame, h, 1
		return nil
	}
	// GSOECN qualifies a type; alone it is no type at all
	// (virtio_net_hdr_to_skb).
	kind := h.GSOType &^ GSOECN
	switch kind {
	case GSOTCPv4, GSOTCPv6, GSOUDPL4:
	default:
		return ErrGSOType
	}
	if h.GSOSize == 0 {
		return ErrGSOSize
	}
	if err := s.parse(frame, kind); err != nil {
		*s = Segmenter{}
		return err
	}
	s.frame, s.h, s.kind, s.mss, s.first = frame, h, kind, int(h.GSOSize), true
	s.off = s.data
	// An empty payload still makes one frame, as a frame no longer than
	// one segment is sent as it is (virtio_net_hdr_to_skb).
	s.left = max(1, (s.end-s.data+s.mss-1)/s.mss)
	return nil
}

// parse finds the headers of frame, checks that they are what kind says,
// and records what every segment needs from them.
func (s *Segmenter) parse(frame []byte, kind uint8) error {
	e := header.Ethernet(frame)
	if e.Validate() != header.ReasonNone {
		return ErrTruncated
	}
	s.ip = e.HeaderLen()
	switch e.PayloadType() {
	case header.EtherTypeIPv4:
		if kind == GSOTCPv6 {
			return ErrProtocol
		}
		if err := s.parseIPv4(header.IPv4(frame[s.ip:])); err != nil {
			return err
		}
	case header.EtherTypeIPv6:
		if kind == GSOTCPv4 {
			return ErrProtocol
		}
		if err := s.parseIPv6(header.IPv6(frame[s.ip:])); err != nil {
			return err
		}
	default:
		return ErrProtocol
	}
	switch {
	case s.proto == header.ProtoTCP && kind != GSOUDPL4:
		if s.l4+header.TCPMinLen > s.end {
			return ErrTruncated
		}
		t := header.TCP(frame[s.l4:s.end])
		if t.HeaderLen() < header.TCPMinLen {
			return ErrHeader
		}
		if t.HeaderLen() > len(t) {
			return ErrTruncated
		}
		s.tcp, s.data, s.seq = true, s.l4+t.HeaderLen(), t.Seq()
	case s.proto == header.ProtoUDP && kind == GSOUDPL4:
		if s.l4+header.UDPLen > s.end {
			return ErrTruncated
		}
		s.data = s.l4 + header.UDPLen
	default:
		return ErrProtocol
	}
	return nil
}

func (s *Segmenter) parseIPv4(ip header.IPv4) error {
	if len(ip) < header.IPv4MinLen {
		return ErrTruncated
	}
	hl, tl := ip.HeaderLen(), int(ip.TotalLength())
	if ip.Version() != 4 || hl < header.IPv4MinLen {
		return ErrHeader
	}
	if hl > len(ip) || tl > len(ip) {
		return ErrTruncated
	}
	if tl < hl {
		return ErrHeader
	}
	if ip.IsFragment() {
		return ErrProtocol
	}
	// A source route makes the pseudo-header's destination the last
	// address of the route (RFC 9293 §3.1), not the header's.
	it := ip.OptionIter()
	for o, _, ok := it.Next(); ok; o, _, ok = it.Next() {
		if o.Type() == header.IPv4OptLSRR || o.Type() == header.IPv4OptSSRR {
			return ErrProtocol
		}
	}
	if !it.Err().OK() {
		return ErrHeader
	}
	s.v4, s.proto = true, ip.Protocol()
	s.l4, s.end = s.ip+hl, s.ip+tl
	s.id, s.id0, s.totLen, s.ipSum = ip.ID(), ip.ID(), ip.TotalLength(), ip.HeaderChecksum()
	s.addrSum = header.Checksum(ip[12:20], 0)
	return nil
}

func (s *Segmenter) parseIPv6(ip header.IPv6) error {
	switch ip.Validate() {
	case header.ReasonNone:
	case header.ReasonTruncated:
		return ErrTruncated
	default:
		return ErrHeader
	}
	c, p := ip.Walk(maxExtHeaders)
	switch {
	case p.Reason == header.ReasonTruncated || p.Reason == header.ReasonExtIncomplete:
		return ErrTruncated
	case !p.OK():
		return ErrHeader
	case c.Fragment != 0:
		return ErrProtocol
	case c.Routing != 0 && ip[c.Routing+3] != 0:
		// Segments left: the pseudo-header holds the final
		// destination, which is not in the header (RFC 8200 §8.1).
		return ErrProtocol
	}
	s.proto = c.Proto
	s.l4, s.end = s.ip+c.Offset, s.ip+header.IPv6Len+int(ip.PayloadLength())
	s.addrSum = header.Checksum(ip[8:40], 0)
	return nil
}

// More reports whether segments remain to be written.
func (s *Segmenter) More() bool { return s.left > 0 }

// Next writes the next segment, a whole Ethernet frame, into dst and
// returns its length. It returns io.EOF when no segment remains, and
// ErrShortBuffer, ending the frame, when dst cannot hold the segment.
func (s *Segmenter) Next(dst []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	if s.kind == GSONone {
		s.left = 0
		if len(dst) < len(s.frame) {
			return 0, ErrShortBuffer
		}
		n := copy(dst, s.frame)
		return n, s.h.CompleteChecksum(dst[:n])
	}
	chunk := min(s.mss, s.end-s.off)
	n := s.data + chunk
	if len(dst) < n {
		s.left = 0
		return 0, ErrShortBuffer
	}
	copy(dst, s.frame[:s.data])
	copy(dst[s.data:n], s.frame[s.off:s.off+chunk])
	s.off += chunk
	s.left--
	s.fixIP(dst[s.ip:n])
	l4 := dst[s.l4:n]
	if s.tcp {
		s.fixTCP(header.TCP(l4), chunk)
	} else {
		header.UDP(l4).SetLength(uint16(len(l4)))
	}
	// The checksum field sums as zero, then takes the full sum, as a
	// NIC's checksum offload would write it.
	binary.BigEndian.PutUint16(l4[s.csumAt():], 0)
	sum := header.Combine(s.addrSum, header.Combine(uint16(s.proto), uint16(len(l4))))
	c := ^header.Checksum(l4, sum)
	if c == 0 && !s.tcp {
		c = 0xffff // 0 means no checksum in UDP (RFC 768)
	}
	binary.BigEndian.PutUint16(l4[s.csumAt():], c)
	s.first = false
	return n, nil
}

// fixIP sets the lengths of the segment's IP header, and in IPv4 its ID,
// one more per segment (inet_gso_segment), patching the header checksum
// rather than recomputing it, so that a super-frame whose header did not
// verify yields segments that do not either.
func (s *Segmenter) fixIP(ip []byte) {
	if !s.v4 {
		header.IPv6(ip).SetPayloadLength(uint16(len(ip) - header.IPv6Len))
		return
	}
	v := header.IPv4(ip)
	tl := uint16(len(ip))
	v.SetTotalLength(tl)
	v.SetID(s.id)
	v.SetHeaderChecksum(header.UpdateChecksum(header.UpdateChecksum(s.ipSum, s.totLen, tl), s.id0, s.id))
	s.id++
}

// fixTCP sets the sequence number and the flags of a TCP segment as
// tcp_gso_segment does: FIN and PSH stay on the last segment only, CWR on
// the first only.
func (s *Segmenter) fixTCP(t header.TCP, chunk int) {
	binary.BigEndian.PutUint32(t[4:], s.seq)
	s.seq += uint32(chunk)
	f := header.TCPFlags(t[13])
	if s.left > 0 {
		f &^= header.TCPFlagFIN | header.TCPFlagPSH
	}
	if !s.first {
		f &^= header.TCPFlagCWR
	}
	t[13] = byte(f)
}

// csumAt returns the offset of the checksum field in the transport header.
func (s *Segmenter) csumAt() int {
	if s.tcp {
		return 16
	}
	return 6
}

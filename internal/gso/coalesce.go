package gso

import (
	"bytes"
	"encoding/binary"

	"github.com/govrf/govrf/internal/header"
)

// maxHeadLen bounds the headers of a segment Coalesce merges: Ethernet,
// IPv6 (IPv4 without options is shorter) and TCP with 40 octets of
// options.
const maxHeadLen = header.EthernetLen + header.IPv6Len + 60

// maxMerged bounds what a super-frame carries after its Ethernet header:
// the IPv4 total length, or the IPv6 payload length, is 16 bits.
const maxMerged = 0xffff

// Run is one frame of Coalesce's output, standing for the input frames
// frames[Start:Start+N], in order.
//
// With Head nil the run is the one frame frames[Start], to be sent as it
// is behind a zero Hdr. Otherwise it is a super-frame: Head, then
// frames[i][len(Head):] for each of its N frames, all with headers of
// len(Head) octets, and Hdr describes it as the kernel would a frame GRO
// made. Head lives in the Coalescer and is valid until its next
// Coalesce.
type Run struct {
	Start, N int
	Head     []byte
	Hdr      Hdr
}

// Coalescer merges runs of adjacent TCP segments of one flow back into
// the super-frame they could have been cut from — software GRO — so that
// a batch of segments leaves in a few sends rather than one per segment.
//
// It merges exactly what the kernel's GRO merges (tcp_gro_receive,
// inet_gro_receive, ipv6_gro_receive), and only what a virtio_net_hdr
// can describe, so that segmenting the super-frame again, as
// tcp_gso_segment or Segmenter does, gives back the segments it merged:
//
//   - the same Ethernet header, untagged; IPv4 without options and not a
//     fragment, its header checksum valid, with the same addresses, TOS,
//     TTL and DF bit and IDs one apart (GRO also takes IDs that do not
//     change, but the header cannot say so: the kernel would number the
//     segments); or IPv6 without extension headers, with the same
//     addresses, traffic class, flow label and hop limit;
//   - the same TCP ports, acknowledgment number, window, urgent pointer
//     and options, octet for octet; consecutive sequence numbers; a
//     transport checksum that verifies, since the super-frame's is left
//     to the kernel, which would otherwise vouch for a corrupt segment;
//   - ACK set and no SYN, RST or URG; CWR on the first segment only;
//     ECE alike; PSH or FIN only on the last, which ends the run;
//   - a payload in every segment, all but the last of the first's size,
//     the last no larger, which also ends the run when it is smaller;
//   - at least two segments, and no more than 64 KiB of IP packet.
//
// Anything else — other protocols, pure ACKs, SYNs, frames with padding,
// segments of other flows — stays as it was, where it was: Coalesce only
// merges adjacent frames and never reorders. A Coalescer keeps its
// memory from one call to the next, so once warm it allocates nothing.
type Coalescer struct {
	runs  []Run
	heads []byte // maxHeadLen per super-frame
	used  int    // of heads

	// The run being built: frames[start:start+n], whose first and last
	// segments are first and last, carrying payload octets.
	frames      [][]byte
	start, n    int
	first, last segment
	payload     int
}

// segment is what Coalesce reads from a TCP segment it may merge.
type segment struct {
	v4       bool
	l4, data int // offsets of the TCP header and the payload
	size     int // payload octets
	seq      uint32
	id       uint16 // IPv4
	flags    header.TCPFlags
}

// Coalesce returns frames, Ethernet frames, as runs covering them all in
// order. The runs and their heads are valid until the next call; the
// frames are only read, and must stay unchanged while the runs are used.
func (c *Coalescer) Coalesce(frames [][]byte) []Run {
	if cap(c.runs) < len(frames) {
		c.runs = make([]Run, 0, len(frames))
	}
	if need := len(frames) / 2 * maxHeadLen; len(c.heads) < need {
		c.heads = make([]byte, need)
	}
	c.runs, c.used, c.frames, c.n = c.runs[:0], 0, frames, 0
	for i, f := range frames {
		s, ok := parseSegment(f)
		if !ok {
			c.end()
			c.single(i)
			continue
		}
		if c.n > 0 && c.extends(f, s) {
			// The first segment's checksum waits until a second
			// one could join it: most frames that are alone stay
			// unchecked.
			switch {
			case c.n == 1 && !verifies(frames[c.start], c.first):
				c.end()
			case verifies(f, s):
				c.last, c.n, c.payload = s, c.n+1, c.payload+s.size
				if s.size < c.first.size || s.flags&(header.TCPFlagPSH|header.TCPFlagFIN) != 0 {
					c.end()
				}
				continue
			default:
				c.end()
				c.single(i)
				continue
			}
		}
		c.end()
		// GRO sends a segment with PSH or FIN on at once (tcp_gro_receive).
		if s.flags&(header.TCPFlagPSH|header.TCPFlagFIN) != 0 {
			c.single(i)
			continue
		}
		c.start, c.n, c.first, c.last, c.payload = i, 1, s, s, s.size
	}
	c.end()
	c.frames = nil
	return c.runs
}

// single adds frames[i] as it is.
func (c *Coalescer) single(i int) { c.runs = append(c.runs, Run{Start: i, N: 1}) }

// parseSegment reads f as a TCP segment Coalesce may merge: untagged
// IPv4 without options or IPv6 without extension headers, no padding
// after the IP packet, a payload, ACK set and none of SYN, RST and URG.
func parseSegment(f []byte) (s segment, ok bool) {
	if len(f) < header.EthernetLen {
		return s, false
	}
	ip := f[header.EthernetLen:]
	switch binary.BigEndian.Uint16(f[12:]) {
	case header.EtherTypeIPv4:
		// Fragment bits other than DF, options, or a header checksum
		// that does not verify end GRO too (inet_gro_receive).
		if len(ip) < header.IPv4MinLen || ip[0] != 0x45 || ip[9] != header.ProtoTCP ||
			int(binary.BigEndian.Uint16(ip[2:])) != len(ip) ||
			binary.BigEndian.Uint16(ip[6:])&^0x4000 != 0 ||
			header.Checksum(ip[:header.IPv4MinLen], 0) != 0xffff {
			return s, false
		}
		s.v4, s.id, s.l4 = true, binary.BigEndian.Uint16(ip[4:]), header.EthernetLen+header.IPv4MinLen
	case header.EtherTypeIPv6:
		if len(ip) < header.IPv6Len || ip[0]>>4 != 6 || ip[6] != header.ProtoTCP ||
			int(binary.BigEndian.Uint16(ip[4:])) != len(ip)-header.IPv6Len {
			return s, false
		}
		s.l4 = header.EthernetLen + header.IPv6Len
	default:
		return s, false
	}
	if len(f) < s.l4+header.TCPMinLen {
		return s, false
	}
	t := header.TCP(f[s.l4:])
	s.data = s.l4 + t.HeaderLen()
	s.size = len(f) - s.data
	s.seq, s.flags = t.Seq(), t.Flags()
	const refused = header.TCPFlagSYN | header.TCPFlagRST | header.TCPFlagURG
	ok = t.HeaderLen() >= header.TCPMinLen && s.size > 0 &&
		s.flags&header.TCPFlagACK != 0 && s.flags&refused == 0
	return s, ok
}

// extends reports whether the segment s in frame f may follow the run,
// checksums aside.
func (c *Coalescer) extends(f []byte, s segment) bool {
	a, b, l4 := c.frames[c.start], f, s.l4
	if s.v4 != c.first.v4 || s.data != c.first.data ||
		s.seq != c.last.seq+uint32(c.last.size) || s.size > c.first.size ||
		s.data-header.EthernetLen+c.payload+s.size > maxMerged ||
		s.flags&header.TCPFlagCWR != 0 ||
		(s.flags^c.first.flags)&^(header.TCPFlagCWR|header.TCPFlagPSH|header.TCPFlagFIN) != 0 {
		return false
	}
	if s.v4 {
		// TOS; DF; TTL; addresses; IDs one apart.
		if a[15] != b[15] || a[20] != b[20] || a[22] != b[22] || !bytes.Equal(a[26:34], b[26:34]) ||
			s.id != c.first.id+uint16(c.n) {
			return false
		}
	} else if !bytes.Equal(a[14:18], b[14:18]) || a[21] != b[21] || !bytes.Equal(a[22:54], b[22:54]) {
		// Version, traffic class, flow label; hop limit; addresses.
		return false
	}
	// Ethernet; ports; acknowledgment, data offset; window; urgent
	// pointer and options.
	return bytes.Equal(a[:header.EthernetLen], b[:header.EthernetLen]) &&
		bytes.Equal(a[l4:l4+4], b[l4:l4+4]) && bytes.Equal(a[l4+8:l4+13], b[l4+8:l4+13]) &&
		bytes.Equal(a[l4+14:l4+16], b[l4+14:l4+16]) && bytes.Equal(a[l4+18:s.data], b[l4+18:s.data])
}

// verifies reports whether the TCP checksum of the segment s in f
// verifies, as GRO checks it (skb_gro_checksum_validate).
func verifies(f []byte, s segment) bool {
	return header.Checksum(f[s.l4:], pseudo(f, s, len(f)-s.l4)) == 0xffff
}

// pseudo returns the pseudo-header sum of the segment s in f for a TCP
// length of n octets.
func pseudo(f []byte, s segment, n int) uint16 {
	addrs := f[header.EthernetLen+8 : s.l4] // IPv6 source and destination
	if s.v4 {
		addrs = f[header.EthernetLen+12 : s.l4]
	}
	return header.Checksum(addrs, header.Combine(header.ProtoTCP, uint16(n)))
}

// end closes the run being built: one segment stays as it is, more
// become a super-frame.
func (c *Coalescer) end() {
	switch c.n {
	case 0:
		return
	case 1:
		c.single(c.start)
	default:
		c.runs = append(c.runs, c.merge())
	}
	c.n = 0
}

// merge writes the head of the run's super-frame as tcp4_gro_complete,
// tcp6_gro_complete and tcp_gro_complete leave it: the first segment's
// headers with the lengths of the whole, FIN and PSH of the last
// segment, and the checksum left to the kernel, holding the
// pseudo-header sum over the whole TCP length, as tcp_v4_send_check and
// tcp_v6_send_check leave it for TSO.
func (c *Coalescer) merge() Run {
	s := c.first
	h := c.heads[c.used : c.used+s.data]
	c.used += maxHeadLen
	copy(h, c.frames[c.start])
	ipLen := s.data - header.EthernetLen + c.payload
	if ip := header.IPv4(h[header.EthernetLen:]); s.v4 {
		tl := uint16(ipLen)
		ip.SetHeaderChecksum(header.UpdateChecksum(ip.HeaderChecksum(), ip.TotalLength(), tl))
		ip.SetTotalLength(tl)
	} else {
		header.IPv6(ip).SetPayloadLength(uint16(ipLen - header.IPv6Len))
	}
	h[s.l4+13] |= byte(c.last.flags & (header.TCPFlagPSH | header.TCPFlagFIN))
	tcpLen := s.data - s.l4 + c.payload
	binary.BigEndian.PutUint16(h[s.l4+16:], pseudo(h, s, tcpLen))
	gsoType := uint8(GSOTCPv6)
	if s.v4 {
		gsoType = GSOTCPv4
	}
	// A CWR on the first segment marks the stream as using ECN
	// (tcp_gro_complete), so that segmenting sets it on the first
	// segment only.
	if s.flags&header.TCPFlagCWR != 0 {
		gsoType |= GSOECN
	}
	return Run{Start: c.start, N: c.n, Head: h, Hdr: Hdr{
		Flags:      FlagNeedsCsum,
		GSOType:    gsoType,
		HeaderLen:  uint16(s.data),
		GSOSize:    uint16(s.size),
		CsumStart:  uint16(s.l4),
		CsumOffset: 16,
	}}
}

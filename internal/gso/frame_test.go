package gso

import (
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/govrf/govrf/internal/header"
)

var (
	src4, dst4 = netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.2")
	src6, dst6 = netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8:1::2")
)

const (
	seq0 = 0xffff_f000 // the sequence number wraps within a super-frame
	id0  = 0xfffe      // and so does the IPv4 ID
)

// ext is an IPv6 extension header; the builder fills in its Next Header.
type ext struct {
	proto uint8
	b     []byte
}

func hopByHop() ext { return ext{header.ProtoHopByHop, []byte{0, 0, 1, 4, 0, 0, 0, 0}} }
func destOpts() ext { return ext{header.ProtoDestOpts, []byte{0, 0, 1, 4, 0, 0, 0, 0}} }
func fragment() ext { return ext{header.ProtoFragment, []byte{0, 0, 0, 0, 0, 0, 0, 1}} }

// routing is a segment-routing header with segsLeft segments to visit.
func routing(segsLeft uint8) ext {
	return ext{header.ProtoRouting, append([]byte{0, 2, 4, segsLeft}, make([]byte, 20)...)}
}

// spec describes a super-frame to build.
type spec struct {
	tags    []uint16 // TPID, TCI, ... between the addresses and the EtherType
	v6      bool
	ipOpts  []byte // IPv4 options, a multiple of 4 octets
	exts    []ext  // IPv6 extension headers
	proto   uint8  // header.ProtoTCP or ProtoUDP
	tcpOpts []byte // a multiple of 4 octets
	flags   header.TCPFlags
	payload int
	pad     int // octets after the IP packet, as Ethernet padding
}

// build returns the frame s describes, its IP header checksum valid and
// its transport checksum left to hardware, holding the pseudo-header sum
// as the kernel leaves it (CHECKSUM_PARTIAL), and the offset of the
// transport header.
func build(s spec) (frame []byte, l4 int) {
	f := []byte{2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1}
	for _, t := range s.tags {
		f = binary.BigEndian.AppendUint16(f, t)
	}
	var t []byte // transport header and payload
	if s.proto == header.ProtoTCP {
		t = make([]byte, header.TCPMinLen+len(s.tcpOpts))
		binary.BigEndian.PutUint16(t[0:], 40000)
		binary.BigEndian.PutUint16(t[2:], 5201)
		binary.BigEndian.PutUint32(t[4:], seq0)
		binary.BigEndian.PutUint32(t[8:], 77)
		t[12] = byte(len(t)/4) << 4
		t[13] = byte(s.flags)
		binary.BigEndian.PutUint16(t[14:], 512)
		copy(t[header.TCPMinLen:], s.tcpOpts)
	} else {
		t = make([]byte, header.UDPLen)
		binary.BigEndian.PutUint16(t[0:], 40000)
		binary.BigEndian.PutUint16(t[2:], 4789)
	}
	for i := range s.payload {
		t = append(t, byte(i*7+i/251))
	}
	if s.proto == header.ProtoUDP {
		binary.BigEndian.PutUint16(t[4:], uint16(len(t)))
	}
	src, dst := src4, dst4
	if s.v6 {
		src, dst = src6, dst6
	}
	at := 16
	if s.proto == header.ProtoUDP {
		at = 6
	}
	binary.BigEndian.PutUint16(t[at:], header.PseudoHeaderChecksum(s.proto, src, dst, uint32(len(t))))

	if !s.v6 {
		f = binary.BigEndian.AppendUint16(f, header.EtherTypeIPv4)
		ip := header.IPv4(make([]byte, header.IPv4MinLen+len(s.ipOpts)))
		ip.Encode(&header.IPv4Fields{TOS: 2, ID: id0, Flags: header.IPv4FlagDF, TTL: 64, Protocol: s.proto, Src: src, Dst: dst})
		ip[0] = 4<<4 | byte(len(ip)/4)
		copy(ip[header.IPv4MinLen:], s.ipOpts)
		ip.SetTotalLength(uint16(len(ip) + len(t)))
		ip.SetHeaderChecksum(ip.CalculateChecksum())
		f = append(f, ip...)
	} else {
		f = binary.BigEndian.AppendUint16(f, header.EtherTypeIPv6)
		var chain []byte
		next := s.proto
		for i := len(s.exts) - 1; i >= 0; i-- {
			e := append([]byte(nil), s.exts[i].b...)
			e[0] = next
			chain, next = append(e, chain...), s.exts[i].proto
		}
		ip := header.IPv6(make([]byte, header.IPv6Len))
		ip.Encode(&header.IPv6Fields{TrafficClass: 2, FlowLabel: 0x12345, PayloadLength: uint16(len(chain) + len(t)),
			NextHeader: next, HopLimit: 64, Src: src, Dst: dst})
		f = append(append(f, ip...), chain...)
	}
	l4 = len(f)
	f = append(f, t...)
	return append(f, make([]byte, s.pad)...), l4
}

// checksumOK reports whether the transport checksum of the IP packet ip,
// whose transport header is at l4, verifies.
func checksumOK(ip []byte, l4 int, proto uint8) bool {
	var src, dst netip.Addr
	if ip[0]>>4 == 4 {
		v := header.IPv4(ip)
		src, dst = v.Src(), v.Dst()
	} else {
		v := header.IPv6(ip)
		src, dst = v.Src(), v.Dst()
	}
	t := ip[l4:]
	return header.Checksum(t, header.PseudoHeaderChecksum(proto, src, dst, uint32(len(t)))) == 0xffff
}

// segments cuts frame with h into buffers of size room and returns them.
func segments(t *testing.T, frame []byte, h Hdr, room int) [][]byte {
	t.Helper()
	var s Segmenter
	if err := s.Reset(frame, h); err != nil {
		t.Fatalf("Reset(%d-octet frame, %+v) = %v", len(frame), h, err)
	}
	var segs [][]byte
	for s.More() {
		dst := make([]byte, room)
		n, err := s.Next(dst)
		if err != nil {
			t.Fatalf("Next() after %d segments = %v", len(segs), err)
		}
		segs = append(segs, dst[:n])
	}
	if n, err := s.Next(make([]byte, room)); n != 0 || err == nil {
		t.Fatalf("Next() after the last segment = %d, %v; want 0, io.EOF", n, err)
	}
	return segs
}

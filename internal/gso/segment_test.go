package gso

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/govrf/govrf/internal/header"
)

const (
	tcp = header.ProtoTCP
	udp = header.ProtoUDP
	ack = header.TCPFlagACK
	psh = header.TCPFlagPSH
	fin = header.TCPFlagFIN
	cwr = header.TCPFlagCWR
	ece = header.TCPFlagECE
)

var (
	// NOP, then a record-route option with room for one address.
	ipOpts = []byte{header.IPv4OptNOP, header.IPv4OptRR, 7, 4, 0, 0, 0, 0}
	// NOP, NOP, timestamps: what Linux sends on an established stream.
	tsOpts = []byte{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2}
)

// superHdr returns the header the kernel gives a super-frame built by
// build: checksum left to hardware at the transport header.
func superHdr(s spec, gsoType uint8, mss int, l4 int) Hdr {
	off := uint16(16)
	if s.proto == udp {
		off = 6
	}
	return Hdr{Flags: FlagNeedsCsum, GSOType: gsoType, HeaderLen: uint16(l4), GSOSize: uint16(mss), CsumStart: uint16(l4), CsumOffset: off}
}

func TestSegment(t *testing.T) {
	tests := []struct {
		name    string
		s       spec
		gsoType uint8
		mss     int
	}{
		{"tcp4", spec{proto: tcp, flags: ack | psh | fin, payload: 10000}, GSOTCPv4, 1448},
		{"tcp4 ecn", spec{proto: tcp, flags: ack | psh | cwr | ece, payload: 5000}, GSOTCPv4 | GSOECN, 1448},
		{"tcp4 options vlan", spec{tags: []uint16{header.EtherTypeVLAN, 10}, ipOpts: ipOpts, proto: tcp, tcpOpts: tsOpts, flags: ack, payload: 9000}, GSOTCPv4, 1436},
		{"tcp4 exact multiple", spec{proto: tcp, flags: ack | psh, payload: 4000}, GSOTCPv4, 1000},
		{"tcp4 one segment", spec{proto: tcp, flags: ack | psh, payload: 500}, GSOTCPv4, 1448},
		{"tcp4 no payload", spec{proto: tcp, flags: ack | fin}, GSOTCPv4, 1448},
		{"tcp4 64KiB", spec{proto: tcp, flags: ack | psh, payload: 0xffff - 40}, GSOTCPv4, 1448},
		{"tcp4 padded", spec{proto: tcp, flags: ack, payload: 3000, pad: 6}, GSOTCPv4, 1448},
		{"tcp6", spec{v6: true, proto: tcp, flags: ack | psh | fin, payload: 10000}, GSOTCPv6, 1428},
		{"tcp6 ecn", spec{v6: true, proto: tcp, flags: ack | cwr, payload: 3000}, GSOTCPv6 | GSOECN, 1428},
		{"tcp6 extension headers qinq", spec{tags: []uint16{header.EtherTypeQinQ, 5, header.EtherTypeVLAN, 7}, v6: true,
			exts: []ext{hopByHop(), destOpts(), routing(0)}, proto: tcp, tcpOpts: tsOpts, flags: ack, payload: 7000}, GSOTCPv6, 1380},
		{"udp4", spec{proto: udp, payload: 8000}, GSOUDPL4, 1200},
		{"udp4 options", spec{ipOpts: ipOpts, proto: udp, payload: 2500}, GSOUDPL4, 1000},
		{"udp6", spec{v6: true, proto: udp, payload: 8000}, GSOUDPL4, 1200},
		{"udp6 extension headers", spec{v6: true, exts: []ext{hopByHop(), destOpts()}, proto: udp, payload: 3601}, GSOUDPL4, 1200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame, l4 := build(tt.s)
			orig := bytes.Clone(frame)
			segs := segments(t, frame, superHdr(tt.s, tt.gsoType, tt.mss, l4), 2048)
			if !bytes.Equal(frame, orig) {
				t.Fatalf("segmenting changed the super-frame")
			}
			checkSegments(t, tt.s, frame, l4, tt.mss, segs)
		})
	}
}

// checkSegments checks segs, cut from frame with segment size mss,
// against what the kernel's GSO would have sent.
func checkSegments(t *testing.T, s spec, frame []byte, l4, mss int, segs [][]byte) {
	t.Helper()
	ipOff := header.Ethernet(frame).HeaderLen()
	data := l4 + header.UDPLen
	if s.proto == tcp {
		data = l4 + header.TCP(frame[l4:]).HeaderLen()
	}
	payload := frame[data : len(frame)-s.pad]
	if want := max(1, (len(payload)+mss-1)/mss); len(segs) != want {
		t.Fatalf("%d segments, want %d", len(segs), want)
	}
	var got []byte
	for k, seg := range segs {
		chunk := min(mss, len(payload)-k*mss)
		if len(seg) != data+chunk {
			t.Fatalf("segment %d: %d octets, want %d", k, len(seg), data+chunk)
		}
		if !checksumOK(seg[ipOff:], l4-ipOff, s.proto) {
			t.Errorf("segment %d: transport checksum does not verify", k)
		}
		// Patch the fields segmentation changes back to the
		// super-frame's: what remains must be the super-frame's header.
		g := bytes.Clone(seg[:data])
		if !s.v6 {
			ip := header.IPv4(seg[ipOff:])
			if r := ip.Validate(); r != header.ReasonNone || int(ip.TotalLength()) != len(seg)-ipOff {
				t.Errorf("segment %d: IPv4 header %v, total length %d of %d octets", k, r, ip.TotalLength(), len(seg)-ipOff)
			}
			if want := uint16(id0 + k); ip.ID() != want {
				t.Errorf("segment %d: IPv4 ID %#x, want %#x", k, ip.ID(), want)
			}
			copy(g[ipOff+2:ipOff+6], frame[ipOff+2:ipOff+6])
			copy(g[ipOff+10:ipOff+12], frame[ipOff+10:ipOff+12])
		} else {
			if pl := int(header.IPv6(seg[ipOff:]).PayloadLength()); pl != len(seg)-ipOff-header.IPv6Len {
				t.Errorf("segment %d: IPv6 payload length %d of %d octets", k, pl, len(seg)-ipOff-header.IPv6Len)
			}
			copy(g[ipOff+4:ipOff+6], frame[ipOff+4:ipOff+6])
		}
		if s.proto == tcp {
			th := header.TCP(seg[l4:])
			if want := uint32(seq0 + k*mss); th.Seq() != want {
				t.Errorf("segment %d: seq %#x, want %#x", k, th.Seq(), want)
			}
			want := s.flags
			if k < len(segs)-1 {
				want &^= fin | psh
			}
			if k > 0 {
				want &^= cwr
			}
			if th.Flags() != want {
				t.Errorf("segment %d: flags %v, want %v", k, th.Flags(), want)
			}
			copy(g[l4+4:l4+8], frame[l4+4:l4+8])
			g[l4+13] = frame[l4+13]
			copy(g[l4+16:l4+18], frame[l4+16:l4+18])
		} else {
			if ul := int(header.UDP(seg[l4:]).Length()); ul != len(seg)-l4 {
				t.Errorf("segment %d: UDP length %d of %d octets", k, ul, len(seg)-l4)
			}
			copy(g[l4+4:l4+8], frame[l4+4:l4+8])
		}
		if !bytes.Equal(g, frame[:data]) {
			t.Errorf("segment %d: headers\n% x\nwant (changed fields aside)\n% x", k, seg[:data], frame[:data])
		}
		got = append(got, seg[data:]...)
	}
	if !bytes.Equal(got, payload) {
		t.Errorf("the segments' payloads (%d octets) differ from the super-frame's (%d)", len(got), len(payload))
	}
}

func TestSegmentNotGSO(t *testing.T) {
	for _, s := range []spec{
		{proto: tcp, flags: ack | psh, payload: 1000},
		{v6: true, proto: udp, payload: 1000},
	} {
		frame, l4 := build(s)
		h := superHdr(s, GSONone, 0, l4)
		ipOff := header.Ethernet(frame).HeaderLen()

		// The checksum left to hardware is finished.
		segs := segments(t, frame, h, 2048)
		if len(segs) != 1 || len(segs[0]) != len(frame) || !checksumOK(segs[0][ipOff:], l4-ipOff, s.proto) {
			t.Errorf("v6 %v, proto %d: segments %d, want 1 of %d octets with a valid checksum", s.v6, s.proto, len(segs), len(frame))
		}
		at := int(h.CsumStart + h.CsumOffset)
		want := bytes.Clone(frame)
		copy(want[at:at+2], segs[0][at:at+2])
		if !bytes.Equal(segs[0], want) {
			t.Errorf("v6 %v, proto %d: segment differs from the frame beyond its checksum", s.v6, s.proto)
		}

		// A frame with a finished checksum is left as it is.
		h.Flags = 0
		if segs := segments(t, segs[0], h, 2048); len(segs) != 1 || !bytes.Equal(segs[0], want) {
			t.Errorf("v6 %v, proto %d: a frame without FlagNeedsCsum changed", s.v6, s.proto)
		}
	}
}

func TestSegmentMalformed(t *testing.T) {
	tcp4 := spec{proto: tcp, flags: ack, payload: 3000}
	tcp6 := spec{v6: true, proto: tcp, flags: ack, payload: 3000}
	udp4 := spec{proto: udp, payload: 3000}
	lsrr := []byte{header.IPv4OptLSRR, 7, 4, 192, 0, 2, 9, header.IPv4OptEOL}
	badOpt := []byte{header.IPv4OptRR, 9, 4, 0, 0, 0, 0, 0}

	type mutate func(f []byte, l4 int) []byte
	tests := []struct {
		name    string
		s       spec
		gsoType uint8
		mss     int
		mutate  mutate
		want    error
	}{
		{"gso_size 0", tcp4, GSOTCPv4, 0, nil, ErrGSOSize},
		{"ufo", udp4, GSOUDP, 1000, nil, ErrGSOType},
		{"unknown type", tcp4, 2, 1000, nil, ErrGSOType},
		{"unknown flag", tcp4, GSOTCPv4 | 0x10, 1000, nil, ErrGSOType},
		{"ecn alone", tcp4, GSOECN, 1000, nil, ErrGSOType},
		{"tcpv4 on ipv6", tcp6, GSOTCPv4, 1000, nil, ErrProtocol},
		{"tcpv6 on ipv4", tcp4, GSOTCPv6, 1000, nil, ErrProtocol},
		{"tcpv4 on udp", udp4, GSOTCPv4, 1000, nil, ErrProtocol},
		{"udp_l4 on tcp", tcp4, GSOUDPL4, 1000, nil, ErrProtocol},
		{"arp", tcp4, GSOTCPv4, 1000, func(f []byte, _ int) []byte {
			binary.BigEndian.PutUint16(f[12:], header.EtherTypeARP)
			return f
		}, ErrProtocol},
		{"ipv4 fragment", tcp4, GSOTCPv4, 1000, func(f []byte, _ int) []byte {
			f[14+6] |= 0x20 // MF
			return f
		}, ErrProtocol},
		{"ipv4 source route", spec{ipOpts: lsrr, proto: tcp, payload: 3000}, GSOTCPv4, 1000, nil, ErrProtocol},
		{"ipv4 bad option", spec{ipOpts: badOpt, proto: tcp, payload: 3000}, GSOTCPv4, 1000, nil, ErrHeader},
		{"ipv6 fragment", spec{v6: true, exts: []ext{fragment()}, proto: tcp, payload: 3000}, GSOTCPv6, 1000, nil, ErrProtocol},
		{"ipv6 source route", spec{v6: true, exts: []ext{routing(1)}, proto: tcp, payload: 3000}, GSOTCPv6, 1000, nil, ErrProtocol},
		{"ipv6 hop-by-hop out of order", spec{v6: true, exts: []ext{destOpts(), hopByHop()}, proto: tcp, payload: 3000}, GSOTCPv6, 1000, nil, ErrHeader},
		{"ipv4 version", tcp4, GSOTCPv4, 1000, func(f []byte, _ int) []byte { f[14] = 6<<4 | 5; return f }, ErrHeader},
		{"ipv4 ihl", tcp4, GSOTCPv4, 1000, func(f []byte, _ int) []byte { f[14] = 4<<4 | 4; return f }, ErrHeader},
		{"ipv4 total length short", tcp4, GSOTCPv4, 1000, func(f []byte, _ int) []byte {
			binary.BigEndian.PutUint16(f[16:], 19)
			return f
		}, ErrHeader},
		{"ipv4 total length long", tcp4, GSOTCPv4, 1000, func(f []byte, _ int) []byte { return f[:len(f)-1] }, ErrTruncated},
		{"ipv6 version", tcp6, GSOTCPv6, 1000, func(f []byte, _ int) []byte { f[14] = 4 << 4; return f }, ErrHeader},
		{"ipv6 payload length long", tcp6, GSOTCPv6, 1000, func(f []byte, _ int) []byte { return f[:len(f)-1] }, ErrTruncated},
		{"tcp data offset", tcp4, GSOTCPv4, 1000, func(f []byte, l4 int) []byte { f[l4+12] = 4 << 4; return f }, ErrHeader},
		{"tcp header past the packet", tcp4, GSOTCPv4, 1000, func(f []byte, l4 int) []byte {
			f[l4+12] = 8 << 4
			binary.BigEndian.PutUint16(f[16:], uint16(l4-14+header.TCPMinLen+4))
			return f
		}, ErrTruncated},
		{"cut in the tcp header", tcp4, GSOTCPv4, 1000, func(f []byte, l4 int) []byte { return f[:l4+10] }, ErrTruncated},
		{"cut in the udp header", udp4, GSOUDPL4, 1000, func(f []byte, l4 int) []byte { return f[:l4+4] }, ErrTruncated},
		{"cut in the ipv4 header", tcp4, GSOTCPv4, 1000, func(f []byte, _ int) []byte { return f[:14+12] }, ErrTruncated},
		{"cut in the ethernet header", tcp4, GSOTCPv4, 1000, func(f []byte, _ int) []byte { return f[:10] }, ErrTruncated},
		{"not gso, checksum offset outside", tcp4, GSONone, 0, func(f []byte, l4 int) []byte { return f[:l4+17] }, ErrCsumOffset},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, l4 := build(tt.s)
			if tt.mutate != nil {
				f = tt.mutate(f, l4)
			}
			var s Segmenter
			h := superHdr(tt.s, tt.gsoType, tt.mss, l4)
			if err := s.Reset(f, h); err != tt.want {
				t.Fatalf("Reset(%s, %+v) = %v, want %v", tt.name, h, err, tt.want)
			}
			if s.More() {
				t.Errorf("More() = true after Reset failed")
			}
			if n, err := s.Next(make([]byte, 2048)); n != 0 || err != io.EOF {
				t.Errorf("Next() after Reset failed = %d, %v; want 0, io.EOF", n, err)
			}
		})
	}
}

func TestSegmentShortBuffer(t *testing.T) {
	s4 := spec{proto: tcp, flags: ack, payload: 3000}
	frame, l4 := build(s4)
	var s Segmenter
	if err := s.Reset(frame, superHdr(s4, GSOTCPv4, 1448, l4)); err != nil {
		t.Fatalf("Reset() = %v", err)
	}
	if n, err := s.Next(make([]byte, l4+20+1447)); n != 0 || !errors.Is(err, ErrShortBuffer) {
		t.Errorf("Next(a buffer one octet short) = %d, %v; want 0, ErrShortBuffer", n, err)
	}
	if s.More() {
		t.Errorf("More() = true after ErrShortBuffer; the frame should be over")
	}
	if err := s.Reset(frame, Hdr{}); err != nil {
		t.Fatalf("Reset(not GSO) = %v", err)
	}
	if n, err := s.Next(make([]byte, len(frame)-1)); n != 0 || err != ErrShortBuffer {
		t.Errorf("Next(a buffer one octet short of a frame that is not GSO) = %d, %v; want 0, ErrShortBuffer", n, err)
	}
}

func TestParseHdr(t *testing.T) {
	b := []byte{FlagNeedsCsum, GSOTCPv4 | GSOECN, 0, 0, 0, 0, 0, 0, 0, 0, 0xff}
	binary.NativeEndian.PutUint16(b[2:], 66)
	binary.NativeEndian.PutUint16(b[4:], 1448)
	binary.NativeEndian.PutUint16(b[6:], 34)
	binary.NativeEndian.PutUint16(b[8:], 16)
	want := Hdr{Flags: FlagNeedsCsum, GSOType: GSOTCPv4 | GSOECN, HeaderLen: 66, GSOSize: 1448, CsumStart: 34, CsumOffset: 16}
	if h, err := ParseHdr(b); h != want || err != nil {
		t.Errorf("ParseHdr(% x) = %+v, %v; want %+v, nil", b, h, err, want)
	}
	if _, err := ParseHdr(b[:HdrLen-1]); err != ErrTruncated {
		t.Errorf("ParseHdr(%d octets) = %v, want ErrTruncated", HdrLen-1, err)
	}
}

func TestErrorText(t *testing.T) {
	for e := ErrTruncated; e <= ErrShortBuffer; e++ {
		if s := e.Error(); s == "" || s == Error(0).Error() {
			t.Errorf("Error(%d).Error() = %q", e, s)
		}
	}
}

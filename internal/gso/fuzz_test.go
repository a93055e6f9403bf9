package gso

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/govrf/govrf/internal/header"
)

// FuzzSegment feeds a vnet header and a frame, as a packet socket reads
// them, to Reset and Next. Whatever the input, they must not panic, must
// leave the frame alone, and every segment they write must carry the
// super-frame's payload in order, with IP lengths that match it and a
// transport checksum that verifies. Seeds live in testdata/fuzz.
func FuzzSegment(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHdr(b)
		if err != nil {
			return
		}
		frame := b[HdrLen:]
		orig := bytes.Clone(frame)
		var s Segmenter
		if err := s.Reset(frame, h); err != nil {
			if s.More() {
				t.Fatalf("Reset(%+v) = %v, and More() = true", h, err)
			}
			return
		}
		dst := make([]byte, len(frame))
		var payload []byte
		for k := 0; s.More(); k++ {
			if k > len(frame) {
				t.Fatalf("Reset(%+v): more segments than octets", h)
			}
			n, err := s.Next(dst)
			if err != nil {
				t.Fatalf("Reset(%+v), Next() #%d = %v", h, k, err)
			}
			if h.GSOType == GSONone {
				continue
			}
			seg := dst[:n]
			if s.v4 && int(header.IPv4(seg[s.ip:]).TotalLength()) != n-s.ip ||
				!s.v4 && int(header.IPv6(seg[s.ip:]).PayloadLength()) != n-s.ip-header.IPv6Len {
				t.Fatalf("Reset(%+v), Next() #%d: IP length does not match %d octets", h, k, n)
			}
			if !checksumOK(seg[s.ip:], s.l4-s.ip, s.proto) {
				t.Fatalf("Reset(%+v), Next() #%d: checksum does not verify", h, k)
			}
			payload = append(payload, seg[s.data:]...)
		}
		if h.GSOType != GSONone && !bytes.Equal(payload, frame[s.data:s.end]) {
			t.Fatalf("Reset(%+v): segments carry %d payload octets, not the frame's %d", h, len(payload), s.end-s.data)
		}
		if !bytes.Equal(frame, orig) {
			t.Fatalf("Reset(%+v): the frame changed", h)
		}
	})
}

// FuzzCoalesce feeds a batch of frames to Coalesce. The first octet of
// the input is a switch: with its low bit set, the TCP and IPv4 header
// checksums of the frames that have them are made valid first, so that
// the fuzzer reaches the merging rules behind the checksum checks. The
// rest is frames, each a 2-octet length and its octets. Whatever the
// input, Coalesce must not panic, its runs must cover the frames in
// order, and segmenting each super-frame must give back the frames it
// stands for, checksums aside, with checksums that verify. Seeds live
// in testdata/fuzz.
func FuzzCoalesce(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		fix := b[0]&1 != 0
		var frames [][]byte
		for b = b[1:]; len(b) >= 2; {
			n := min(int(binary.BigEndian.Uint16(b)), len(b)-2)
			frame := bytes.Clone(b[2 : 2+n])
			if fix && fixable(frame) {
				refresh(frame)
			}
			frames = append(frames, frame)
			b = b[2+n:]
		}
		var c Coalescer
		runs := c.Coalesce(frames)
		next := 0
		for _, r := range runs {
			if r.Start != next || r.N < 1 || r.Head == nil && r.N != 1 {
				t.Fatalf("run %d+%d after %d frames", r.Start, r.N, next)
			}
			next += r.N
			if r.Head == nil {
				continue
			}
			var s Segmenter
			if err := s.Reset(gather(frames, r), r.Hdr); err != nil {
				t.Fatalf("run %d+%d: Reset(%+v) = %v", r.Start, r.N, r.Hdr, err)
			}
			dst := make([]byte, 1<<16+100)
			for i := range r.N {
				n, err := s.Next(dst)
				if err != nil {
					t.Fatalf("run %d+%d: Next() #%d = %v", r.Start, r.N, i, err)
				}
				got, want := dst[:n], frames[r.Start+i]
				l4 := l4Of(want)
				if !checksumOK(got[header.EthernetLen:], l4-header.EthernetLen, header.ProtoTCP) ||
					l4 != header.EthernetLen+header.IPv6Len && header.Checksum(got[header.EthernetLen:l4], 0) != 0xffff {
					t.Fatalf("run %d+%d: segment %d does not verify", r.Start, r.N, i)
				}
				if !bytes.Equal(unsummed(got), unsummed(want)) {
					t.Fatalf("run %d+%d: segment %d differs:\n% x\nwant\n% x", r.Start, r.N, i, got, want)
				}
			}
			if s.More() {
				t.Fatalf("run %d+%d: more than %d segments", r.Start, r.N, r.N)
			}
		}
		if next != len(frames) {
			t.Fatalf("runs cover %d of %d frames", next, len(frames))
		}
	})
}

// fixable reports whether refresh can make sense of f: an untagged
// IPv4 packet without options or IPv6 packet without extension headers,
// carrying a TCP header, with no octet after the IP packet.
func fixable(f []byte) bool {
	if len(f) < header.EthernetLen {
		return false
	}
	l4 := l4Of(f)
	if len(f) < l4+header.TCPMinLen {
		return false
	}
	switch ip := f[header.EthernetLen:]; binary.BigEndian.Uint16(f[12:]) {
	case header.EtherTypeIPv4:
		return ip[0] == 0x45 && ip[9] == header.ProtoTCP && int(header.IPv4(ip).TotalLength()) == len(ip)
	case header.EtherTypeIPv6:
		return ip[6] == header.ProtoTCP && int(header.IPv6(ip).PayloadLength()) == len(ip)-header.IPv6Len
	}
	return false
}

// unsummed returns a copy of the segment f with its IPv4 header checksum
// and TCP checksum zeroed: a sender may write a checksum of zero as 0 or
// as 0xffff, and Segmenter writes 0.
func unsummed(f []byte) []byte {
	f = bytes.Clone(f)
	l4 := l4Of(f)
	if l4 == header.EthernetLen+header.IPv4MinLen {
		header.IPv4(f[header.EthernetLen:]).SetHeaderChecksum(0)
	}
	header.TCP(f[l4:]).SetChecksum(0)
	return f
}

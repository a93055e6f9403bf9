package gso

import (
	"bytes"
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

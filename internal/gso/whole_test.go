package gso

import (
	"testing"

	"github.com/govrf/govrf/internal/header"
)

// TestWhole checks which super-frames may leave whole, and that Super and
// Skip count the segments and octets Next writes.
func TestWhole(t *testing.T) {
	tcp := uint8(header.ProtoTCP)
	for _, tt := range []struct {
		name  string
		s     spec
		typ   uint8
		mss   int
		edit  func(*Hdr)
		whole bool
	}{
		{"v4", spec{proto: tcp, tcpOpts: tsOpts, payload: 5000}, GSOTCPv4, 1448, nil, true},
		{"v6", spec{v6: true, proto: tcp, tcpOpts: tsOpts, payload: 5000}, GSOTCPv6, 1428, nil, true},
		{"ecn", spec{proto: tcp, flags: header.TCPFlagCWR, payload: 5000}, GSOTCPv4 | GSOECN, 1448, nil, true},
		{"one segment", spec{proto: tcp, payload: 1000}, GSOTCPv4, 1448, nil, false},
		{"vlan", spec{tags: []uint16{header.EtherTypeVLAN, 5}, proto: tcp, payload: 5000}, GSOTCPv4, 1448, nil, false},
		{"ip options", spec{ipOpts: ipOpts, proto: tcp, payload: 5000}, GSOTCPv4, 1448, nil, false},
		{"ext headers", spec{v6: true, exts: []ext{destOpts()}, proto: tcp, payload: 5000}, GSOTCPv6, 1448, nil, false},
		{"padding", spec{proto: tcp, payload: 5000, pad: 4}, GSOTCPv4, 1448, nil, false},
		{"udp", spec{proto: udp, payload: 5000}, GSOUDPL4, 1448, nil, false},
		{"checksum done", spec{proto: tcp, payload: 5000}, GSOTCPv4, 1448, func(h *Hdr) { h.Flags = 0 }, false},
		{"checksum elsewhere", spec{proto: tcp, payload: 5000}, GSOTCPv4, 1448, func(h *Hdr) { h.CsumStart -= 4; h.CsumOffset += 4 }, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, l4 := build(tt.s)
			h := superHdr(tt.s, tt.typ, tt.mss, l4)
			if tt.edit != nil {
				tt.edit(&h)
			}
			var s Segmenter
			if err := s.Reset(f, h); err != nil {
				t.Fatal(err)
			}
			if got := s.Whole(); got != tt.whole {
				t.Fatalf("Whole() = %v, want %v", got, tt.whole)
			}
			sup := s.Super()
			if sup.Hdr != h || &sup.Frame[0] != &f[0] {
				t.Errorf("Super() has header %+v, want %+v, and the frame given", sup.Hdr, h)
			}
			var n, octets, first int
			buf := make([]byte, 2048)
			for s.More() {
				k, err := s.Next(buf)
				if err != nil {
					t.Fatal(err)
				}
				if n == 0 {
					first = k
					// The rest, had it been skipped here.
					c := s
					if segs, oct := c.Skip(); segs != sup.Segments-1 || oct != sup.Octets-k || c.More() {
						t.Errorf("Skip() after the first = %d, %d; want %d, %d", segs, oct, sup.Segments-1, sup.Octets-k)
					}
				}
				n++
				octets += k
			}
			if n != sup.Segments || octets != sup.Octets || first != sup.First {
				t.Errorf("Super() = %d segments, %d octets, first %d; Next wrote %d, %d, %d", sup.Segments, sup.Octets, sup.First, n, octets, first)
			}
		})
	}
}

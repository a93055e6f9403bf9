package gso

import "testing"

// superFrame returns a 64 KiB TCP/IPv4 super-frame, as a veth peer hands
// it over, and its header.
func superFrame() ([]byte, Hdr) {
	s := spec{proto: tcp, tcpOpts: tsOpts, flags: ack | psh, payload: 0xffff - 52}
	f, l4 := build(s)
	return f, superHdr(s, GSOTCPv4, 1448, l4)
}

// Segmenting is on every received super-frame's path: it must not
// allocate.
func TestSegmentAllocs(t *testing.T) {
	frame, h := superFrame()
	dst := make([]byte, 2048)
	var s Segmenter
	allocs := testing.AllocsPerRun(100, func() {
		s.Reset(frame, h)
		for s.More() {
			s.Next(dst)
		}
	})
	if allocs != 0 {
		t.Errorf("Reset and Next allocate %v times per super-frame, want 0", allocs)
	}
}

func BenchmarkSegment(b *testing.B) {
	frame, h := superFrame()
	dst := make([]byte, 2048)
	var s Segmenter
	segs := 0
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		s.Reset(frame, h)
		for s.More() {
			s.Next(dst)
			segs++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(segs), "ns/segment")
}

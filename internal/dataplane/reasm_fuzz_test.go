package dataplane

import (
	"encoding/binary"
	"testing"
)

// FuzzReassembly feeds a queue arbitrary fragments, five octets each
// (offset and length, 16 bits each; the more-fragments flag), cut from
// one datagram whose octets depend on their position, and checks after
// each: a fragment kept touched no octet held before, a duplicate lay
// wholly within them, an overlap touched them (Linux takes a fragment
// across two runs for an overlap, even when it brings nothing new); the runs are sorted,
// disjoint and hold exactly the octets received; a whole datagram is
// every octet up to its length, each in its place.
//
//	go test -run '^$' -fuzz FuzzReassembly -fuzztime 1m ./internal/dataplane/
func FuzzReassembly(f *testing.F) {
	seed := func(ps ...piece) []byte {
		var b []byte
		for _, p := range ps {
			m := byte(0)
			if p.more {
				m = 1
			}
			b = binary.BigEndian.AppendUint16(b, uint16(p.off))
			b = binary.BigEndian.AppendUint16(b, uint16(p.end-p.off))
			b = append(b, m)
		}
		return b
	}
	f.Add(seed(piece{0, 1200, true}, piece{1200, 2400, true}, piece{2400, 3008, false}))
	f.Add(seed(piece{2400, 3008, false}, piece{0, 1200, true}, piece{1200, 2400, true}))
	f.Add(seed(piece{0, 1200, true}, piece{8, 16, true}, piece{1192, 2000, false}))
	f.Add(seed(piece{16, 24, true}, piece{0, 8, true}, piece{8, 16, true}, piece{0, 24, false}))
	f.Add(seed(piece{0, 13, true}, piece{8, 9, false}))
	pattern := func(i int) byte { return byte(i*131 + 7) }
	f.Fuzz(func(t *testing.T, in []byte) {
		var q fragQueue
		held := map[int]bool{}
		for ; len(in) >= 5; in = in[5:] {
			off := int(binary.BigEndian.Uint16(in))
			n := int(binary.BigEndian.Uint16(in[2:]))
			more := in[4]&1 != 0
			data := make([]byte, n)
			for i := range data {
				data[i] = pattern(off + i)
			}
			end := off + n
			if more {
				end = (off + n) &^ 7
			}
			inside, crossed := true, false
			for i := off; i < end; i++ {
				inside = inside && held[i]
				crossed = crossed || held[i]
			}
			r := q.add(off, data, more)
			switch r {
			case fragQueued:
				if crossed {
					t.Fatalf("[%d, %d) kept over octets already held", off, end)
				}
				for i := off; i < end; i++ {
					held[i] = true
				}
				if off == 0 {
					q.first = data
				}
			case fragDup:
				if !inside || end <= off {
					t.Fatalf("[%d, %d) taken for a duplicate", off, end)
				}
			case fragOverlap:
				if !crossed { // wholly held but across runs is an overlap too
					t.Fatalf("[%d, %d) taken for an overlap", off, end)
				}
				return
			case fragBad:
				return
			}
			total, prev := 0, -1
			for _, run := range q.runs {
				if run.start >= run.end || run.start < prev {
					t.Fatalf("runs %v not sorted and disjoint", q.runs)
				}
				for i := run.start; i < run.end; i++ {
					if !held[i] {
						t.Fatalf("octet %d of run %v never received", i, run)
					}
				}
				total += run.end - run.start
				prev = run.end
			}
			if total != len(held) || total != q.meat {
				t.Fatalf("runs hold %d octets, received %d, meat %d", total, len(held), q.meat)
			}
			if q.whole() {
				d := make([]byte, q.length)
				q.copyTo(d)
				for i := range d {
					if !held[i] || d[i] != pattern(i) {
						t.Fatalf("whole with octet %d of %d missing or misplaced", i, q.length)
					}
				}
			}
		}
	})
}

package gso

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/header"
)

// cut returns the segments Segmenter cuts from the super-frame s
// describes, with segment size mss.
func cut(t *testing.T, s spec, mss int) [][]byte {
	t.Helper()
	frame, l4 := build(s)
	kind := uint8(GSOTCPv4)
	switch {
	case s.proto == udp:
		kind = GSOUDPL4
	case s.v6:
		kind = GSOTCPv6
	}
	return segments(t, frame, superHdr(s, kind, mss, l4), 2048)
}

// gather returns the frame r stands for, its super-frame made whole.
func gather(frames [][]byte, r Run) []byte {
	if r.Head == nil {
		return bytes.Clone(frames[r.Start])
	}
	f := bytes.Clone(r.Head)
	for _, s := range frames[r.Start : r.Start+r.N] {
		f = append(f, s[len(r.Head):]...)
	}
	return f
}

// shape writes runs as their lengths, a merged one marked with a star:
// "1 3* 2*".
func shape(runs []Run) string {
	var b strings.Builder
	for i, r := range runs {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, r.N)
		if r.Head != nil {
			b.WriteByte('*')
		}
	}
	return b.String()
}

// l4Of returns the offset of the TCP header of an untagged frame without
// IPv4 options or IPv6 extension headers.
func l4Of(f []byte) int {
	if binary.BigEndian.Uint16(f[12:]) == header.EtherTypeIPv6 {
		return header.EthernetLen + header.IPv6Len
	}
	return header.EthernetLen + header.IPv4MinLen
}

// refresh sets the IPv4 header checksum and the TCP checksum of such a
// frame after a test changed it, as its sender would have.
func refresh(f []byte) {
	l4 := l4Of(f)
	ip := f[header.EthernetLen:]
	var sum uint16
	if l4 == header.EthernetLen+header.IPv4MinLen {
		v := header.IPv4(ip)
		v.SetHeaderChecksum(0)
		v.SetHeaderChecksum(^header.Checksum(v[:header.IPv4MinLen], 0))
		sum = header.PseudoHeaderChecksum(tcp, v.Src(), v.Dst(), uint32(len(f)-l4))
	} else {
		v := header.IPv6(ip)
		sum = header.PseudoHeaderChecksum(tcp, v.Src(), v.Dst(), uint32(len(f)-l4))
	}
	t := header.TCP(f[l4:])
	t.SetChecksum(0)
	t.SetChecksum(^header.Checksum(t, sum))
}

// edit returns a copy of f changed by fn, its checksums refreshed.
func edit(f []byte, fn func(f []byte, l4 int)) []byte {
	f = bytes.Clone(f)
	fn(f, l4Of(f))
	refresh(f)
	return f
}

// Coalescing what Segmenter cut must give back the super-frame, as far
// as it matters: segmenting it again yields the very same segments.
func TestCoalesceRoundTrip(t *testing.T) {
	tests := []struct {
		name    string
		s       spec
		mss     int
		gsoType uint8
	}{
		{"tcp4", spec{proto: tcp, tcpOpts: tsOpts, flags: ack, payload: 10000}, 1448, GSOTCPv4},
		{"tcp4 psh", spec{proto: tcp, flags: ack | psh, payload: 10000}, 1448, GSOTCPv4},
		{"tcp4 fin", spec{proto: tcp, flags: ack | psh | fin, payload: 3000}, 1448, GSOTCPv4},
		{"tcp4 ecn", spec{proto: tcp, flags: ack | cwr | ece, payload: 5000}, 1448, GSOTCPv4 | GSOECN},
		{"tcp4 exact multiple", spec{proto: tcp, flags: ack, payload: 4000}, 1000, GSOTCPv4},
		{"tcp4 64KiB", spec{proto: tcp, tcpOpts: tsOpts, flags: ack | psh, payload: 0xffff - 52}, 1448, GSOTCPv4},
		{"tcp6", spec{v6: true, proto: tcp, tcpOpts: tsOpts, flags: ack | psh, payload: 10000}, 1428, GSOTCPv6},
		{"tcp6 ecn", spec{v6: true, proto: tcp, flags: ack | cwr, payload: 3000}, 1428, GSOTCPv6 | GSOECN},
		{"tcp6 64KiB", spec{v6: true, proto: tcp, flags: ack, payload: 0xffff - 60}, 1428, GSOTCPv6},
	}
	var c Coalescer
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			segs := cut(t, tt.s, tt.mss)
			runs := c.Coalesce(segs)
			if got, want := shape(runs), fmt.Sprintf("%d*", len(segs)); got != want {
				t.Fatalf("Coalesce(%d segments) = %s, want %s", len(segs), got, want)
			}
			r := runs[0]
			_, l4 := build(tt.s)
			want := Hdr{Flags: FlagNeedsCsum, GSOType: tt.gsoType, HeaderLen: uint16(len(r.Head)),
				GSOSize: uint16(tt.mss), CsumStart: uint16(l4), CsumOffset: 16}
			if r.Hdr != want {
				t.Errorf("Coalesce(%d segments).Hdr = %+v, want %+v", len(segs), r.Hdr, want)
			}
			super := gather(segs, r)
			// The field holds the pseudo-header sum of the whole TCP
			// length: completed, the super-frame's checksum verifies.
			whole := bytes.Clone(super)
			if err := r.Hdr.CompleteChecksum(whole); err != nil || !checksumOK(whole[header.EthernetLen:], l4-header.EthernetLen, tcp) {
				t.Errorf("the super-frame's completed checksum does not verify (%v)", err)
			}
			again := segments(t, super, r.Hdr, 2048)
			if len(again) != len(segs) {
				t.Fatalf("segmenting the super-frame gives %d segments, want %d", len(again), len(segs))
			}
			for i := range segs {
				if !bytes.Equal(again[i], segs[i]) {
					t.Fatalf("segment %d again:\n% x\nwant\n% x", i, again[i][:min(80, len(again[i]))], segs[i][:min(80, len(segs[i]))])
				}
			}
		})
	}
}

// Two or four full segments of one flow, to change one of.
func fourSegments(t *testing.T, v6 bool) [][]byte {
	return cut(t, spec{v6: v6, proto: tcp, tcpOpts: tsOpts, flags: ack, payload: 4 * 1000}, 1000)
}

// Every difference GRO does not merge across keeps the second segment
// apart from the first.
func TestCoalesceApart(t *testing.T) {
	type change func(f []byte, l4 int)
	flip := func(at int) change { return func(f []byte, _ int) { f[at] ^= 1 } }
	inTCP := func(at int) change { return func(f []byte, l4 int) { f[l4+at] ^= 1 } }
	flags := func(set header.TCPFlags) change { return func(f []byte, l4 int) { f[l4+13] |= byte(set) } }
	tests := []struct {
		name   string
		v4, v6 change // nil: not applicable to the family
	}{
		{"destination MAC", flip(5), flip(5)},
		{"source MAC", flip(11), flip(11)},
		{"TOS or traffic class", flip(15), flip(14)},
		{"TTL or hop limit", flip(22), flip(21)},
		{"flow label", nil, flip(17)},
		{"DF", func(f []byte, _ int) { f[20] &^= 0x40 }, nil},
		{"source address", flip(29), flip(37)},
		{"destination address", flip(33), flip(53)},
		{"ID unchanged", func(f []byte, _ int) { binary.BigEndian.PutUint16(f[18:], binary.BigEndian.Uint16(f[18:])-1) }, nil},
		{"ID two apart", func(f []byte, _ int) { binary.BigEndian.PutUint16(f[18:], binary.BigEndian.Uint16(f[18:])+1) }, nil},
		{"source port", inTCP(1), inTCP(1)},
		{"destination port", inTCP(3), inTCP(3)},
		{"sequence gap", inTCP(7), inTCP(7)},
		{"acknowledgment", inTCP(11), inTCP(11)},
		{"window", inTCP(15), inTCP(15)},
		{"urgent pointer", inTCP(19), inTCP(19)},
		{"timestamp", inTCP(27), inTCP(27)},
		{"CWR", flags(cwr), flags(cwr)},
		{"ECE", flags(ece), flags(ece)},
		{"URG", flags(header.TCPFlagURG), flags(header.TCPFlagURG)},
		{"RST", flags(header.TCPFlagRST), flags(header.TCPFlagRST)},
		{"SYN", flags(header.TCPFlagSYN), flags(header.TCPFlagSYN)},
		{"no ACK", func(f []byte, l4 int) { f[l4+13] &^= byte(ack) }, func(f []byte, l4 int) { f[l4+13] &^= byte(ack) }},
	}
	var c Coalescer
	for _, v6 := range []bool{false, true} {
		segs := fourSegments(t, v6)
		for _, tt := range tests {
			ch := tt.v4
			if v6 {
				ch = tt.v6
			}
			if ch == nil {
				continue
			}
			batch := [][]byte{segs[0], edit(segs[1], ch)}
			if got := shape(c.Coalesce(batch)); got != "1 1" {
				t.Errorf("v6=%v, second segment with another %s: Coalesce = %s, want 1 1", v6, tt.name, got)
			}
		}
	}
}

// Frames that are not TCP segments GRO merges stay single, whatever
// follows them.
func TestCoalesceSingles(t *testing.T) {
	four := func(v6 bool) func(t *testing.T) [][]byte {
		return func(t *testing.T) [][]byte { return fourSegments(t, v6) }
	}
	each := func(base func(t *testing.T) [][]byte, fn func(f []byte, l4 int), fresh bool) func(t *testing.T) [][]byte {
		return func(t *testing.T) [][]byte {
			segs := base(t)
			for i, s := range segs {
				if fresh {
					segs[i] = edit(s, fn)
				} else {
					segs[i] = bytes.Clone(s)
					fn(segs[i], l4Of(s))
				}
			}
			return segs
		}
	}
	cutOf := func(s spec, mss int) func(t *testing.T) [][]byte {
		return func(t *testing.T) [][]byte { return cut(t, s, mss) }
	}
	tests := []struct {
		name  string
		batch func(t *testing.T) [][]byte
	}{
		{"udp4", cutOf(spec{proto: udp, payload: 4000}, 1000)},
		{"udp6", cutOf(spec{v6: true, proto: udp, payload: 4000}, 1000)},
		{"vlan", cutOf(spec{tags: []uint16{header.EtherTypeVLAN, 10}, proto: tcp, flags: ack, payload: 4000}, 1000)},
		{"ipv4 options", cutOf(spec{ipOpts: ipOpts, proto: tcp, flags: ack, payload: 4000}, 1000)},
		{"ipv6 extension headers", cutOf(spec{v6: true, exts: []ext{hopByHop()}, proto: tcp, flags: ack, payload: 4000}, 1000)},
		{"psh on each", each(four(false), func(f []byte, l4 int) { f[l4+13] |= byte(psh) }, true)},
		{"fin on each", each(four(false), func(f []byte, l4 int) { f[l4+13] |= byte(fin) }, true)},
		{"ipv4 fragments", each(four(false), func(f []byte, _ int) { f[20] |= 0x20 }, true)},
		{"bad TCP checksums", each(four(false), func(f []byte, l4 int) { f[l4+16] ^= 1 }, false)},
		{"bad TCP checksums ipv6", each(four(true), func(f []byte, l4 int) { f[l4+16] ^= 1 }, false)},
		{"bad IPv4 header checksums", each(four(false), func(f []byte, _ int) { f[24] ^= 1 }, false)},
		{"not IP", each(four(false), func(f []byte, _ int) { f[12], f[13] = 0x88, 0xb5 }, false)},
		{"pure acks", func(t *testing.T) [][]byte {
			f, _ := build(spec{proto: tcp, flags: ack})
			refresh(f)
			g := bytes.Clone(f)
			return [][]byte{f, g, bytes.Clone(f)}
		}},
		{"ethernet padding", func(t *testing.T) [][]byte {
			segs := fourSegments(t, false)
			for i := range segs {
				segs[i] = append(bytes.Clone(segs[i]), 0, 0)
			}
			return segs
		}},
		{"runts", func(t *testing.T) [][]byte { return [][]byte{nil, {1, 2, 3}, make([]byte, 20), make([]byte, 60)} }},
	}
	var c Coalescer
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			batch := tt.batch(t)
			want := strings.TrimSpace(strings.Repeat("1 ", len(batch)))
			if got := shape(c.Coalesce(batch)); got != want {
				t.Errorf("Coalesce(%d frames) = %s, want %s", len(batch), got, want)
			}
		})
	}
}

// Runs end where GRO ends them, and never reach across another frame.
func TestCoalesceBatches(t *testing.T) {
	var c Coalescer
	for _, v6 := range []bool{false, true} {
		a := fourSegments(t, v6)
		b := make([][]byte, len(a)) // another flow
		for i := range a {
			b[i] = edit(a[i], func(f []byte, l4 int) { f[l4+1]++ })
		}
		psh := func(f []byte, l4 int) { f[l4+13] |= byte(psh) }
		fin := func(f []byte, l4 int) { f[l4+13] |= byte(fin) }
		cwr := func(f []byte, l4 int) { f[l4+13] |= byte(cwr) }
		short := func(f []byte) []byte { // the segment cut short
			f = bytes.Clone(f[:len(f)-10])
			if l4Of(f) == header.EthernetLen+header.IPv6Len {
				header.IPv6(f[header.EthernetLen:]).SetPayloadLength(uint16(len(f) - header.EthernetLen - header.IPv6Len))
			} else {
				header.IPv4(f[header.EthernetLen:]).SetTotalLength(uint16(len(f) - header.EthernetLen))
			}
			refresh(f)
			return f
		}
		arp := make([]byte, 60)
		arp[12], arp[13] = 0x08, 0x06
		tests := []struct {
			name  string
			batch [][]byte
			want  string
		}{
			{"one flow", a, "4*"},
			{"two flows", append(append([][]byte{}, a[:3]...), b[:2]...), "3* 2*"},
			{"interleaved", [][]byte{a[0], b[0], a[1], b[1], a[2], b[2]}, "1 1 1 1 1 1"},
			{"another frame between", [][]byte{a[0], a[1], arp, a[2], a[3]}, "2* 1 2*"},
			{"psh ends a run", [][]byte{a[0], edit(a[1], psh), a[2], a[3]}, "2* 2*"},
			{"fin ends a run", [][]byte{a[0], a[1], edit(a[2], fin), a[3]}, "3* 1"},
			{"psh first", [][]byte{edit(a[0], psh), a[1], a[2]}, "1 2*"},
			{"cwr starts a run", [][]byte{a[0], edit(a[1], cwr), a[2], a[3]}, "1 3*"},
			{"short ends a run", [][]byte{a[0], short(a[1]), a[2]}, "2* 1"},
			{"short first", [][]byte{short(a[0]), a[1]}, "1 1"},
			{"retransmission", [][]byte{a[0], a[1], a[1], a[2]}, "2* 2*"},
			{"corrupt first", [][]byte{corrupt(a[0]), a[1], a[2]}, "1 2*"},
			{"corrupt middle", [][]byte{a[0], a[1], corrupt(a[2]), a[3]}, "2* 1 1"},
		}
		for _, tt := range tests {
			runs := c.Coalesce(tt.batch)
			if got := shape(runs); got != tt.want {
				t.Errorf("v6=%v, %s: Coalesce = %s, want %s", v6, tt.name, got, tt.want)
				continue
			}
			checkRuns(t, tt.batch, runs)
		}
	}
}

// corrupt returns a copy of f with a payload octet changed and its
// checksum not: a segment damaged on the way.
func corrupt(f []byte) []byte {
	f = bytes.Clone(f)
	f[len(f)-1] ^= 0xff
	return f
}

// checkRuns checks that runs cover frames in order, and that each
// super-frame, segmented, gives back its frames.
func checkRuns(t *testing.T, frames [][]byte, runs []Run) {
	t.Helper()
	next := 0
	for _, r := range runs {
		if r.Start != next || r.N < 1 {
			t.Fatalf("run %+v after %d frames", r, next)
		}
		next += r.N
		if r.Head == nil {
			if r.N != 1 || r.Hdr != (Hdr{}) {
				t.Fatalf("single run %+v", r)
			}
			continue
		}
		again := segments(t, gather(frames, r), r.Hdr, 2048)
		if len(again) != r.N {
			t.Fatalf("run %d+%d: %d segments again", r.Start, r.N, len(again))
		}
		for i, s := range again {
			if !bytes.Equal(s, frames[r.Start+i]) {
				t.Fatalf("run %d+%d: segment %d differs", r.Start, r.N, i)
			}
		}
	}
	if next != len(frames) {
		t.Fatalf("runs cover %d of %d frames", next, len(frames))
	}
}

// Only a 64 KiB IP packet fits a super-frame.
func TestCoalesceLimit(t *testing.T) {
	var c Coalescer
	segs := cut(t, spec{proto: tcp, tcpOpts: tsOpts, flags: ack, payload: 65 * 1000}, 1000)
	last := segs[len(segs)-1]
	more := edit(last, func(f []byte, l4 int) {
		ip := header.IPv4(f[header.EthernetLen:])
		ip.SetID(ip.ID() + 1)
		binary.BigEndian.PutUint32(f[l4+4:], header.TCP(f[l4:]).Seq()+1000)
	})
	batch := append(segs, more)
	runs := c.Coalesce(batch)
	if got := shape(runs); got != "65* 1" {
		t.Fatalf("Coalesce(65 segments filling 64 KiB and one more) = %s, want 65* 1", got)
	}
	checkRuns(t, batch, runs)
	if got := shape(c.Coalesce(append(segs[1:], more))); got != "65*" {
		t.Errorf("Coalesce(the last 65 of them) = %s, want 65*", got)
	}
}

// Coalescing is on every sent batch's path: once warm it must not
// allocate.
func TestCoalesceAllocs(t *testing.T) {
	frame, h := superFrame()
	segs := segments(t, frame, h, 2048)
	batch := append(append([][]byte{}, segs...), segs[:64-len(segs)]...)
	var c Coalescer
	c.Coalesce(batch)
	if allocs := testing.AllocsPerRun(100, func() { c.Coalesce(batch) }); allocs != 0 {
		t.Errorf("Coalesce allocates %v times per batch, want 0", allocs)
	}
}

func BenchmarkCoalesce(b *testing.B) {
	frame, h := superFrame()
	var s Segmenter
	s.Reset(frame, h)
	var segs [][]byte
	for s.More() {
		dst := make([]byte, 2048)
		n, _ := s.Next(dst)
		segs = append(segs, dst[:n])
	}
	var c Coalescer
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		c.Coalesce(segs)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(segs)), "ns/segment")
}

package header

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"testing"
)

func TestChecksumRFC1071Example(t *testing.T) {
	// RFC 1071 §3 works this example by hand: the sum is ddf2.
	b := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}
	if got := Checksum(b, 0); got != 0xddf2 {
		t.Fatalf("Checksum(%x, 0) = %#04x, want 0xddf2", b, got)
	}
}

func TestChecksumMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 4096)
	for i := 0; i < 5000; i++ {
		for j := range buf {
			buf[j] = byte(r.Uint32())
		}
		if i%7 == 0 { // runs of 0xff stress the carries
			for j := range buf {
				buf[j] = 0xff
			}
		}
		off := r.IntN(9)
		n := r.IntN(len(buf) - off)
		if i < 100 {
			n = i
		}
		b := buf[off : off+n]
		init := uint16(r.Uint32())
		if got, want := Checksum(b, init), naiveChecksum(b, init); got != want {
			t.Fatalf("Checksum(len %d, %#04x) = %#04x, want %#04x", n, init, got, want)
		}
	}
}

func TestChecksumZero(t *testing.T) {
	for _, n := range []int{0, 1, 7, 8, 33, 100} {
		if got := Checksum(make([]byte, n), 0); got != 0 {
			t.Fatalf("Checksum(%d zeros, 0) = %#04x, want 0", n, got)
		}
	}
}

func TestCombine(t *testing.T) {
	tests := []struct{ a, b, want uint16 }{
		{0, 0, 0},
		{1, 2, 3},
		{0xffff, 1, 1},
		{0x8000, 0x8000, 1},
		{0xffff, 0, 0xffff},
	}
	for _, tt := range tests {
		if got := Combine(tt.a, tt.b); got != tt.want {
			t.Fatalf("Combine(%#x, %#x) = %#x, want %#x", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestUpdateChecksumMatchesRecompute(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	b := make([]byte, 64)
	for i := 0; i < 20000; i++ {
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		if i%5 == 0 { // mostly zero data drives sums towards ±0
			clear(b)
			b[r.IntN(len(b))] = byte(r.Uint32())
		}
		b[0], b[1] = 0, 0 // the checksum field
		hc := ^Checksum(b, 0)
		w := 2 + 2*r.IntN(len(b)/2-1)
		m := uint16(b[w])<<8 | uint16(b[w+1])
		m2 := uint16(r.Uint32())
		if i%3 == 0 {
			m2 = 0
		}
		b[w], b[w+1] = byte(m2>>8), byte(m2)
		// All-zero data is the one case where a recomputation (0xffff)
		// and eqn. 3 (0) differ; no IP header is all zero.
		want := ^Checksum(b, 0)
		if got := UpdateChecksum(hc, m, m2); got != want && Checksum(b, 0) != 0 {
			t.Fatalf("UpdateChecksum(%#04x, %#04x, %#04x) = %#04x, want %#04x", hc, m, m2, got, want)
		}
	}
}

func TestPseudoHeaderChecksum(t *testing.T) {
	tests := []struct {
		proto    uint8
		src, dst netip.Addr
		length   uint32
		wire     []byte // the pseudo-header as RFC 768 / RFC 8200 §8.1 lay it out
	}{
		{
			ProtoUDP, src4, dst4, 1000,
			[]byte{192, 0, 2, 1, 198, 51, 100, 7, 0, ProtoUDP, 0x03, 0xe8},
		},
		{
			ProtoICMPv6, ll6, gl6, 70000,
			append(append(ll6.AsSlice(), gl6.AsSlice()...), 0, 1, 0x11, 0x70, 0, 0, 0, ProtoICMPv6),
		},
	}
	for _, tt := range tests {
		got := PseudoHeaderChecksum(tt.proto, tt.src, tt.dst, tt.length)
		if want := naiveChecksum(tt.wire, 0); got != want {
			t.Fatalf("PseudoHeaderChecksum(%d, %v, %v, %d) = %#04x, want %#04x", tt.proto, tt.src, tt.dst, tt.length, got, want)
		}
	}
}

func BenchmarkChecksum(b *testing.B) {
	for _, n := range []int{20, 64, 576, 1500, 9000} {
		buf := make([]byte, n)
		for i := range buf {
			buf[i] = byte(i * 7)
		}
		b.Run(sizeName(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				Checksum(buf, 0)
			}
		})
		b.Run(sizeName(n)+"/naive", func(b *testing.B) {
			b.SetBytes(int64(n))
			for b.Loop() {
				naiveChecksum(buf, 0)
			}
		})
	}
}

func sizeName(n int) string { return strconv.Itoa(n) + "B" }

package vxlan

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
)

func TestHeader(t *testing.T) {
	frame := make([]byte, HeaderLen+14)
	Header(frame).Encode(0xabcdef)
	want := []byte{0x08, 0, 0, 0, 0xab, 0xcd, 0xef, 0}
	if !bytes.Equal(frame[:HeaderLen], want) {
		t.Fatalf("Encode(0xabcdef) = % x, want % x", frame[:HeaderLen], want)
	}
	tests := []struct {
		name string
		b    []byte
		want Reason
	}{
		{"ok", frame, OK},
		{"short", frame[:HeaderLen+13], Short},
		{"no I flag", append([]byte{0, 0, 0, 0, 0, 0, 1, 0}, make([]byte, 14)...), BadFlags},
		{"other flag", append([]byte{0x0c, 0, 0, 0, 0, 0, 1, 0}, make([]byte, 14)...), BadFlags},
		{"reserved ignored", append([]byte{0x08, 0xff, 0xff, 0xff, 0, 0, 1, 0xff}, make([]byte, 14)...), OK},
	}
	for _, tt := range tests {
		if got := Header(tt.b).Validate(); got != tt.want {
			t.Errorf("%s: Validate() = %d, want %d", tt.name, got, tt.want)
		}
	}
	if got := Header(frame).VNI(); got != 0xabcdef {
		t.Errorf("VNI() = %#x, want 0xabcdef", got)
	}
}

func TestSrcPort(t *testing.T) {
	tests := []struct {
		hash   uint32
		lo, hi uint16
		want   uint16
	}{
		{0, 0, 0, 32768},
		{0xffffffff, 0, 0, 60999},
		{0, 1000, 2000, 1000},
		{0xffffffff, 1000, 2000, 1999},
		{0x80000000, 1000, 2000, 1500},
	}
	for _, tt := range tests {
		if got := SrcPort(tt.hash, tt.lo, tt.hi); got != tt.want {
			t.Errorf("SrcPort(%#x, %d, %d) = %d, want %d", tt.hash, tt.lo, tt.hi, got, tt.want)
		}
	}
}

// TestFlowHash: frames of one flow hash alike; another port, another
// address or another protocol makes another flow.
func TestFlowHash(t *testing.T) {
	mk := func(proto uint8, src, dst string, sport uint16) []byte {
		f := make([]byte, 14+20+8)
		header.Ethernet(f).Encode(header.MAC{2}, header.MAC{4}, header.EtherTypeIPv4)
		header.IPv4(f[14:]).Encode(&header.IPv4Fields{TotalLength: 28, TTL: 64, Protocol: proto,
			Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst)})
		header.UDP(f[34:]).SetSrcPort(sport)
		header.UDP(f[34:]).SetDstPort(53)
		return f
	}
	base := FlowHash(mk(17, "10.0.0.1", "10.0.0.2", 1000))
	if FlowHash(mk(17, "10.0.0.1", "10.0.0.2", 1000)) != base {
		t.Fatal("one flow, two hashes")
	}
	seen := map[uint32]bool{base: true}
	for _, f := range [][]byte{mk(17, "10.0.0.1", "10.0.0.2", 1001), mk(17, "10.0.0.3", "10.0.0.2", 1000), mk(6, "10.0.0.1", "10.0.0.2", 1000)} {
		seen[FlowHash(f)] = true
	}
	if len(seen) != 4 {
		t.Fatalf("four flows hash to %d values", len(seen))
	}
	f := mk(1, "10.0.0.1", "10.0.0.2", 1000)
	if n := testing.AllocsPerRun(100, func() { FlowHash(f) }); n != 0 {
		t.Fatalf("FlowHash allocates %v times", n)
	}
}

func TestFDB(t *testing.T) {
	f := NewFDB()
	now := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	m := header.MAC{2, 0, 0, 0, 0, 1}
	a, b := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	f.Learn(m, a, now, DefaultAgeing)
	if d, ok := f.Lookup(m, now.Add(DefaultAgeing-time.Second), DefaultAgeing); !ok || d != a {
		t.Fatalf("Lookup before ageing = %v, %v, want %v", d, ok, a)
	}
	f.Learn(m, b, now.Add(time.Minute), DefaultAgeing) // moved
	if d, _ := f.Lookup(m, now.Add(time.Minute), DefaultAgeing); d != b {
		t.Fatalf("Lookup after a move = %v, want %v", d, b)
	}
	if _, ok := f.Lookup(m, now.Add(time.Minute+DefaultAgeing), DefaultAgeing); ok {
		t.Fatal("Lookup after ageing found the entry")
	}
	if _, ok := f.Lookup(m, now.Add(time.Hour), 0); !ok {
		t.Fatal("Lookup with ageing none lost the entry")
	}
	if e := f.Entries(now.Add(time.Minute+DefaultAgeing), DefaultAgeing); len(e) != 0 {
		t.Fatalf("Entries after ageing = %v", e)
	}
	for i := range MaxLearned + 10 {
		f.Learn(header.MAC{2, 0, 0, byte(i >> 16), byte(i >> 8), byte(i)}, a, now, DefaultAgeing)
	}
	if n := len(f.Entries(now, DefaultAgeing)); n != MaxLearned {
		t.Fatalf("%d entries learned, want the bound %d", n, MaxLearned)
	}
}

// FuzzHeader feeds a UDP payload to the decapsulation parser: Validate
// must not panic, and what it accepts must give a VNI below 2^24 and an
// inner frame holding an Ethernet header, the rest of the payload.
func FuzzHeader(f *testing.F) {
	f.Add([]byte{0x08, 0, 0, 0, 0, 0, 100, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 8, 0})
	f.Add([]byte{0x08, 0, 0, 0})
	f.Add([]byte{0, 0, 0, 0, 0, 0, 100, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 8, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		h := Header(b)
		if h.Validate() != OK {
			return
		}
		if h.VNI() >= 1<<24 {
			t.Fatalf("VNI() = %#x", h.VNI())
		}
		if inner := h.Frame(); len(inner) < 14 || len(inner) != len(b)-HeaderLen {
			t.Fatalf("Frame() holds %d of %d octets", len(inner), len(b))
		}
		c := make([]byte, HeaderLen)
		Header(c).Encode(h.VNI())
		if Header(c).VNI() != h.VNI() {
			t.Fatalf("Encode(%d) reads back %d", h.VNI(), Header(c).VNI())
		}
	})
}

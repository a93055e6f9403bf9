package header

import (
	"math/rand/v2"
	"net/netip"
	"testing"
)

func TestIPv4Validate(t *testing.T) {
	good := buildIPv4(nil, []byte("payload!"))
	tests := []struct {
		name string
		b    func() IPv4
		want Reason
	}{
		{"valid", func() IPv4 { return good }, ReasonNone},
		{"with options", func() IPv4 { return buildIPv4([]byte{IPv4OptRouterAlert, 4, 0, 0}, nil) }, ReasonNone},
		{"ethernet padding", func() IPv4 { return append(clone(good), 0, 0, 0, 0) }, ReasonNone},
		{"empty", func() IPv4 { return nil }, ReasonTruncated},
		{"19 octets", func() IPv4 { return good[:19] }, ReasonTruncated},
		{"version 6", func() IPv4 { return fix(good, func(b IPv4) { b[0] = 0x65 }) }, ReasonBadVersion},
		{"IHL 4", func() IPv4 { return fix(good, func(b IPv4) { b[0] = 0x44 }) }, ReasonBadIHL},
		{"IHL past the bytes", func() IPv4 { return fix(good, func(b IPv4) { b[0] = 0x4f }) }, ReasonTruncated},
		{"bad checksum", func() IPv4 { b := clone(good); b[10] ^= 1; return b }, ReasonBadChecksum},
		{"total length past the bytes", func() IPv4 { return fix(good, func(b IPv4) { b.SetTotalLength(29) }) }, ReasonTruncated},
		{"total length below header", func() IPv4 { return fix(good, func(b IPv4) { b.SetTotalLength(19) }) }, ReasonBadTotalLength},
		{"TTL 0 is not refused", func() IPv4 { return fix(good, func(b IPv4) { b.SetTTL(0) }) }, ReasonNone},
	}
	for _, tt := range tests {
		if got := tt.b().Validate(); got != tt.want {
			t.Fatalf("%s: Validate() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// clone copies b so a test case can change it.
func clone[T ~[]byte](b T) T { return append(T(nil), b...) }

// fix copies b, applies f and recomputes the header checksum.
func fix(b IPv4, f func(IPv4)) IPv4 {
	c := clone(b)
	f(c)
	c.SetHeaderChecksum(0)
	c.SetHeaderChecksum(^naiveChecksum(c[:min(len(c), max(c.HeaderLen(), 20))], 0))
	return c
}

func TestIPv4RoundTrip(t *testing.T) {
	f := IPv4Fields{
		TOS:         0xb8,
		TotalLength: 28,
		ID:          0xbeef,
		Flags:       IPv4FlagMF,
		FragOffset:  1480,
		TTL:         17,
		Protocol:    ProtoICMP,
		Src:         src4,
		Dst:         dst4,
	}
	b := IPv4(make([]byte, 28))
	b.Encode(&f)
	if r := b.Validate(); r != ReasonNone {
		t.Fatalf("Validate() = %v after Encode(%+v)", r, f)
	}
	got := IPv4Fields{
		TOS: b.TOS(), TotalLength: b.TotalLength(), ID: b.ID(), Flags: b.Flags(),
		FragOffset: b.FragmentOffset(), TTL: b.TTL(), Protocol: b.Protocol(),
		Src: b.Src(), Dst: b.Dst(),
	}
	if got != f {
		t.Fatalf("fields = %+v, want %+v", got, f)
	}
	if !b.MF() || b.DF() || !b.IsFragment() || b.HeaderLen() != 20 || len(b.Payload()) != 8 || b.Version() != 4 {
		t.Fatalf("MF, DF, IsFragment, HeaderLen, Payload = %v %v %v %d %d", b.MF(), b.DF(), b.IsFragment(), b.HeaderLen(), len(b.Payload()))
	}
	if c := b.CalculateChecksum(); c != b.HeaderChecksum() {
		t.Fatalf("CalculateChecksum() = %#04x, want %#04x", c, b.HeaderChecksum())
	}
}

func TestIPv4DecTTL(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 2000; i++ {
		b := buildIPv4(nil, nil)
		b.Encode(&IPv4Fields{
			TOS: uint8(r.Uint32()), TotalLength: 20, ID: uint16(r.Uint32()),
			TTL: uint8(2 + r.IntN(254)), Protocol: uint8(r.Uint32()),
			Src: netip.AddrFrom4([4]byte{byte(r.Uint32()), byte(r.Uint32()), 0, 1}), Dst: dst4,
		})
		ttl := b.TTL()
		b.DecTTL()
		if b.TTL() != ttl-1 {
			t.Fatalf("DecTTL() left TTL %d, want %d", b.TTL(), ttl-1)
		}
		if b.Validate() != ReasonNone || b.HeaderChecksum() != b.CalculateChecksum() {
			t.Fatalf("DecTTL() checksum %#04x, want %#04x", b.HeaderChecksum(), b.CalculateChecksum())
		}
	}
}

func TestIPv4CheckFragment(t *testing.T) {
	tests := []struct {
		offset, payload int
		want            Reason
	}{
		{0, 8, ReasonNone},
		{65528, 7, ReasonNone},
		{65528, 8, ReasonBadFragment},
	}
	for _, tt := range tests {
		b := buildIPv4(nil, make([]byte, tt.payload))
		b.SetFragment(IPv4FlagMF, tt.offset)
		if got := b.CheckFragment(); got != tt.want {
			t.Fatalf("CheckFragment() at offset %d with %d octets = %v, want %v", tt.offset, tt.payload, got, tt.want)
		}
	}
}

func BenchmarkIPv4Validate(b *testing.B) {
	p := buildIPv4(nil, make([]byte, 1480))
	b.Run("plain", func(b *testing.B) {
		for b.Loop() {
			if p.Validate() != ReasonNone {
				b.Fatal("invalid")
			}
		}
	})
	o := buildIPv4([]byte{IPv4OptRouterAlert, 4, 0, 0, IPv4OptRR, 7, 4, 0, 0, 0, 0}, make([]byte, 1480))
	b.Run("options", func(b *testing.B) {
		for b.Loop() {
			if o.Validate() != ReasonNone || !o.CheckOptions().OK() {
				b.Fatal("invalid")
			}
		}
	})
	b.Run("DecTTL", func(b *testing.B) {
		for b.Loop() {
			p.SetTTL(64)
			p.DecTTL()
		}
	})
}

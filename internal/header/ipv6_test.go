package header

import "testing"

func TestIPv6Validate(t *testing.T) {
	good := buildIPv6(ll6, gl6, 64, nil, ProtoUDP, make([]byte, 8))
	tests := []struct {
		name string
		b    IPv6
		want Reason
	}{
		{"valid", good, ReasonNone},
		{"ethernet padding", append(clone(good), 0, 0), ReasonNone},
		{"39 octets", good[:39], ReasonTruncated},
		{"version 4", func() IPv6 { b := clone(good); b[0] = 0x45; return b }(), ReasonBadVersion},
		{"payload past the bytes", good[:47], ReasonTruncated},
		{"hop limit 0 is not refused", func() IPv6 { b := clone(good); b.SetHopLimit(0); return b }(), ReasonNone},
	}
	for _, tt := range tests {
		if got := tt.b.Validate(); got != tt.want {
			t.Fatalf("%s: Validate() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestIPv6RoundTrip(t *testing.T) {
	f := IPv6Fields{
		TrafficClass:  0xb8,
		FlowLabel:     0xabcde,
		PayloadLength: 4,
		NextHeader:    ProtoTCP,
		HopLimit:      9,
		Src:           ll6,
		Dst:           gl6,
	}
	b := IPv6(make([]byte, 44))
	b.Encode(&f)
	got := IPv6Fields{
		TrafficClass: b.TrafficClass(), FlowLabel: b.FlowLabel(), PayloadLength: b.PayloadLength(),
		NextHeader: b.NextHeader(), HopLimit: b.HopLimit(), Src: b.Src(), Dst: b.Dst(),
	}
	if got != f || b.Version() != 6 || b.Validate() != ReasonNone || len(b.Payload()) != 4 || len(b.Packet()) != 44 {
		t.Fatalf("after Encode(%+v): fields %+v, version %d", f, got, b.Version())
	}
}

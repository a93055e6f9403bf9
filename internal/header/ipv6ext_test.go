package header

import "testing"

func TestIPv6Walk(t *testing.T) {
	tcp := make([]byte, TCPMinLen)
	tests := []struct {
		name  string
		exts  []ext
		upper uint8
		data  []byte
		max   int
		trim  int // octets cut from the end, payload length kept in step
		want  Chain
		prob  Problem
	}{
		{
			name: "no extension headers", upper: ProtoTCP, data: tcp, max: 8,
			want: Chain{Proto: ProtoTCP, ProtoAt: 6, Offset: 40},
		},
		{
			name:  "full chain",
			exts:  []ext{optsHdr(ProtoHopByHop, 1), optsHdr(ProtoDestOpts, 2), routingHdr(4, 0), fragHdr(0, true), {ProtoAH, []byte{1: 1, 11: 0}}},
			upper: ProtoTCP, data: tcp, max: 8,
			want: Chain{Proto: ProtoTCP, ProtoAt: 80, Offset: 92, Headers: 5, HopByHop: true, Routing: 64, Fragment: 72},
		},
		{
			name: "ESP ends the walk", exts: []ext{optsHdr(ProtoDestOpts, 1)}, upper: ProtoESP, data: []byte{1, 2, 3}, max: 8,
			want: Chain{Proto: ProtoESP, ProtoAt: 40, Offset: 48, Headers: 1},
		},
		{
			name: "hop-by-hop not first", exts: []ext{optsHdr(ProtoDestOpts, 1), optsHdr(ProtoHopByHop, 1)}, upper: ProtoUDP, max: 8,
			want: Chain{Proto: ProtoHopByHop, ProtoAt: 40, Offset: 48, Headers: 1},
			prob: Problem{Reason: ReasonExtOutOfOrder, Send: true, Code: 1, Pointer: 40},
		},
		{
			name: "too many headers", exts: []ext{optsHdr(ProtoDestOpts, 1), optsHdr(ProtoRouting, 1), optsHdr(ProtoDestOpts, 1)}, upper: ProtoUDP, max: 2,
			want: Chain{Proto: ProtoDestOpts, ProtoAt: 48, Offset: 56, Headers: 2, Routing: 48},
			prob: Problem{Reason: ReasonExtChainTooLong, Send: true, Code: 8, Pointer: 56},
		},
		{
			name: "header past the payload", exts: []ext{optsHdr(ProtoDestOpts, 2)}, upper: ProtoUDP, max: 8, trim: 1,
			want: Chain{Proto: ProtoDestOpts, ProtoAt: 6, Offset: 40},
			prob: Problem{Reason: ReasonTruncated},
		},
		{
			name: "length octet past the payload", exts: []ext{optsHdr(ProtoDestOpts, 1)}, upper: ProtoUDP, max: 8, trim: 7,
			want: Chain{Proto: ProtoDestOpts, ProtoAt: 6, Offset: 40},
			prob: Problem{Reason: ReasonTruncated},
		},
		{
			name: "first fragment without the whole chain", exts: []ext{fragHdr(0, true), optsHdr(ProtoDestOpts, 2)}, upper: ProtoUDP, max: 8, trim: 1,
			want: Chain{Proto: ProtoDestOpts, ProtoAt: 40, Offset: 48, Headers: 1, Fragment: 40},
			prob: Problem{Reason: ReasonExtIncomplete, Send: true, Code: 3},
		},
		{
			name: "first fragment without the TCP header", exts: []ext{fragHdr(0, true)}, upper: ProtoTCP, data: tcp[:19], max: 8,
			want: Chain{Proto: ProtoTCP, ProtoAt: 40, Offset: 48, Headers: 1, Fragment: 40},
			prob: Problem{Reason: ReasonExtIncomplete, Send: true, Code: 3},
		},
		{
			name: "first fragment with no next header", exts: []ext{fragHdr(0, true)}, upper: ProtoNoNext, max: 8,
			want: Chain{Proto: ProtoNoNext, ProtoAt: 40, Offset: 48, Headers: 1, Fragment: 40},
		},
		{
			name: "atomic fragment may end early", exts: []ext{fragHdr(0, false)}, upper: ProtoTCP, data: tcp[:4], max: 8,
			want: Chain{Proto: ProtoTCP, ProtoAt: 40, Offset: 48, Headers: 1, Fragment: 40},
		},
		{
			name: "non-first fragment stops the walk", exts: []ext{optsHdr(ProtoDestOpts, 1), fragHdr(1448, true)}, upper: ProtoDestOpts, data: []byte{1}, max: 8,
			want: Chain{Proto: ProtoDestOpts, ProtoAt: 48, Offset: 56, Headers: 2, Fragment: 48},
		},
		{
			name: "no headers allowed", exts: []ext{optsHdr(ProtoHopByHop, 1)}, upper: ProtoUDP, max: 0,
			want: Chain{Proto: ProtoHopByHop, ProtoAt: 6, Offset: 40},
			prob: Problem{Reason: ReasonExtChainTooLong, Send: true, Code: 8, Pointer: 40},
		},
	}
	for _, tt := range tests {
		b := buildIPv6(ll6, gl6, 64, tt.exts, tt.upper, tt.data)
		b = b[:len(b)-tt.trim]
		b.SetPayloadLength(uint16(len(b) - IPv6Len))
		c, p := b.Walk(tt.max)
		if c != tt.want || p != tt.prob {
			t.Fatalf("%s: Walk(%d) = %+v, %+v; want %+v, %+v", tt.name, tt.max, c, p, tt.want, tt.prob)
		}
	}
}

func TestIPv6CheckRoutingFragment(t *testing.T) {
	tests := []struct {
		name string
		exts []ext
		data int
		want Problem
	}{
		{"routing done", []ext{routingHdr(0, 0)}, 8, Problem{}},
		{"RH0 with segments left", []ext{optsHdr(ProtoHopByHop, 1), routingHdr(0, 1)}, 8,
			Problem{Reason: ReasonUnknownExt, Send: true, Code: 0, Pointer: 50}},
		{"segment routing while disabled", []ext{routingHdr(4, 2)}, 8, Problem{Reason: ReasonUnknownExt}},
		{"segment routing done, while disabled", []ext{routingHdr(4, 0)}, 8, Problem{Reason: ReasonUnknownExt}},
		{"RPL done, while disabled", []ext{routingHdr(3, 0)}, 8, Problem{Reason: ReasonUnknownExt}},
		{"first fragment", []ext{fragHdr(0, true)}, 16, Problem{}},
		{"last fragment of odd length", []ext{fragHdr(8, false)}, 13, Problem{}},
		{"middle fragment of odd length", []ext{fragHdr(8, true)}, 13,
			Problem{Reason: ReasonBadFragment, Send: true, Code: 0, Pointer: 4}},
		{"fragment ending at 65535", []ext{fragHdr(65528, false)}, 7, Problem{}},
		{"fragment past 65535", []ext{fragHdr(65528, false)}, 8,
			Problem{Reason: ReasonBadFragment, Send: true, Code: 0, Pointer: 42}},
	}
	for _, tt := range tests {
		b := buildIPv6(ll6, gl6, 64, tt.exts, ProtoUDP, make([]byte, tt.data))
		c, p := b.Walk(8)
		if !p.OK() {
			t.Fatalf("%s: Walk(8) = %+v", tt.name, p)
		}
		var got Problem
		if c.Routing != 0 {
			got = b.CheckRouting(c.Routing)
		} else {
			got = b.CheckFragment(c.Fragment)
		}
		if got != tt.want {
			t.Fatalf("%s: check of %+v = %+v, want %+v", tt.name, c, got, tt.want)
		}
	}
}

func TestIPv6Fragment(t *testing.T) {
	f := IPv6Fragment(fragHdr(1448, true).b)
	if f.Offset() != 1448 || !f.More() || f.ID() != 0xcafe || f.NextHeader() != 0 {
		t.Fatalf("IPv6Fragment(% x) = offset %d more %v id %#x", []byte(f), f.Offset(), f.More(), f.ID())
	}
}

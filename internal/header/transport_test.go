package header

import (
	"net/netip"
	"testing"
)

func TestUDP(t *testing.T) {
	b := UDP(make([]byte, 12))
	b.SetSrcPort(53)
	b.SetDstPort(33434)
	b.SetLength(11)
	copy(b[8:], "abc")
	tests := []struct {
		name string
		b    UDP
		want Reason
	}{
		{"valid", b, ReasonNone},
		{"short", b[:7], ReasonTruncated},
		{"length past the bytes", b[:10], ReasonBadLength},
		{"length below header", func() UDP { c := clone(b); c.SetLength(7); return c }(), ReasonBadLength},
	}
	for _, tt := range tests {
		if got := tt.b.Validate(); got != tt.want {
			t.Fatalf("%s: Validate() = %v, want %v", tt.name, got, tt.want)
		}
	}
	if b.SrcPort() != 53 || b.DstPort() != 33434 || string(b.Payload()) != "abc" {
		t.Fatalf("ports %d %d payload %q", b.SrcPort(), b.DstPort(), b.Payload())
	}
	for _, pair := range [][2]netip.Addr{{src4, dst4}, {ll6, gl6}} {
		b.SetChecksum(b.CalculateChecksum(pair[0], pair[1]))
		d := b[:b.Length()]
		if s := Checksum(d, PseudoHeaderChecksum(ProtoUDP, pair[0], pair[1], uint32(len(d)))); s != 0xffff {
			t.Fatalf("UDP checksum %#04x over %v→%v sums to %#04x, want 0xffff", b.Checksum(), pair[0], pair[1], s)
		}
	}
}

func TestTCP(t *testing.T) {
	b := TCP(make([]byte, 28))
	copy(b, []byte{0x00, 0x50, 0xc0, 0x01, 0, 0, 0, 1, 0, 0, 0, 2, 6 << 4, byte(TCPFlagSYN | TCPFlagACK), 0xff, 0xff})
	b[24] = 'd'
	tests := []struct {
		name string
		b    TCP
		want Reason
	}{
		{"valid", b, ReasonNone},
		{"short", b[:19], ReasonTruncated},
		{"data offset past the bytes", b[:23], ReasonBadDataOffset},
		{"data offset 4", func() TCP { c := clone(b); c[12] = 4 << 4; return c }(), ReasonBadDataOffset},
	}
	for _, tt := range tests {
		if got := tt.b.Validate(); got != tt.want {
			t.Fatalf("%s: Validate() = %v, want %v", tt.name, got, tt.want)
		}
	}
	if b.SrcPort() != 80 || b.DstPort() != 0xc001 || b.Seq() != 1 || b.Ack() != 2 || b.HeaderLen() != 24 ||
		b.Flags() != TCPFlagSYN|TCPFlagACK || b.Window() != 0xffff || b.Urgent() != 0 || len(b.Options()) != 4 || len(b.Payload()) != 4 {
		t.Fatalf("TCP fields of % x", []byte(b))
	}
	b.SetChecksum(b.CalculateChecksum(ll6, gl6))
	if s := Checksum(b, PseudoHeaderChecksum(ProtoTCP, ll6, gl6, uint32(len(b)))); s != 0xffff {
		t.Fatalf("TCP checksum %#04x sums to %#04x, want 0xffff", b.Checksum(), s)
	}
}

func TestTCPFlagsString(t *testing.T) {
	tests := []struct {
		f    TCPFlags
		want string
	}{
		{0, "none"},
		{TCPFlagSYN, "SYN"},
		{TCPFlagSYN | TCPFlagACK, "SYN|ACK"},
		{TCPFlagFIN | TCPFlagCWR, "FIN|CWR"},
	}
	for _, tt := range tests {
		if got := tt.f.String(); got != tt.want {
			t.Fatalf("TCPFlags(%#x).String() = %q, want %q", uint8(tt.f), got, tt.want)
		}
	}
}

func TestReasonString(t *testing.T) {
	seen := map[string]bool{}
	for r := range NumReasons {
		s := r.String()
		if s == "" || seen[s] {
			t.Fatalf("Reason(%d).String() = %q, empty or repeated", r, s)
		}
		seen[s] = true
	}
	if got := NumReasons.String(); got != "reason(22)" {
		t.Fatalf("NumReasons.String() = %q, want %q", got, "reason(22)")
	}
	p := Problem{Reason: ReasonBadOptions, Send: true, Pointer: 22}
	if got, want := p.Error(), "header: bad_options (parameter problem code 0, pointer 22)"; got != want {
		t.Fatalf("Problem.Error() = %q, want %q", got, want)
	}
}

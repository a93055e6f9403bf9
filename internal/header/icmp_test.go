package header

import (
	"bytes"
	"testing"
)

func TestICMPv4Validate(t *testing.T) {
	echo := ICMPv4{ICMPv4Echo, 0, 0, 0, 0x12, 0x34, 0, 7, 'h', 'i'}
	echo.SetChecksum(echo.CalculateChecksum())
	tests := []struct {
		name string
		b    ICMPv4
		want Reason
	}{
		{"echo", echo, ReasonNone},
		{"short", echo[:7], ReasonTruncated},
		{"bad checksum", func() ICMPv4 { b := clone(echo); b[9] ^= 1; return b }(), ReasonBadChecksum},
	}
	for _, tt := range tests {
		if got := tt.b.Validate(); got != tt.want {
			t.Fatalf("%s: Validate() = %v, want %v", tt.name, got, tt.want)
		}
	}
	if echo.Ident() != 0x1234 || echo.Seq() != 7 || string(echo.Payload()) != "hi" {
		t.Fatalf("echo ident %#x seq %d payload %q", echo.Ident(), echo.Seq(), echo.Payload())
	}
}

func TestIsICMPv4Error(t *testing.T) {
	for typ := 0; typ < 256; typ++ {
		want := true
		switch typ {
		case 0, 8, 13, 14, 15, 16, 17, 18:
			want = false
		}
		if got := IsICMPv4Error(uint8(typ)); got != want {
			t.Fatalf("IsICMPv4Error(%d) = %v, want %v", typ, got, want)
		}
	}
}

func TestICMPv4ErrorEncode(t *testing.T) {
	tests := []struct {
		name      string
		e         ICMPv4Error
		orig      IPv4
		buf       int
		wantQuote int // 0: Encode refuses
	}{
		{"frag needed", ICMPv4Error{Type: ICMPv4DstUnreachable, Code: ICMPv4FragNeeded, Rest: 1400}, buildIPv4(nil, make([]byte, 1480)), 1500, 548},
		{"small datagram quoted whole", ICMPv4Error{Type: ICMPv4TimeExceeded}, buildIPv4(nil, make([]byte, 12)), 1500, 32},
		{"quote limited by the buffer", ICMPv4Error{Type: ICMPv4TimeExceeded}, buildIPv4(nil, make([]byte, 100)), 100, 72},
		{"buffer too small for header and 8 octets", ICMPv4Error{Type: ICMPv4TimeExceeded}, buildIPv4([]byte{IPv4OptRouterAlert, 4, 0, 0}, make([]byte, 100)), 28 + 24 + 7, 0},
		{"buffer too small for headers", ICMPv4Error{Type: ICMPv4TimeExceeded}, buildIPv4(nil, nil), 27, 0},
		{"parameter problem", ICMPv4Error{Type: ICMPv4ParamProblem, Rest: 22 << 24}, buildIPv4([]byte{IPv4OptRR, 2, 0, 0}, nil), 600, 24},
	}
	for _, tt := range tests {
		tt.e.Src, tt.e.Dst, tt.e.TTL, tt.e.TOS, tt.e.ID = dst4, src4, 64, 0xc0, 9
		buf := make([]byte, tt.buf)
		n := tt.e.Encode(buf, tt.orig)
		if tt.wantQuote == 0 {
			if n != 0 {
				t.Fatalf("%s: Encode() = %d, want 0", tt.name, n)
			}
			continue
		}
		if n != 28+tt.wantQuote {
			t.Fatalf("%s: Encode() = %d, want %d", tt.name, n, 28+tt.wantQuote)
		}
		ip := IPv4(buf[:n])
		if r := ip.Validate(); r != ReasonNone || ip.Protocol() != ProtoICMP || ip.Src() != dst4 || ip.Dst() != src4 || ip.TTL() != 64 || ip.TOS() != 0xc0 {
			t.Fatalf("%s: IP header % x: Validate() = %v", tt.name, []byte(ip[:20]), r)
		}
		m := ICMPv4(ip.Payload())
		if r := m.Validate(); r != ReasonNone || m.Type() != tt.e.Type || m.Code() != tt.e.Code {
			t.Fatalf("%s: ICMP % x: Validate() = %v", tt.name, []byte(m[:8]), r)
		}
		if !bytes.Equal(m.Quoted(), tt.orig[:tt.wantQuote]) {
			t.Fatalf("%s: quote differs from the datagram", tt.name)
		}
		switch tt.e.Type {
		case ICMPv4DstUnreachable:
			if m.MTU() != 1400 {
				t.Fatalf("%s: MTU() = %d, want 1400", tt.name, m.MTU())
			}
		case ICMPv4ParamProblem:
			if m.Pointer() != 22 {
				t.Fatalf("%s: Pointer() = %d, want 22", tt.name, m.Pointer())
			}
		}
	}
}

func TestICMPv4ErrorInPlace(t *testing.T) {
	// The error is built in the buffer that holds the datagram, as the
	// data path does to avoid a copy.
	orig := buildIPv4(nil, []byte("0123456789abcdef"))
	buf := make([]byte, 200)
	copy(buf, orig)
	e := ICMPv4Error{Type: ICMPv4DstUnreachable, Code: ICMPv4HostUnreachable, Src: dst4, Dst: src4, TTL: 64}
	n := e.Encode(buf, buf[:len(orig)])
	if !bytes.Equal(ICMPv4(buf[20:n]).Quoted(), orig) || ICMPv4(buf[20:n]).Validate() != ReasonNone {
		t.Fatalf("in-place Encode quoted % x, want % x", buf[28:n], []byte(orig))
	}
}

func TestICMPv6ErrorEncode(t *testing.T) {
	orig := buildIPv6(gl6, ll6, 1, nil, ProtoUDP, make([]byte, 1452))
	tests := []struct {
		name      string
		e         ICMPv6Error
		buf       int
		wantQuote int
	}{
		{"packet too big", ICMPv6Error{Type: ICMPv6PacketTooBig, Rest: 1280}, 2000, 1232},
		{"limited by the buffer", ICMPv6Error{Type: ICMPv6TimeExceeded}, 200, 152},
		{"buffer too small", ICMPv6Error{Type: ICMPv6TimeExceeded}, 87, 0},
	}
	for _, tt := range tests {
		tt.e.Src, tt.e.Dst, tt.e.HopLimit = ll6b, gl6, 64
		buf := make([]byte, tt.buf)
		n := tt.e.Encode(buf, orig)
		if tt.wantQuote == 0 {
			if n != 0 {
				t.Fatalf("%s: Encode() = %d, want 0", tt.name, n)
			}
			continue
		}
		if n != 48+tt.wantQuote {
			t.Fatalf("%s: Encode() = %d, want %d", tt.name, n, 48+tt.wantQuote)
		}
		ip := IPv6(buf[:n])
		c, p := ip.Walk(8)
		if ip.Validate() != ReasonNone || !p.OK() || c.Proto != ProtoICMPv6 || ip.Src() != ll6b || ip.Dst() != gl6 || ip.HopLimit() != 64 {
			t.Fatalf("%s: IPv6 header % x, chain %+v", tt.name, []byte(ip[:40]), c)
		}
		m := ICMPv6(ip.Upper(c))
		if r := m.Validate(ip); r != ReasonNone || m.Type() != tt.e.Type || m.MTU() != tt.e.Rest || m.Pointer() != tt.e.Rest {
			t.Fatalf("%s: ICMPv6 % x: Validate() = %v", tt.name, []byte(m[:8]), r)
		}
		if !bytes.Equal(m.Quoted(), orig[:tt.wantQuote]) {
			t.Fatalf("%s: quote differs from the packet", tt.name)
		}
	}
}

func TestICMPv6Validate(t *testing.T) {
	p := icmp6Packet(ll6, gl6, 64, nil, []byte{ICMPv6EchoRequest, 0, 0, 0, 0, 1, 0, 2, 'x'})
	c, _ := p.Walk(8)
	m := ICMPv6(p.Upper(c))
	if r := m.Validate(p); r != ReasonNone || m.Ident() != 1 || m.Seq() != 2 || string(m.Payload()) != "x" || IsICMPv6Error(m.Type()) {
		t.Fatalf("echo request: Validate() = %v, ident %d seq %d", r, m.Ident(), m.Seq())
	}
	m[8] = 'y'
	if r := m.Validate(p); r != ReasonBadChecksum {
		t.Fatalf("corrupted echo request: Validate() = %v, want %v", r, ReasonBadChecksum)
	}
	if r := m[:7].Validate(p); r != ReasonTruncated {
		t.Fatalf("7-octet message: Validate() = %v, want %v", r, ReasonTruncated)
	}
}

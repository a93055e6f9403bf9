package header

import "testing"

func TestARPRoundTrip(t *testing.T) {
	for _, op := range []uint16{ARPRequest, ARPReply} {
		b := ARP(make([]byte, ARPLen))
		b.Encode(op, macA, src4, macB, dst4)
		if r := b.Validate(); r != ReasonNone {
			t.Fatalf("Validate() = %v after Encode(op %d)", r, op)
		}
		if b.Op() != op || b.SenderMAC() != macA || b.SenderIP() != src4 || b.TargetMAC() != macB || b.TargetIP() != dst4 ||
			b.HardwareType() != 1 || b.ProtocolType() != EtherTypeIPv4 {
			t.Fatalf("Encode(%d, %v, %v, %v, %v) read back % x", op, macA, src4, macB, dst4, []byte(b))
		}
	}
}

func TestARPValidate(t *testing.T) {
	good := ARP(make([]byte, ARPLen))
	good.Encode(ARPRequest, macA, src4, MAC{}, dst4)
	tests := []struct {
		name string
		f    func(ARP) ARP
		want Reason
	}{
		{"request", func(b ARP) ARP { return b }, ReasonNone},
		{"ethernet padding", func(b ARP) ARP { return append(b, make([]byte, 18)...) }, ReasonNone},
		{"IEEE 802 hardware", func(b ARP) ARP { b[1] = 6; return b }, ReasonNone},
		{"short", func(b ARP) ARP { return b[:27] }, ReasonTruncated},
		{"hardware type 2", func(b ARP) ARP { b[1] = 2; return b }, ReasonBadARP},
		{"protocol IPv6", func(b ARP) ARP { b[2], b[3] = 0x86, 0xdd; return b }, ReasonBadARP},
		{"hardware length 8", func(b ARP) ARP { b[4] = 8; return b }, ReasonBadARP},
		{"protocol length 16", func(b ARP) ARP { b[5] = 16; return b }, ReasonBadARP},
		{"RARP opcode", func(b ARP) ARP { b[7] = 3; return b }, ReasonBadARP},
		{"opcode 0", func(b ARP) ARP { b[7] = 0; return b }, ReasonBadARP},
	}
	for _, tt := range tests {
		if got := tt.f(clone(good)).Validate(); got != tt.want {
			t.Fatalf("%s: Validate() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

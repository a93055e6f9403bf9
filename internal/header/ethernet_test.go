package header

import "testing"

func TestEthernet(t *testing.T) {
	payload := []byte{0x45, 0}
	untagged := make([]byte, EthernetLen)
	Ethernet(untagged).Encode(macB, macA, EtherTypeIPv4)
	tag := func(b []byte, tpid uint16, vid uint16) []byte {
		out := append([]byte(nil), b[:12]...)
		out = append(out, byte(tpid>>8), byte(tpid), byte(vid>>8), byte(vid))
		return append(out, b[12:]...)
	}
	dot1q := tag(untagged, EtherTypeVLAN, 0x2064) // PCP 1, VID 100
	qinq := tag(dot1q, EtherTypeQinQ, 200)
	triple := tag(qinq, EtherTypeVLAN, 300)
	tests := []struct {
		name     string
		b        []byte
		want     Reason
		hdrLen   int
		vid      uint16
		tagged   bool
		nextType uint16
	}{
		{"untagged", untagged, ReasonNone, 14, 0, false, EtherTypeIPv4},
		{"802.1Q", dot1q, ReasonNone, 18, 100, true, EtherTypeIPv4},
		{"802.1ad", qinq, ReasonNone, 22, 200, true, EtherTypeIPv4},
		{"three tags", triple, ReasonNone, 22, 300, true, EtherTypeVLAN},
		{"short", untagged[:13], ReasonTruncated, 0, 0, false, 0},
		{"tag cut", dot1q[:17], ReasonTruncated, 0, 0, false, 0},
		{"second tag cut", qinq[:21], ReasonTruncated, 0, 0, false, 0},
	}
	for _, tt := range tests {
		b := Ethernet(append(append([]byte(nil), tt.b...), payload...))
		if tt.want != ReasonNone {
			b = Ethernet(tt.b)
		}
		if got := b.Validate(); got != tt.want {
			t.Fatalf("%s: Validate() = %v, want %v", tt.name, got, tt.want)
		}
		if tt.want != ReasonNone {
			continue
		}
		vid, tagged := b.VLAN()
		if b.HeaderLen() != tt.hdrLen || vid != tt.vid || tagged != tt.tagged || b.PayloadType() != tt.nextType ||
			b.Dst() != macB || b.Src() != macA || len(b.Payload()) != len(b)-tt.hdrLen || IsTPID(b.Type()) != tt.tagged {
			t.Fatalf("%s: HeaderLen %d VLAN %d,%v PayloadType %#04x, want %d %d,%v %#04x",
				tt.name, b.HeaderLen(), vid, tagged, b.PayloadType(), tt.hdrLen, tt.vid, tt.tagged, tt.nextType)
		}
	}
}

func TestMAC(t *testing.T) {
	tests := []struct {
		m                    MAC
		str                  string
		multicast, broadcast bool
	}{
		{MAC{0x02, 0x42, 0xac, 0x11, 0x00, 0x02}, "02:42:ac:11:00:02", false, false},
		{MAC{0x33, 0x33, 0xff, 0, 0, 1}, "33:33:ff:00:00:01", true, false},
		{BroadcastMAC, "ff:ff:ff:ff:ff:ff", true, true},
	}
	for _, tt := range tests {
		if tt.m.String() != tt.str || tt.m.IsMulticast() != tt.multicast || tt.m.IsBroadcast() != tt.broadcast {
			t.Fatalf("MAC %v: String %q IsMulticast %v IsBroadcast %v, want %q %v %v",
				[6]byte(tt.m), tt.m.String(), tt.m.IsMulticast(), tt.m.IsBroadcast(), tt.str, tt.multicast, tt.broadcast)
		}
	}
}

package header

import (
	"net/netip"
	"testing"
)

func TestCompleteChecksum(t *testing.T) {
	src4, dst4 := netip.MustParseAddr("192.168.1.10"), netip.MustParseAddr("192.168.2.10")
	src6, dst6 := netip.MustParseAddr("2001:db8:1::10"), netip.MustParseAddr("2001:db8:2::10")
	for _, tc := range []struct {
		name      string
		src, dst  netip.Addr
		proto     uint8
		l4        []byte
		fragment  bool
		completes bool
	}{
		{"udp4", src4, dst4, ProtoUDP, udpDatagram(100), false, true},
		{"tcp4", src4, dst4, ProtoTCP, make([]byte, 60), false, true},
		{"udp6", src6, dst6, ProtoUDP, udpDatagram(40), false, true},
		{"tcp6", src6, dst6, ProtoTCP, make([]byte, 20), false, true},
		{"icmp4", src4, dst4, ProtoICMP, make([]byte, 16), false, false},
		{"fragment4", src4, dst4, ProtoUDP, udpDatagram(100), true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			frame := frameWith(tc.src, tc.dst, tc.proto, tc.l4, tc.fragment)
			if got := CompleteChecksum(frame); got != tc.completes {
				t.Fatalf("CompleteChecksum = %v, want %v", got, tc.completes)
			}
			if !tc.completes {
				return
			}
			l4 := frame[len(frame)-len(tc.l4):]
			// A correct checksum sums, pseudo-header included, to 0xffff.
			s := PseudoHeaderChecksum(tc.proto, tc.src, tc.dst, uint32(len(l4)))
			if sum := Checksum(l4, s); sum != 0xffff {
				t.Fatalf("sum over the segment after CompleteChecksum = %#x, want 0xffff", sum)
			}
		})
	}
}

func udpDatagram(n int) []byte {
	b := make([]byte, n)
	b[4], b[5] = byte(n>>8), byte(n)
	for i := 8; i < n; i++ {
		b[i] = byte(i)
	}
	return b
}

// frameWith builds an Ethernet frame around an IP packet carrying l4; the
// L4 checksum field holds garbage, as CHECKSUM_PARTIAL leaves it.
func frameWith(src, dst netip.Addr, proto uint8, l4 []byte, fragment bool) []byte {
	var ip []byte
	et := uint16(EtherTypeIPv6)
	if src.Is4() {
		et = EtherTypeIPv4
		ip = make([]byte, IPv4MinLen+len(l4))
		h := IPv4(ip)
		h.Encode(&IPv4Fields{TotalLength: uint16(len(ip)), TTL: 64, Protocol: proto, Src: src, Dst: dst})
		if fragment {
			ip[6] = 0x20 // MF
		}
		copy(ip[IPv4MinLen:], l4)
	} else {
		ip = make([]byte, IPv6Len+len(l4))
		IPv6(ip).Encode(&IPv6Fields{PayloadLength: uint16(len(l4)), NextHeader: proto, HopLimit: 64, Src: src, Dst: dst})
		copy(ip[IPv6Len:], l4)
	}
	f := make([]byte, EthernetLen+len(ip))
	Ethernet(f).Encode(MAC{2}, MAC{4}, et)
	copy(f[EthernetLen:], ip)
	switch proto {
	case ProtoUDP:
		f[len(f)-len(l4)+6], f[len(f)-len(l4)+7] = 0x12, 0x34
	case ProtoTCP:
		f[len(f)-len(l4)+12] = 5 << 4
		f[len(f)-len(l4)+16], f[len(f)-len(l4)+17] = 0x12, 0x34
	}
	return f
}

package header

import (
	"net/netip"
	"testing"
)

// The data path parses, validates and checksums every packet; none of it
// may allocate.
func TestZeroAllocs(t *testing.T) {
	v4 := buildIPv4([]byte{IPv4OptRouterAlert, 4, 0, 0, IPv4OptRR, 7, 4, 0, 0, 0, 0}, make([]byte, 64))
	v6 := buildIPv6(ll6, gl6, 64, []ext{optsHdr(ProtoHopByHop, 1), routingHdr(0, 0), fragHdr(0, true)}, ProtoUDP, make([]byte, 64))
	ns := icmp6Packet(ll6, SolicitedNode(gl6), 255, nil, nsMsg(gl6, sllao(macA)...))
	arp := ARP(make([]byte, ARPLen))
	arp.Encode(ARPRequest, macA, src4, MAC{}, dst4)
	eth := Ethernet(append([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0x81, 0, 0, 100, 0x08, 0}, v4...))
	echo := ICMPv4{ICMPv4Echo, 0, 0, 0, 0, 1, 0, 1}
	echo.SetChecksum(echo.CalculateChecksum())
	udp := UDP(v4.Payload())
	udp.SetLength(16)
	tcp := TCP(make([]byte, 40))
	tcp[12] = 5 << 4
	buf := make([]byte, 1500)
	var sink int

	tests := []struct {
		name string
		f    func()
	}{
		{"Checksum", func() { sink += int(Checksum(v4, 0)) }},
		{"PseudoHeaderChecksum", func() {
			sink += int(PseudoHeaderChecksum(ProtoTCP, src4, dst4, 40) + PseudoHeaderChecksum(ProtoTCP, ll6, gl6, 40))
		}},
		{"Ethernet", func() {
			vid, _ := eth.VLAN()
			sink += int(eth.Validate()) + int(eth.PayloadType()) + int(vid) + int(eth.Src()[0])
		}},
		{"ARP", func() {
			sink += int(arp.Validate())
			if arp.SenderIP() == arp.TargetIP() || arp.SenderMAC() == arp.TargetMAC() {
				sink++
			}
		}},
		{"ARP Encode", func() { arp.Encode(ARPReply, macB, dst4, macA, src4) }},
		{"IPv4", func() {
			sink += int(v4.Validate()) + int(v4.CheckOptions().Reason) + int(v4.CheckFragment())
			if v4.Src() == v4.Dst() {
				sink++
			}
			o, _, _ := v4.FindOption(IPv4OptRR)
			sink += len(o)
			v4.DecTTL()
			v4.SetTTL(64)
			v4.SetHeaderChecksum(v4.CalculateChecksum())
		}},
		{"IPv6", func() {
			c, p := v6.Walk(8)
			sink += int(v6.Validate()) + c.Offset + int(p.Reason) + int(v6.CheckFragment(c.Fragment).Reason)
			if v6.Src() == v6.Dst() {
				sink++
			}
		}},
		{"NDP", func() {
			c, _ := ns.Walk(8)
			sink += int(ValidateNDP(ns, c))
			m, _ := NeighborSolicit(ns.Upper(c)).Options().LinkAddr(NDPOptSourceLinkAddr)
			sink += int(m[0])
		}},
		{"ICMPv4", func() { sink += int(echo.Validate()) + int(echo.Ident()) }},
		{"ICMPv4Error", func() {
			e := ICMPv4Error{Type: ICMPv4TimeExceeded, Src: dst4, Dst: src4, TTL: 64}
			sink += e.Encode(buf, v4)
		}},
		{"ICMPv6Error", func() {
			e := ICMPv6Error{Type: ICMPv6PacketTooBig, Rest: 1280, Src: gl6, Dst: ll6, HopLimit: 64}
			sink += e.Encode(buf, v6)
		}},
		{"PutNeighborSolicit", func() { sink += PutNeighborSolicit(buf, ll6, SolicitedNode(gl6), gl6, macA) }},
		{"PutNeighborAdvert", func() { sink += PutNeighborAdvert(buf, gl6, ll6, gl6, NAFlagSolicited, macA) }},
		{"UDP", func() {
			sink += int(udp.Validate()) + int(udp.CalculateChecksum(src4, dst4)) + int(udp.CalculateChecksum(ll6, gl6))
		}},
		{"TCP", func() { sink += int(tcp.Validate()) + int(tcp.CalculateChecksum(netip.Addr{}, netip.Addr{})) }},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.f); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", tt.name, n)
		}
	}
	_ = sink
}

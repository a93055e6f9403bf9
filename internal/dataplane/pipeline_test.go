package dataplane

import (
	"net/netip"

	"testing"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/sim"
)

// TestRefusals feeds frames each stage must refuse and checks the reason
// counted, and whether an error went back.
func TestRefusals(t *testing.T) {
	s := newSeed(t, Config{})
	ping(t, s.a1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	ping(t, s.a1, "2001:db8:2::10", sim.Opts{}, "echo reply from 2001:db8:2::10")
	mac, hmac := s.mac("ra1"), s.a1.MAC()
	src, dst := ip("192.168.1.10"), ip("192.168.2.10")
	src6, dst6 := ip("2001:db8:1::10"), ip("2001:db8:2::10")
	v4 := func(f header.IPv4Fields) []byte {
		return ipv4Frame(mac, hmac, f, udp(f.Src, f.Dst, 1, 9, nil))
	}
	v6 := func(f header.IPv6Fields) []byte {
		f.NextHeader = header.ProtoUDP
		return ipv6Frame(mac, hmac, f, udp(f.Src, f.Dst, 1, 9, nil))
	}
	tagged := v4(header.IPv4Fields{Protocol: header.ProtoUDP, Src: src, Dst: dst})
	tagged = append(tagged[:12:12], append([]byte{0x81, 0, 0, 5}, tagged[12:]...)...)
	badSum := v4(header.IPv4Fields{Protocol: header.ProtoUDP, Src: src, Dst: dst})
	badSum[header.EthernetLen+10]++
	bcast := v4(header.IPv4Fields{Protocol: header.ProtoUDP, Src: src, Dst: dst})
	header.Ethernet(bcast).SetDst(header.BroadcastMAC)
	other := v4(header.IPv4Fields{Protocol: header.ProtoUDP, Src: src, Dst: dst})
	header.Ethernet(other).SetDst(header.MAC{0x02, 9, 9, 9, 9, 9})
	group := v4(header.IPv4Fields{Protocol: header.ProtoUDP, Src: src, Dst: dst})
	header.Ethernet(group).SetDst(header.MAC{0x01, 0, 0x5e, 0, 0, 5})
	lldp := v4(header.IPv4Fields{Protocol: header.ProtoUDP, Src: src, Dst: dst})
	lldp[12], lldp[13] = 0x88, 0xcc
	arp := make([]byte, header.EthernetLen+header.ARPLen)
	header.Ethernet(arp).Encode(header.BroadcastMAC, hmac, header.EtherTypeARP)
	header.ARP(arp[header.EthernetLen:]).Encode(header.ARPRequest, hmac, src, header.MAC{}, ip("224.0.0.1"))

	tests := []struct {
		name     string
		frame    []byte
		reason   Reason
		answered bool
	}{
		{"runt", make([]byte, 10), ReasonOf(header.ReasonTruncated), false},
		{"vlan tag", tagged, ReasonVLANTagged, false},
		{"other host", other, ReasonOtherHost, false},
		{"group not joined", group, ReasonMulticastNotJoined, false},
		{"lldp", lldp, ReasonEtherType, false},
		{"arp for a group", arp, ReasonARPMartian, false},
		{"bad checksum", badSum, ReasonOf(header.ReasonBadChecksum), false},
		{"loopback source", v4(header.IPv4Fields{Protocol: header.ProtoUDP, Src: ip("127.0.0.1"), Dst: dst}), ReasonMartianSource, false},
		{"multicast source", v4(header.IPv4Fields{Protocol: header.ProtoUDP, Src: ip("224.0.0.9"), Dst: dst}), ReasonMartianSource, false},
		{"unspecified source", v4(header.IPv4Fields{Protocol: header.ProtoUDP, Src: ip("0.0.0.0"), Dst: dst}), ReasonMartianSource, false},
		{"0/8 source, routed since Linux 5.3", v4(header.IPv4Fields{Protocol: header.ProtoUDP, Src: ip("0.1.2.3"), Dst: dst}), none, false},
		{"our own source", v4(header.IPv4Fields{Protocol: header.ProtoUDP, Src: ip("192.168.2.1"), Dst: dst}), ReasonMartianSource, false},
		{"unspecified destination", v4(header.IPv4Fields{Protocol: header.ProtoUDP, Src: src, Dst: ip("0.0.0.0")}), ReasonMartianDestination, false},
		{"loopback destination", v4(header.IPv4Fields{Protocol: header.ProtoUDP, Src: src, Dst: ip("127.0.0.2")}), ReasonMartianDestination, false},
		{"multicast destination", v4(header.IPv4Fields{Protocol: header.ProtoUDP, Src: src, Dst: ip("239.1.1.1")}), ReasonMulticast, false},
		{"broadcast frame, unicast IP", bcast, ReasonL2BroadcastUnicast, false},
		{"source route", withOptions(mac, hmac, src, dst, []byte{header.IPv4OptLSRR, 7, 4, 192, 168, 2, 10, 0}), ReasonSourceRoute, false},
		{"bad option", withOptions(mac, hmac, src, dst, []byte{header.IPv4OptRR, 2, 4, 0}), ReasonOf(header.ReasonBadOptions), true},
		{"v6 multicast source", v6(header.IPv6Fields{Src: ip("ff02::1"), Dst: dst6}), ReasonMartianSource, false},
		{"v6 loopback source", v6(header.IPv6Fields{Src: ip("::1"), Dst: dst6}), ReasonMartianSource, false},
		{"v6 mapped source", v6(header.IPv6Fields{Src: ip("::ffff:10.0.0.1"), Dst: dst6}), ReasonMartianSource, false},
		{"v6 interface-local group", v6(header.IPv6Fields{Src: src6, Dst: ip("ff01::1")}), ReasonMartianDestination, false},
		{"v6 group not joined", v6(header.IPv6Fields{Src: src6, Dst: ip("ff02::5")}), ReasonMulticast, false},
		{"v6 unspecified source", v6(header.IPv6Fields{Src: ip("::"), Dst: dst6}), ReasonMartianSource, false},
		{"hop-by-hop drop", hopByHopFrame(mac, hmac, src6, dst6, 0x41), ReasonHopByHopOption, false},
		{"hop-by-hop answer", hopByHopFrame(mac, hmac, src6, dst6, 0x81), ReasonHopByHopOption, true},
		{"hop-by-hop skip", hopByHopFrame(mac, hmac, src6, dst6, 0x01), none, false},
	}
	for _, tt := range tests {
		before := s.port("ra1")
		s.a1.ResetCapture()
		s.send(s.a1, tt.frame)
		after := s.port("ra1")
		msgs, _ := icmpFrom(s.a1)
		switch {
		case tt.reason == none:
			if after.Forwarded != before.Forwarded+1 {
				t.Errorf("%s: forwarded %d, want %d", tt.name, after.Forwarded-before.Forwarded, 1)
			}
		case tt.answered:
			if after.Answered[tt.reason] != before.Answered[tt.reason]+1 || len(msgs) != 1 {
				t.Errorf("%s: Answered[%v] +%d with %d ICMP messages, want +1 with 1", tt.name, tt.reason,
					after.Answered[tt.reason]-before.Answered[tt.reason], len(msgs))
			}
		default:
			if after.Drops[tt.reason] != before.Drops[tt.reason]+1 || len(msgs) != 0 {
				t.Errorf("%s: Drops[%v] +%d with %d ICMP messages, want +1 and none", tt.name, tt.reason,
					after.Drops[tt.reason]-before.Drops[tt.reason], len(msgs))
			}
		}
	}
	checkBalance(t, s.dp.Stats())
}

// withOptions returns a UDP frame whose IPv4 header carries opts.
func withOptions(dstMAC, srcMAC header.MAC, src, dst netip.Addr, opts []byte) []byte {
	l4 := udp(src, dst, 1, 9, nil)
	hl := header.IPv4MinLen + len(opts)
	f := make([]byte, header.EthernetLen+hl+len(l4))
	header.Ethernet(f).Encode(dstMAC, srcMAC, header.EtherTypeIPv4)
	p := header.IPv4(f[header.EthernetLen:])
	p.Encode(&header.IPv4Fields{TotalLength: uint16(hl + len(l4)), TTL: 64, Protocol: header.ProtoUDP, Src: src, Dst: dst})
	p[0] = 4<<4 | byte(hl/4)
	copy(p[header.IPv4MinLen:], opts)
	copy(p[hl:], l4)
	p.SetHeaderChecksum(p.CalculateChecksum())
	return f
}

// hopByHopFrame returns a UDP frame with a Hop-by-Hop header holding one
// option of type opt.
func hopByHopFrame(dstMAC, srcMAC header.MAC, src, dst netip.Addr, opt uint8) []byte {
	hbh := []byte{header.ProtoUDP, 0, opt, 2, 0, 0, 1, 0} // the option, then PadN
	l4 := append(hbh, udp(src, dst, 1, 9, nil)...)
	return ipv6Frame(dstMAC, srcMAC, header.IPv6Fields{NextHeader: header.ProtoHopByHop, Src: src, Dst: dst}, l4)
}

// TestLinkDown: frames from a port whose link is down are dropped, and
// the port's neighbours flushed.
func TestLinkDown(t *testing.T) {
	s := newSeed(t, Config{})
	ping(t, s.a1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	s.run("link set dev ra2 down")
	s.send(s.a2, request(s.mac("ra2"), s.a2.MAC(), ip("192.168.2.10"), ip("192.168.1.10"), 1, 1))
	if got := s.port("ra2").Drops[ReasonLinkDown]; got != 1 {
		t.Errorf("ra2 Drops[link_down] = %d, want 1", got)
	}
	if _, ok := s.dp.Neighbors(s.index("ra2")).Get(ip("192.168.2.10")); ok {
		t.Errorf("ra2 still has neighbour 192.168.2.10 after going down")
	}
}

package header

import "net/netip"

// CompleteChecksum fills in the TCP or UDP checksum of an Ethernet frame
// whose sender left it to hardware (CHECKSUM_PARTIAL): the kernel hands
// such frames to packet sockets with TP_STATUS_CSUMNOTREADY, the field
// holding only the pseudo-header sum. A router that forwards them must
// finish the sum, as a NIC would (or skb_checksum_help). It reports
// whether it did: frames of other kinds, fragments and truncated frames
// are left alone. IPv6 extension headers are walked.
func CompleteChecksum(frame []byte) bool {
	e := Ethernet(frame)
	if e.Validate() != ReasonNone {
		return false
	}
	var proto uint8
	var src, dst netip.Addr
	var l4 []byte
	switch e.PayloadType() {
	case EtherTypeIPv4:
		ip := IPv4(e.Payload())
		if len(ip) < IPv4MinLen || ip.HeaderLen() < IPv4MinLen || int(ip.TotalLength()) > len(ip) ||
			int(ip.TotalLength()) < ip.HeaderLen() || ip.FragmentOffset() != 0 || ip.Flags()&1 != 0 {
			return false
		}
		proto, src, dst, l4 = ip.Protocol(), ip.Src(), ip.Dst(), ip[ip.HeaderLen():ip.TotalLength()]
	case EtherTypeIPv6:
		ip := IPv6(e.Payload())
		if ip.Validate() != ReasonNone {
			return false
		}
		c, p := ip.Walk(8)
		if p.Reason != ReasonNone || c.Fragment != 0 {
			return false
		}
		proto, src, dst, l4 = c.Proto, ip.Src(), ip.Dst(), ip.Packet()[c.Offset:]
	default:
		return false
	}
	switch proto {
	case ProtoTCP:
		if len(l4) < TCPMinLen {
			return false
		}
		TCP(l4).SetChecksum(TCP(l4).CalculateChecksum(src, dst))
	case ProtoUDP:
		if len(l4) < UDPLen || int(UDP(l4).Length()) > len(l4) || UDP(l4).Length() < UDPLen {
			return false
		}
		UDP(l4).SetChecksum(UDP(l4).CalculateChecksum(src, dst))
	default:
		return false
	}
	return true
}

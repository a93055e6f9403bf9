package mphash

import "encoding/binary"

// dissection is what skb_flow_dissect_flow_keys finds in a packet, as far
// as a multipath hash reads it.
type dissection struct {
	af           uint8 // control.addr_type: 4, 6, or 0 when no header was read
	src, dst     [16]byte
	proto        uint8
	label        uint32 // tags.flow_label, host order (HostLabel)
	sport, dport uint16
	encap        bool // FLOW_DIS_ENCAPSULATION
}

func (d *dissection) copyAddrs(k *Keys, v6 bool) {
	n := 4
	if v6 {
		n = 16
	}
	copy(k.Src[:n], d.src[:n])
	copy(k.Dst[:n], d.dst[:n])
}

// IP protocol numbers the dissector knows.
const (
	protoHop      = 0
	protoICMP     = 1
	protoIPIP     = 4
	protoTCP      = 6
	protoUDP      = 17
	protoDCCP     = 33
	protoIPv6     = 41
	protoRouting  = 43
	protoFragment = 44
	protoGRE      = 47
	protoESP      = 50
	protoAH       = 51
	protoICMPv6   = 58
	protoDest     = 60
	protoSCTP     = 132
	protoUDPLite  = 136

	etherIPv4 = 0x0800
	etherIPv6 = 0x86dd
	etherTEB  = 0x6558

	maxHeaders = 15 // MAX_FLOW_DISSECT_HDRS
)

// portsOffset is proto_ports_offset: where a protocol's 32 bits of ports
// (or SPI) start, -1 for protocols without them.
func portsOffset(proto uint8) int {
	switch proto {
	case protoTCP, protoUDP, protoDCCP, protoESP, protoSCTP, protoUDPLite:
		return 0
	case protoAH:
		return 4
	}
	return -1
}

// dissect is __skb_flow_dissect with the flow_keys dissector for a packet
// starting at its IPv4 or IPv6 header, with FLOW_DISSECTOR_F_STOP_AT_ENCAP
// when stop is set and no other flag: fragments (the first one too) give
// no ports; IPv6 hop-by-hop, routing and destination options headers are
// skipped; IPIP, IPv6-in-IP and GRE (version 0, with an Ethernet header
// for transparent bridging) are entered unless stop is set. What it finds
// before a header it cannot read stays, as in the kernel.
func dissect(pkt []byte, v6 bool, stop bool, d *dissection) {
	ether := uint16(etherIPv4)
	if v6 {
		ether = etherIPv6
	}
	off, hdrs := 0, 0
	for {
		var ipProto uint8
		switch ether {
		case etherIPv4:
			if len(pkt) < off+20 || pkt[off]&0x0f < 5 {
				return
			}
			h := pkt[off:]
			ipProto = h[9]
			d.af = 4
			copy(d.src[:4], h[12:16])
			copy(d.dst[:4], h[16:20])
			off += int(h[0]&0x0f) * 4
			d.proto = ipProto
			if binary.BigEndian.Uint16(h[6:])&0x3fff != 0 { // IP_MF | IP_OFFSET
				return
			}
		case etherIPv6:
			if len(pkt) < off+40 {
				return
			}
			h := pkt[off:]
			ipProto = h[6]
			d.af = 6
			copy(d.src[:], h[8:24])
			copy(d.dst[:], h[24:40])
			if l := binary.BigEndian.Uint32(h) & 0xfffff; l != 0 {
				d.label = l
			}
			off += 40
			d.proto = ipProto
		default:
			return
		}
		for {
			switch ipProto {
			case protoHop, protoRouting, protoDest:
				if ether != etherIPv6 {
					d.sport, d.dport = 0, 0
					return
				}
				if len(pkt) < off+2 {
					return
				}
				ipProto = pkt[off]
				off += (int(pkt[off+1]) + 1) * 8
				d.proto = ipProto
				if hdrs++; hdrs > maxHeaders {
					return
				}
				continue
			case protoFragment:
				if ether != etherIPv6 {
					d.sport, d.dport = 0, 0
					return
				}
				if len(pkt) < off+8 {
					return
				}
				d.proto = pkt[off]
				return // a fragment: no ports
			case protoIPIP, protoIPv6:
				d.sport, d.dport = 0, 0
				d.encap = true
				if stop {
					return
				}
				ether = etherIPv4
				if ipProto == protoIPv6 {
					ether = etherIPv6
				}
			case protoGRE:
				d.sport, d.dport = 0, 0
				n, inner, ok := gre(pkt[off:])
				if !ok {
					return
				}
				off += n
				d.encap = true
				if stop {
					return
				}
				ether = inner
			default:
				d.sport, d.dport = 0, 0
				if p := portsOffset(ipProto); p >= 0 && len(pkt) >= off+p+4 {
					d.sport = binary.BigEndian.Uint16(pkt[off+p:])
					d.dport = binary.BigEndian.Uint16(pkt[off+p+2:])
				}
				return
			}
			break
		}
		if hdrs++; hdrs > maxHeaders {
			return
		}
		continue
	}
}

// gre is __skb_flow_dissect_gre for version 0: it returns the length of
// the GRE header (and of the Ethernet header of transparent bridging) and
// the protocol it carries; ok is false where the dissector stops.
func gre(b []byte) (n int, ether uint16, ok bool) {
	if len(b) < 4 {
		return 0, 0, false
	}
	flags := binary.BigEndian.Uint16(b)
	ether = binary.BigEndian.Uint16(b[2:])
	if flags&0x4000 != 0 || flags&0x7 != 0 { // routing; version 1 (PPTP) is not followed
		return 0, 0, false
	}
	n = 4
	for _, f := range []uint16{0x8000, 0x2000, 0x1000} { // checksum, key, sequence
		if flags&f != 0 {
			n += 4
		}
	}
	if ether == etherTEB {
		if len(b) < n+14 {
			return 0, 0, false
		}
		ether = binary.BigEndian.Uint16(b[n+12:])
		n += 14
	}
	return n, ether, true
}

// l3Keys are the keys of policy 0 for a packet (ip_multipath_l3_keys,
// ip6_multipath_l3_keys): its addresses, or those of the packet an ICMP
// error quotes; for IPv6 also the flow label and next header, which come
// from the early dissection (ruleKeys) for an ICMPv6 packet that is not
// an error.
func l3Keys(pkt []byte, v6, ruleKeys bool) Keys {
	if !v6 {
		var k Keys
		h := pkt
		if len(pkt) >= 20 && pkt[9] == protoICMP && binary.BigEndian.Uint16(pkt[6:])&0x1fff == 0 {
			ihl := int(pkt[0]&0x0f) * 4
			if len(pkt) >= ihl+8+20 && icmpIsErr(pkt[ihl]) {
				h = pkt[ihl+8:]
			}
		}
		if len(h) >= 20 {
			copy(k.Src[:4], h[12:16])
			copy(k.Dst[:4], h[16:20])
		}
		return k
	}
	k := Keys{V6: true}
	if len(pkt) < 40 {
		return k
	}
	h := pkt
	if pkt[6] == protoICMPv6 && len(pkt) >= 48 {
		if t := pkt[40]; t >= 1 && t <= 4 && len(pkt) >= 48+40 {
			h = pkt[48:]
		} else if ruleKeys {
			var d dissection
			dissect(pkt, true, true, &d)
			k.Src, k.Dst, k.Label, k.Proto = d.src, d.dst, d.label, d.proto
			return k
		}
	}
	copy(k.Src[:], h[8:24])
	copy(k.Dst[:], h[24:40])
	k.Label = swap32(binary.BigEndian.Uint32(h) & 0xfffff)
	k.Proto = h[6]
	return k
}

// icmpIsErr is icmp_is_err.
func icmpIsErr(t uint8) bool {
	switch t {
	case 3, 4, 5, 11, 12: // unreachable, source quench, redirect, time exceeded, parameter problem
		return true
	}
	return false
}

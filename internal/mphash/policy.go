package mphash

import (
	"encoding/binary"
	"net/netip"
)

// Fields of fib_multipath_hash_fields (FIB_MULTIPATH_HASH_FIELD_* in
// include/net/ip_fib.h), read by policy 3.
const (
	FieldSrcIP          = 1 << 0
	FieldDstIP          = 1 << 1
	FieldIPProto        = 1 << 2
	FieldFlowLabel      = 1 << 3
	FieldSrcPort        = 1 << 4
	FieldDstPort        = 1 << 5
	FieldInnerSrcIP     = 1 << 6
	FieldInnerDstIP     = 1 << 7
	FieldInnerIPProto   = 1 << 8
	FieldInnerFlowLabel = 1 << 9
	FieldInnerSrcPort   = 1 << 10
	FieldInnerDstPort   = 1 << 11

	FieldsOuter   = 0x3f  // FIB_MULTIPATH_HASH_FIELD_OUTER_MASK
	FieldsInner   = 0xfc0 // FIB_MULTIPATH_HASH_FIELD_INNER_MASK
	FieldsAll     = 0xfff // FIB_MULTIPATH_HASH_FIELD_ALL_MASK
	FieldsDefault = FieldSrcIP | FieldDstIP | FieldIPProto
)

// Policies of fib_multipath_hash_policy.
const (
	PolicyL3     = 0 // addresses (and for IPv6 the flow label and next header)
	PolicyL4     = 1 // the 5-tuple
	PolicyInner  = 2 // the innermost addresses of an encapsulated packet
	PolicyCustom = 3 // the fields of fib_multipath_hash_fields
	PolicyMax    = 3
)

// Config is one family's hash settings.
type Config struct {
	Policy uint8
	Fields uint32 // for PolicyCustom
	Key    Key
}

// Flow is a flowi4 / flowi6: what a lookup without a packet hashes
// (locally originated flows, route get for IPv6, fib_validate_source).
type Flow struct {
	Src, Dst     netip.Addr // Src may be invalid: the unspecified address
	Proto        uint8
	Sport, Dport uint16
	Label        uint32 // IPv6 flow label (20 bits)
}

func put(dst *[16]byte, a netip.Addr, v6 bool) {
	if !a.IsValid() {
		return
	}
	if v6 {
		*dst = a.As16()
	} else if a.Is4() {
		b := a.As4()
		copy(dst[:4], b[:])
	}
}

// FlowHash4 is fib_multipath_hash without a packet, before its final
// shift: the value fib.Query.Hash holds.
func (c *Config) FlowHash4(f *Flow) uint32 {
	var k Keys
	switch c.Policy {
	case PolicyL4:
		put(&k.Src, f.Src, false)
		put(&k.Dst, f.Dst, false)
		k.Proto, k.Sport, k.Dport = f.Proto, f.Sport, f.Dport
	case PolicyCustom: // fib_multipath_custom_hash_fl4
		if c.Fields&FieldsOuter == 0 {
			return 0
		}
		c.custom(&k, f, false)
	default:
		put(&k.Src, f.Src, false)
		put(&k.Dst, f.Dst, false)
	}
	return k.Hash(c.Key)
}

// FlowHash6 is rt6_multipath_hash without a packet, before its final
// shift.
func (c *Config) FlowHash6(f *Flow) uint32 {
	k := Keys{V6: true}
	put(&k.Src, f.Src, true)
	put(&k.Dst, f.Dst, true)
	k.Proto = f.Proto
	switch c.Policy {
	case PolicyL4:
		k.Sport, k.Dport = f.Sport, f.Dport
	case PolicyCustom: // rt6_multipath_custom_hash_fl6
		if c.Fields&FieldsOuter == 0 {
			return 0
		}
		k = Keys{V6: true}
		c.custom(&k, f, true)
	default:
		k.Label = NetLabel(f.Label)
	}
	return k.Hash(c.Key)
}

// custom fills k with the outer fields c selects from a flow.
func (c *Config) custom(k *Keys, f *Flow, v6 bool) {
	k.V6 = v6
	if c.Fields&FieldSrcIP != 0 {
		put(&k.Src, f.Src, v6)
	}
	if c.Fields&FieldDstIP != 0 {
		put(&k.Dst, f.Dst, v6)
	}
	if c.Fields&FieldIPProto != 0 {
		k.Proto = f.Proto
	}
	if v6 && c.Fields&FieldFlowLabel != 0 {
		k.Label = NetLabel(f.Label)
	}
	if c.Fields&FieldSrcPort != 0 {
		k.Sport = f.Sport
	}
	if c.Fields&FieldDstPort != 0 {
		k.Dport = f.Dport
	}
}

// PacketHash is fib_multipath_hash (v6 false) or rt6_multipath_hash for
// a packet being forwarded, before the final shift. pkt starts at the IP
// header. ruleKeys says the rules asked for an early dissection
// (fib6_rules_early_flow_dissect), which for an ICMPv6 packet under
// policy 0 feeds the dissector's flow label to the hash.
func (c *Config) PacketHash(pkt []byte, v6, ruleKeys bool) uint32 {
	var d dissection
	switch c.Policy {
	case PolicyL4:
		dissect(pkt, v6, true, &d)
		k := Keys{V6: v6, Proto: d.proto, Sport: d.sport, Dport: d.dport}
		d.copyAddrs(&k, v6)
		return k.Hash(c.Key)
	case PolicyInner:
		dissect(pkt, v6, false, &d)
		var k Keys
		switch d.af {
		case 4:
			d.copyAddrs(&k, false)
		case 6:
			k = Keys{V6: true, Label: d.label, Proto: d.proto}
			d.copyAddrs(&k, true)
		default:
			k = l3Keys(pkt, v6, ruleKeys)
		}
		return k.Hash(c.Key)
	case PolicyCustom:
		return Jhash2Words(c.customOuter(pkt, v6), c.customInner(pkt, v6), 0)
	}
	k := l3Keys(pkt, v6, ruleKeys)
	return k.Hash(c.Key)
}

// customOuter is fib_multipath_custom_hash_outer /
// rt6_multipath_custom_hash_outer.
func (c *Config) customOuter(pkt []byte, v6 bool) uint32 {
	if c.Fields&FieldsOuter == 0 {
		return 0
	}
	var d dissection
	dissect(pkt, v6, true, &d)
	k := Keys{V6: v6}
	n := 4
	if v6 {
		n = 16
	}
	if c.Fields&FieldSrcIP != 0 {
		copy(k.Src[:n], d.src[:n])
	}
	if c.Fields&FieldDstIP != 0 {
		copy(k.Dst[:n], d.dst[:n])
	}
	if c.Fields&FieldIPProto != 0 {
		k.Proto = d.proto
	}
	if v6 && c.Fields&FieldFlowLabel != 0 {
		k.Label = d.label
	}
	if c.Fields&FieldSrcPort != 0 {
		k.Sport = d.sport
	}
	if c.Fields&FieldDstPort != 0 {
		k.Dport = d.dport
	}
	return k.Hash(c.Key)
}

// customInner is fib_multipath_custom_hash_inner: the inner fields of an
// encapsulated packet, 0 for one that is not.
func (c *Config) customInner(pkt []byte, v6 bool) uint32 {
	if c.Fields&FieldsInner == 0 {
		return 0
	}
	var d dissection
	dissect(pkt, v6, false, &d)
	if !d.encap {
		return 0
	}
	var k Keys
	switch d.af {
	case 4, 6:
		k.V6 = d.af == 6
		n := 4
		if k.V6 {
			n = 16
		}
		if c.Fields&FieldInnerSrcIP != 0 {
			copy(k.Src[:n], d.src[:n])
		}
		if c.Fields&FieldInnerDstIP != 0 {
			copy(k.Dst[:n], d.dst[:n])
		}
		if k.V6 && c.Fields&FieldInnerFlowLabel != 0 {
			k.Label = d.label
		}
	}
	if c.Fields&FieldInnerIPProto != 0 {
		k.Proto = d.proto
	}
	if c.Fields&FieldInnerSrcPort != 0 {
		k.Sport = d.sport
	}
	if c.Fields&FieldInnerDstPort != 0 {
		k.Dport = d.dport
	}
	return k.Hash(c.Key)
}

// RouteGetPacket4 writes into b the packet inet_rtm_getroute builds for
// an IPv4 `route get` (inet_rtm_getroute_build_skb) and returns it: an IP
// header from f.Src (0.0.0.0 when invalid) to f.Dst, then a UDP or TCP
// header with the ports or an ICMP echo header; other protocols get no
// transport header, so their ports are not seen. The lookup hashes it as
// a received packet.
func RouteGetPacket4(b *[40]byte, f *Flow) []byte {
	*b = [40]byte{}
	b[0] = 0x45
	b[9] = f.Proto
	if f.Src.Is4() {
		s := f.Src.As4()
		copy(b[12:16], s[:])
	}
	if f.Dst.Is4() {
		d := f.Dst.As4()
		copy(b[16:20], d[:])
	}
	n := 20
	switch f.Proto {
	case protoUDP:
		binary.BigEndian.PutUint16(b[20:], f.Sport)
		binary.BigEndian.PutUint16(b[22:], f.Dport)
		binary.BigEndian.PutUint16(b[24:], 8)
		n = 28
	case protoTCP:
		binary.BigEndian.PutUint16(b[20:], f.Sport)
		binary.BigEndian.PutUint16(b[22:], f.Dport)
		b[32] = 5 << 4
		b[33] = 0x04 // RST
		n = 40
	case protoICMP:
		b[20] = 8 // echo request
		n = 28
	}
	return b[:n]
}

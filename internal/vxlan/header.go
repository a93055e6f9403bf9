// Package vxlan is govrf's VXLAN tunnel (RFC 7348): the header codec, the
// port a VXLAN link is bound to in the data plane, and the forwarding
// entries the port learns. The data plane (internal/dataplane)
// encapsulates and decapsulates: it routes the outer packets in the
// default VRF and runs the inner frames through the pipeline as frames of
// the VXLAN link.
package vxlan

import (
	"encoding/binary"
	"hash/maphash"
)

// HeaderLen is the length of the VXLAN header.
const HeaderLen = 8

// FlagVNI is the I flag: the VNI field is valid (RFC 7348 §5).
const FlagVNI = 0x08

// Overhead is what a tunnel adds to an inner IP packet in an IPv4 outer
// packet: inner Ethernet, outer IPv4, UDP and VXLAN headers (VXLAN_HEADROOM).
const Overhead = 14 + 20 + 8 + HeaderLen

// Overhead6 is Overhead with an IPv6 outer packet (VXLAN6_HEADROOM).
const Overhead6 = 14 + 40 + 8 + HeaderLen

// Header is a view of a VXLAN header and what follows it.
type Header []byte

// Reason is why a UDP payload is not a VXLAN frame govrf takes.
type Reason uint8

const (
	OK        Reason = iota
	Short            // shorter than the header and an Ethernet header
	BadFlags         // the I flag missing, or another flag set
	NumReason        // the number of Reason values
)

// Validate checks that h holds a header with the I flag and no other flag
// set (vxlan_rcv refuses unknown flags as malformed) and an Ethernet
// header behind it. The reserved fields are ignored (RFC 7348 §5).
func (h Header) Validate() Reason {
	switch {
	case len(h) < HeaderLen+14:
		return Short
	case h[0] != FlagVNI:
		return BadFlags
	}
	return OK
}

// Flags returns the flags octet.
func (h Header) Flags() uint8 { return h[0] }

// VNI returns the VXLAN network identifier.
func (h Header) VNI() uint32 { return binary.BigEndian.Uint32(h[4:]) >> 8 }

// Frame returns the inner Ethernet frame.
func (h Header) Frame() []byte { return h[HeaderLen:] }

// Encode writes a header with the I flag and vni; h must hold HeaderLen
// octets.
func (h Header) Encode(vni uint32) {
	binary.BigEndian.PutUint32(h[0:], FlagVNI<<24)
	binary.BigEndian.PutUint32(h[4:], vni<<8)
}

// Default source port range: Linux's net.ipv4.ip_local_port_range, which
// udp_flow_src_port uses when the link sets none.
const (
	DefaultSrcPortLow  = 32768
	DefaultSrcPortHigh = 61000 // excluded: the range is 32768-60999
)

// SrcPort maps the hash of an inner flow into [lo, hi) as
// udp_flow_src_port does; lo = hi = 0 means the default range.
func SrcPort(hash uint32, lo, hi uint16) uint16 {
	if lo >= hi {
		lo, hi = DefaultSrcPortLow, DefaultSrcPortHigh
	}
	return uint16(uint64(hash)*uint64(hi-lo)>>32) + lo
}

// seed keys FlowHash, as the kernel keys its flow dissector's hash
// (skb_get_hash) with a random seed.
var seed = maphash.MakeSeed()

// FlowHash returns the hash of an inner frame's flow: for IPv4 and IPv6
// its addresses, protocol and, unless it is a fragment, what identifies
// the flow in its transport header (see transport); for other frames its
// Ethernet header. Frames of one flow hash alike, so they keep one outer
// source port and one path through the underlay.
func FlowHash(frame []byte) uint32 {
	if len(frame) < 14 {
		return 0
	}
	var key [48]byte
	n := 0
	put := func(b []byte) { n += copy(key[n:], b) }
	et := binary.BigEndian.Uint16(frame[12:])
	ip := frame[14:]
	switch {
	case et == 0x0800 && len(ip) >= 20 && ip[0]>>4 == 4:
		ihl := int(ip[0]&0xf) * 4
		put(ip[9:10])  // protocol
		put(ip[12:20]) // addresses
		frag := binary.BigEndian.Uint16(ip[6:])&0x3fff != 0
		if !frag && ihl >= 20 {
			put(transport(ip[9], ip[min(ihl, len(ip)):]))
		}
	case et == 0x86dd && len(ip) >= 40:
		put(ip[6:7])  // next header
		put(ip[8:40]) // addresses
		put(ip[1:4])  // flow label (and the traffic class's low bits)
		put(transport(ip[6], ip[40:]))
	default:
		put(frame[:14])
	}
	return uint32(maphash.Bytes(seed, key[:n]))
}

// transport returns what identifies a flow in a transport header: the
// ports of TCP, UDP, SCTP and UDP-Lite; the type, code and identifier of
// ICMP and ICMPv6 (the flow dissector's icmp key); nothing for others.
func transport(proto uint8, l4 []byte) []byte {
	switch proto {
	case 6, 17, 132, 136:
		if len(l4) >= 4 {
			return l4[:4]
		}
	case 1, 58:
		if len(l4) >= 6 {
			return []byte{l4[0], l4[1], l4[4], l4[5]}
		}
	}
	return nil
}

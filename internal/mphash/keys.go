// Package mphash computes Linux's multipath hash: the flow keys each
// fib_multipath_hash_policy takes from a flow or a packet (net/ipv4/route.c
// fib_multipath_hash, net/ipv6/route.c rt6_multipath_hash), laid out as
// the kernel's struct flow_keys (include/net/flow_dissector.h) and hashed
// with SipHash-2-4 keyed by fib_multipath_hash_seed (__flow_hash_from_keys
// in net/core/flow_dissector.c). With the same seed, policy and fields,
// it names the path a Linux 6.11 or later kernel names.
//
// The layout is the x86-64 (little-endian) one: the kernel hashes the
// struct's bytes, so the answer depends on the host's byte order, and
// govrf reproduces that of the machines it runs beside.
package mphash

import (
	"bytes"
	"encoding/binary"
)

// Keys are the fields of struct flow_keys that a multipath hash sets; the
// others (vlan, keyid, icmp, n_proto) stay zero, as the kernel clears the
// struct before filling it.
type Keys struct {
	V6    bool  // control.addr_type is IPV6_ADDRS, else IPV4_ADDRS
	Proto uint8 // basic.ip_proto
	// Label is tags.flow_label as the u32 lies in memory. The kernel
	// stores it in network order when it takes it from a flowi6 or an IPv6
	// header (NetLabel) and in host order when the flow dissector found
	// it (HostLabel).
	Label        uint32
	Sport, Dport uint16   // ports.src and ports.dst (host values)
	Src, Dst     [16]byte // addrs: an IPv4 address in the first four bytes
}

// NetLabel is the memory value of a 20-bit flow label stored as
// (__force u32) of its network-order form (flowi6_get_flowlabel,
// ip6_flowlabel).
func NetLabel(l uint32) uint32 { return swap32(l & 0xfffff) }

// HostLabel is the memory value of a flow label the flow dissector stored
// (ntohl of the header's label).
func HostLabel(l uint32) uint32 { return l & 0xfffff }

func swap32(v uint32) uint32 {
	return v>>24 | v>>8&0xff00 | v<<8&0xff0000 | v<<24
}

// Layout of struct flow_keys from its first hashed member (basic, at
// FLOW_KEYS_HASH_OFFSET): basic 4, tags 4, vlan 8, cvlan 8, keyid 4,
// ports 4, icmp 4, then addrs; the struct is padded to 8 bytes, and the
// hashed length (flow_keys_hash_length) runs to its end less the unused
// part of the addrs union.
const (
	len4 = 48 // 80 - 8 - (32 - 8)
	len6 = 72 // 80 - 8 - (32 - 32)
)

// Hash is __flow_hash_from_keys: the keys made direction-independent
// (__flow_hash_consistentify), SipHash over the hashed part of the
// struct, truncated to 32 bits, never 0. fib_multipath_hash and
// rt6_multipath_hash return it shifted right by one.
func (k Keys) Hash(key Key) uint32 {
	var w [len6 / 8]uint64
	n := k.words(&w)
	h := uint32(sipWords(w[:n], uint64(n*8), key))
	if h == 0 {
		h = 1
	}
	return h
}

// words writes the hashed bytes of the struct as the little-endian
// words SipHash reads, and returns how many there are.
func (k *Keys) words(w *[len6 / 8]uint64) int {
	src, dst := k.Src, k.Dst
	sp, dp := k.Sport, k.Dport
	// The kernel compares the big-endian fields as host (little-endian)
	// integers.
	if swap16(dp) < swap16(sp) {
		sp, dp = dp, sp
	}
	w[0] = uint64(k.Proto)<<16 | uint64(k.Label)<<32 // basic, tags
	// vlan, cvlan: zero; keyid zero, then the ports in network order.
	w[3] = uint64(swap16(sp)|uint32(swap16(dp))<<16) << 32
	if !k.V6 {
		if binary.LittleEndian.Uint32(dst[:4]) < binary.LittleEndian.Uint32(src[:4]) {
			src, dst = dst, src
		}
		w[4] = uint64(binary.LittleEndian.Uint32(src[:4])) << 32 // icmp zero, then addrs
		w[5] = uint64(binary.LittleEndian.Uint32(dst[:4]))       // then the struct's padding
		return len4 / 8
	}
	if bytes.Compare(dst[:], src[:]) < 0 {
		src, dst = dst, src
	}
	w[4] = uint64(binary.LittleEndian.Uint32(src[:4])) << 32
	w[5] = binary.LittleEndian.Uint64(src[4:12])
	w[6] = uint64(binary.LittleEndian.Uint32(src[12:16])) | uint64(binary.LittleEndian.Uint32(dst[:4]))<<32
	w[7] = binary.LittleEndian.Uint64(dst[4:12])
	w[8] = uint64(binary.LittleEndian.Uint32(dst[12:16]))
	return len6 / 8
}

func swap16(v uint16) uint32 { return uint32(v>>8 | v<<8) }

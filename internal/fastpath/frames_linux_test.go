package fastpath

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"

	"github.com/govrf/govrf/internal/header"
)

// Addresses the generated packets are sent to and from.
var (
	diffAddrs4 = []string{
		"172.16.1.1", "172.16.5.5", "172.16.6.1", "172.17.0.1", "172.18.0.1", "172.19.0.1",
		"172.20.0.1", "172.21.0.1", "172.22.0.1", "172.23.0.1", "172.24.0.1", "172.25.0.1",
		"172.26.0.1", "172.27.0.1", "172.28.0.1", "172.29.0.1", "172.30.0.1", "172.31.0.1",
		"10.0.0.1", "10.0.0.10", "10.5.0.1", "10.9.9.9", "10.0.0.255", "198.51.100.7", "203.0.113.1",
		"192.168.1.1", "192.168.1.10", "192.168.1.255", "192.168.2.1", "192.168.2.10", "192.168.2.20",
		"192.168.2.21", "192.168.2.30", "192.168.3.10", "192.168.3.1", "192.168.9.10",
		"0.0.0.0", "127.0.0.1", "224.0.0.1", "239.1.1.1", "255.255.255.255", "240.0.0.1",
	}
	diffAddrs6 = []string{
		"2001:db8:100::1", "2001:db8:101::1", "2001:db8:102::1", "2001:db8:103::1", "2001:db8:104::1",
		"2001:db8:105::1", "2001:db8:106::1", "2001:db8:107::1", "2001:db8:200::1",
		"2001:db8:1::1", "2001:db8:1::10", "2001:db8:2::1", "2001:db8:2::10", "2001:db8:2::20",
		"2001:db8:2::30", "2001:db8:3::10", "2001:db8:4::10", "2001:db8:5::1",
		"::", "::1", "::ffff:192.168.1.10", "fe80::1", "ff02::1", "ff0e::1",
	}
)

// goodSources are sources the slow path accepts from most ports: IPv4
// first, three IPv6 last.
var goodSources = []string{"192.168.1.10", "192.168.2.20", "203.0.113.1", "10.9.9.9",
	"2001:db8:1::10", "2001:db8:2::20", "2001:db8:200::1"}

// goodDests are destinations some VRF forwards: seven IPv4, five IPv6.
var goodDests = []string{"172.16.1.1", "172.16.5.5", "172.18.0.1", "172.25.0.1", "172.30.0.1",
	"192.168.2.20", "198.51.100.7",
	"2001:db8:100::1", "2001:db8:105::1", "2001:db8:106::1", "2001:db8:107::1", "2001:db8:2::20"}

// genFrame makes a random frame for a random port: mostly well-formed
// packets between the test's addresses, with the variations the fast
// path must tell apart.
func (w *world) genFrame(r *rand.Rand) (in string, frame []byte, desc string) {
	in = w.ports[r.IntN(len(w.ports))]
	dstMAC := w.mac[in]
	switch r.IntN(20) {
	case 0:
		dstMAC = header.MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	case 1:
		dstMAC = header.MAC{0x02, 0xbb, 0, 0, 0, 1}
	}
	size := []int{0, 8, 100, 1200, 1260, 1272, 1273, 1400, 7, 33, 491, 492, 493}[r.IntN(13)]
	payload := make([]byte, size)
	for i := range payload {
		payload[i] = byte(r.Uint32())
	}
	if r.IntN(2) == 0 {
		src := netip.MustParseAddr(diffAddrs4[r.IntN(len(diffAddrs4))])
		if r.IntN(2) == 0 {
			src = netip.MustParseAddr(goodSources[r.IntN(len(goodSources))])
		}
		dst := netip.MustParseAddr(diffAddrs4[r.IntN(len(diffAddrs4))])
		if r.IntN(2) == 0 {
			dst = netip.MustParseAddr(goodDests[r.IntN(7)])
		}
		f := header.IPv4Fields{TOS: []uint8{0, 0, 0x10, 0x11}[r.IntN(4)], ID: uint16(r.Uint32()),
			TTL: []uint8{64, 64, 2, 1, 0, 255}[r.IntN(6)], Protocol: []uint8{17, 6, 1, 47}[r.IntN(4)], Src: src, Dst: dst}
		switch r.IntN(8) {
		case 0:
			f.Flags = header.IPv4FlagDF
		case 1:
			f.Flags = header.IPv4FlagMF
		case 2:
			f.FragOffset = 1480
		}
		frame = frame4(dstMAC, f, payload)
		desc = fmt.Sprintf("%s > %s ttl %d flags %d off %d proto %d len %d", src, dst, f.TTL, f.Flags, f.FragOffset, f.Protocol, len(frame))
		desc += l4Sum(r, frame)
		switch r.IntN(12) {
		case 0:
			frame[header.EthernetLen+10] ^= 0x40 // bad checksum
			desc += " bad checksum"
		case 1:
			frame = withOptions(frame)
			desc += " options"
		case 2:
			frame = append(frame, 0, 0, 0, 0) // Ethernet padding
			desc += " padded"
		case 3:
			frame = tagged(frame)
			desc += " tagged"
		}
	} else {
		src := netip.MustParseAddr(diffAddrs6[r.IntN(len(diffAddrs6))])
		if r.IntN(2) == 0 {
			src = netip.MustParseAddr(goodSources[len(goodSources)-1-r.IntN(3)])
		}
		dst := netip.MustParseAddr(diffAddrs6[r.IntN(len(diffAddrs6))])
		if r.IntN(2) == 0 {
			dst = netip.MustParseAddr(goodDests[7+r.IntN(5)])
		}
		f := header.IPv6Fields{TrafficClass: uint8(r.IntN(4)), FlowLabel: r.Uint32() & 0xfffff,
			NextHeader: []uint8{17, 6, 58, 0, 44, 59}[r.IntN(6)], HopLimit: []uint8{64, 64, 2, 1, 0}[r.IntN(5)], Src: src, Dst: dst}
		if f.NextHeader == 0 || f.NextHeader == 44 {
			// A Hop-by-Hop header of padding or a fragment header, then UDP.
			ext := make([]byte, 8)
			ext[0] = 17
			if f.NextHeader == 0 {
				ext[2] = 1
				ext[3] = 4
			}
			payload = append(ext, payload...)
		}
		frame = frame6(dstMAC, f, payload)
		desc = fmt.Sprintf("%s > %s hl %d nh %d len %d", src, dst, f.HopLimit, f.NextHeader, len(frame))
		desc += l4Sum(r, frame)
		if r.IntN(12) == 0 {
			frame = append(frame, 0, 0)
			desc += " padded"
		}
	}
	if dstMAC != w.mac[in] {
		desc += " to " + dstMAC.String()
	}
	return in, frame, desc
}

// frame4 builds an IPv4 frame from the host behind a port to dst.
func frame4(dst header.MAC, f header.IPv4Fields, payload []byte) []byte {
	b := make([]byte, header.EthernetLen+header.IPv4MinLen+len(payload))
	header.Ethernet(b).Encode(dst, hostMAC(0xfe), header.EtherTypeIPv4)
	f.TotalLength = uint16(header.IPv4MinLen + len(payload))
	header.IPv4(b[header.EthernetLen:]).Encode(&f)
	copy(b[header.EthernetLen+header.IPv4MinLen:], payload)
	return b
}

// frame6 builds an IPv6 frame.
func frame6(dst header.MAC, f header.IPv6Fields, payload []byte) []byte {
	b := make([]byte, header.EthernetLen+header.IPv6Len+len(payload))
	header.Ethernet(b).Encode(dst, hostMAC(0xfe), header.EtherTypeIPv6)
	f.PayloadLength = uint16(len(payload))
	header.IPv6(b[header.EthernetLen:]).Encode(&f)
	copy(b[header.EthernetLen+header.IPv6Len:], payload)
	return b
}

// withOptions inserts four NOP options into an IPv4 frame, lengths and
// checksum updated.
func withOptions(frame []byte) []byte {
	ip := header.IPv4(frame[header.EthernetLen:])
	hdr := append(bytes.Clone(ip[:header.IPv4MinLen]), 1, 1, 1, 1)
	out := append(append(bytes.Clone(frame[:header.EthernetLen]), hdr...), ip[header.IPv4MinLen:]...)
	nip := header.IPv4(out[header.EthernetLen:])
	nip[0] = 0x46
	binary.BigEndian.PutUint16(nip[2:], uint16(len(out)-header.EthernetLen))
	nip.SetHeaderChecksum(0)
	nip.SetHeaderChecksum(^header.Checksum(nip[:24], 0))
	return out
}

// tagged inserts an 802.1Q tag (VLAN 5) after the MACs.
func tagged(frame []byte) []byte {
	out := append(bytes.Clone(frame[:12]), 0x81, 0x00, 0x00, 0x05)
	return append(out, frame[12:]...)
}

// l4Sum writes a TCP, UDP, ICMP or ICMPv6 frame's checksum (fresh from
// frame4 or frame6): mostly complete, sometimes left as a sender that
// leaves it to the device leaves it (the pseudo-header's sum), corrupt,
// or UDP over IPv4's zero. A segment too short to hold its checksum
// field keeps its random octets. It says what it wrote.
func l4Sum(r *rand.Rand, frame []byte) string {
	proto, l4, pseudo := l4Of(frame)
	off := map[uint8]int{1: 2, 6: 16, 17: 6, 58: 2}[proto]
	if off == 0 || len(l4) < off+2 {
		return ""
	}
	binary.BigEndian.PutUint16(l4[off:], 0)
	full := ^header.Checksum(l4, pseudo)
	if proto == 17 && full == 0 {
		full = 0xffff
	}
	switch k := r.IntN(8); {
	case k == 0 && proto != 1 && proto != 58:
		binary.BigEndian.PutUint16(l4[off:], pseudo)
		return " csum partial"
	case k == 1:
		binary.BigEndian.PutUint16(l4[off:], full^0x0100)
		return " csum corrupt"
	case k <= 3 && proto == 17 && frame[12] == 0x08:
		return " csum none"
	}
	binary.BigEndian.PutUint16(l4[off:], full)
	return " csum full"
}

// l4Of returns an unfragmented IPv4 (no options) or IPv6 (no extension
// headers) frame's protocol, L4 segment and pseudo-header sum (0 for
// ICMP); proto 0 for any other frame.
func l4Of(frame []byte) (proto uint8, l4 []byte, pseudo uint16) {
	if len(frame) < header.EthernetLen {
		return 0, nil, 0
	}
	ip := frame[header.EthernetLen:]
	switch binary.BigEndian.Uint16(frame[12:]) {
	case header.EtherTypeIPv4:
		if len(ip) < header.IPv4MinLen || ip[0] != 0x45 || binary.BigEndian.Uint16(ip[6:])&0x3fff != 0 {
			return 0, nil, 0
		}
		n := int(binary.BigEndian.Uint16(ip[2:]))
		if n < header.IPv4MinLen || n > len(ip) {
			return 0, nil, 0
		}
		proto, l4 = ip[9], ip[header.IPv4MinLen:n]
		if proto != 1 {
			pseudo = header.PseudoHeaderChecksum(proto, netip.AddrFrom4([4]byte(ip[12:16])), netip.AddrFrom4([4]byte(ip[16:20])), uint32(len(l4)))
		}
	case header.EtherTypeIPv6:
		if len(ip) < header.IPv6Len {
			return 0, nil, 0
		}
		n := header.IPv6Len + int(binary.BigEndian.Uint16(ip[4:]))
		if n > len(ip) {
			return 0, nil, 0
		}
		proto, l4 = ip[6], ip[header.IPv6Len:n]
		pseudo = header.PseudoHeaderChecksum(proto, netip.AddrFrom16([16]byte(ip[8:24])), netip.AddrFrom16([16]byte(ip[24:40])), uint32(len(l4)))
	}
	return proto, l4, pseudo
}

// verifies tells whether frame's L4 checksum is complete as XDP's test
// (verify) wants it: TCP, UDP, ICMP or ICMPv6 of at most MaxVerified
// octets summing to 0xffff with its pseudo-header, or UDP over IPv4
// with a zero checksum.
func verifies(frame []byte) bool {
	proto, l4, pseudo := l4Of(frame)
	switch {
	case len(l4) > MaxVerified:
		return false
	case proto == 17 && frame[12] == 0x08 && len(l4) >= 8 && l4[6] == 0 && l4[7] == 0:
		return true
	case proto == 1 && frame[12] == 0x08, proto == 6, proto == 17, proto == 58 && frame[12] == 0x86:
		return header.Checksum(l4, pseudo) == 0xffff
	}
	return false
}

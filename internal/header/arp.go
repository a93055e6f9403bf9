package header

import (
	"encoding/binary"
	"net/netip"
)

// ARPLen is the length of an ARP packet for IPv4 over Ethernet (RFC 826).
const ARPLen = 28

// ARP opcodes (RFC 826).
const (
	ARPRequest = 1
	ARPReply   = 2
)

// ARP hardware and protocol values for IPv4 over Ethernet.
const (
	arpHardwareEthernet = 1 // ARPHRD_ETHER
	arpHardwareIEEE802  = 6 // ARPHRD_IEEE802, which Linux accepts on Ethernet too
)

// ARP is a view of an ARP packet. govrf speaks ARP only for IPv4 over
// Ethernet, so a valid view is ARPLen octets of that layout.
type ARP []byte

// Validate checks the packet as Linux does before it looks at addresses:
// length, hardware type Ethernet (or IEEE 802), protocol IPv4, address
// lengths 6 and 4, and an opcode of request or reply (net/ipv4/arp.c
// arp_rcv and arp_process; RFC 826 "?Do I have the hardware type in
// ar$hrd?").
func (b ARP) Validate() Reason {
	if len(b) < ARPLen {
		return ReasonTruncated
	}
	if h := b.HardwareType(); h != arpHardwareEthernet && h != arpHardwareIEEE802 {
		return ReasonBadARP
	}
	if b.ProtocolType() != EtherTypeIPv4 || b[4] != 6 || b[5] != 4 {
		return ReasonBadARP
	}
	if op := b.Op(); op != ARPRequest && op != ARPReply {
		return ReasonBadARP
	}
	return ReasonNone
}

// HardwareType returns ar$hrd.
func (b ARP) HardwareType() uint16 { return binary.BigEndian.Uint16(b[0:]) }

// ProtocolType returns ar$pro.
func (b ARP) ProtocolType() uint16 { return binary.BigEndian.Uint16(b[2:]) }

// Op returns the opcode.
func (b ARP) Op() uint16 { return binary.BigEndian.Uint16(b[6:]) }

// SenderMAC returns the sender hardware address.
func (b ARP) SenderMAC() MAC { return MAC(b[8:14]) }

// SenderIP returns the sender protocol address.
func (b ARP) SenderIP() netip.Addr { return netip.AddrFrom4([4]byte(b[14:18])) }

// TargetMAC returns the target hardware address.
func (b ARP) TargetMAC() MAC { return MAC(b[18:24]) }

// TargetIP returns the target protocol address.
func (b ARP) TargetIP() netip.Addr { return netip.AddrFrom4([4]byte(b[24:28])) }

// Encode writes an IPv4-over-Ethernet ARP packet; b must hold ARPLen octets
// and the addresses must be IPv4. A request leaves the target hardware
// address zero (RFC 826); a gratuitous or probe packet is a request whose
// sender IP is the target's or 0.0.0.0 (RFC 5227 §2.1.1, §3).
func (b ARP) Encode(op uint16, senderMAC MAC, senderIP netip.Addr, targetMAC MAC, targetIP netip.Addr) {
	binary.BigEndian.PutUint16(b[0:], arpHardwareEthernet)
	binary.BigEndian.PutUint16(b[2:], EtherTypeIPv4)
	b[4], b[5] = 6, 4
	binary.BigEndian.PutUint16(b[6:], op)
	copy(b[8:14], senderMAC[:])
	putAddr4(b[14:18], senderIP)
	copy(b[18:24], targetMAC[:])
	putAddr4(b[24:28], targetIP)
}

// putAddr4 writes an IPv4 address; a non-IPv4 address writes 0.0.0.0
// rather than panicking.
func putAddr4(b []byte, a netip.Addr) {
	if !a.Is4() {
		clear(b[:4])
		return
	}
	v := a.As4()
	copy(b, v[:])
}

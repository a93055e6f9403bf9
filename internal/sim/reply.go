package sim

import (
	"bytes"
	"fmt"
	"net/netip"
	"time"

	"github.com/govrf/govrf/internal/header"
)

// Reply is what answered a client call: an echo reply, a UDP datagram, a
// TCP segment, or an ICMP error about the packet the call sent.
type Reply struct {
	// From is the answer's source address: the destination, or the
	// router that sent an error.
	From netip.Addr
	// Proto is the answer's protocol: header.ProtoICMP,
	// header.ProtoICMPv6, header.ProtoUDP or header.ProtoTCP.
	Proto uint8
	// Type and Code are the ICMP or ICMPv6 type and code.
	Type, Code uint8
	// MTU is the next-hop MTU of Fragmentation Needed (RFC 1191 §4) or
	// the MTU of Packet Too Big (RFC 4443 §3.2).
	MTU uint32
	// Pointer is the pointer of a Parameter Problem.
	Pointer uint32
	// Flags are a TCP answer's control bits.
	Flags header.TCPFlags
	// TTL is the answer's TTL or hop limit as it arrived.
	TTL uint8
	// Data is an echo reply's data or a UDP answer's payload.
	Data []byte
	// Quoted is the packet an ICMP error quotes: the call's packet as the
	// router saw it, truncated.
	Quoted []byte
	// Packet is the whole IP packet that answered.
	Packet []byte
	// RTT is the time from sending to the answer, on the network's clock.
	RTT time.Duration
}

func newReply(p *inPacket, rtt time.Duration) Reply {
	r := Reply{From: p.src, Proto: p.proto, TTL: p.ttl, Packet: bytes.Clone(p.ip), RTT: rtt}
	switch p.proto {
	case header.ProtoICMP:
		m := header.ICMPv4(p.l4)
		r.Type, r.Code = m.Type(), m.Code()
		switch r.Type {
		case header.ICMPv4DstUnreachable:
			if r.Code == header.ICMPv4FragNeeded {
				r.MTU = uint32(m.MTU())
			}
		case header.ICMPv4ParamProblem:
			r.Pointer = uint32(m.Pointer())
		}
	case header.ProtoICMPv6:
		m := header.ICMPv6(p.l4)
		r.Type, r.Code = m.Type(), m.Code()
		switch r.Type {
		case header.ICMPv6PacketTooBig:
			r.MTU = m.MTU()
		case header.ICMPv6ParamProblem:
			r.Pointer = m.Pointer()
		}
	case header.ProtoUDP:
		r.Data = bytes.Clone(header.UDP(p.l4).Payload())
	case header.ProtoTCP:
		r.Flags = header.TCP(p.l4).Flags()
	}
	if r.IsError() {
		r.Quoted = bytes.Clone(p.l4[header.ICMPv4MinLen:])
	} else if isEchoReply(r.Proto, r.Type) {
		r.Data = bytes.Clone(p.l4[header.ICMPv4MinLen:])
	}
	return r
}

// IsError reports whether r is an ICMP or ICMPv6 error.
func (r Reply) IsError() bool { return isError(r.Proto, r.Type) }

func isError(proto, typ uint8) bool {
	switch proto {
	case header.ProtoICMP:
		return header.IsICMPv4Error(typ)
	case header.ProtoICMPv6:
		return header.IsICMPv6Error(typ)
	}
	return false
}

func isEchoReply(proto, typ uint8) bool {
	return proto == header.ProtoICMP && typ == header.ICMPv4EchoReply ||
		proto == header.ProtoICMPv6 && typ == header.ICMPv6EchoReply
}

// String describes the reply as ping and traceroute would, for test
// failures: "echo reply from 10.0.0.2", "frag needed mtu 1400 from
// 10.0.0.1", "tcp SYN|ACK from 10.0.0.2".
func (r Reply) String() string {
	var what string
	switch r.Proto {
	case header.ProtoICMP:
		what = icmpv4Name(r)
	case header.ProtoICMPv6:
		what = icmpv6Name(r)
	case header.ProtoUDP:
		what = fmt.Sprintf("udp %d bytes", len(r.Data))
	case header.ProtoTCP:
		what = "tcp " + r.Flags.String()
	default:
		return "no reply"
	}
	return what + " from " + r.From.String()
}

func icmpv4Name(r Reply) string {
	switch r.Type {
	case header.ICMPv4EchoReply:
		return "echo reply"
	case header.ICMPv4DstUnreachable:
		switch r.Code {
		case header.ICMPv4NetUnreachable:
			return "net unreachable"
		case header.ICMPv4HostUnreachable:
			return "host unreachable"
		case header.ICMPv4ProtoUnreachable:
			return "protocol unreachable"
		case header.ICMPv4PortUnreachable:
			return "port unreachable"
		case header.ICMPv4FragNeeded:
			return fmt.Sprintf("frag needed mtu %d", r.MTU)
		case header.ICMPv4AdminProhibited:
			return "admin prohibited"
		}
	case header.ICMPv4TimeExceeded:
		if r.Code == header.ICMPv4TTLExceeded {
			return "time exceeded"
		}
	case header.ICMPv4ParamProblem:
		return fmt.Sprintf("parameter problem pointer %d", r.Pointer)
	}
	return fmt.Sprintf("icmp type %d code %d", r.Type, r.Code)
}

func icmpv6Name(r Reply) string {
	switch r.Type {
	case header.ICMPv6EchoReply:
		return "echo reply"
	case header.ICMPv6DstUnreachable:
		switch r.Code {
		case header.ICMPv6NoRoute:
			return "no route"
		case header.ICMPv6AdminProhibited:
			return "admin prohibited"
		case header.ICMPv6BeyondScope:
			return "beyond scope"
		case header.ICMPv6AddrUnreachable:
			return "address unreachable"
		case header.ICMPv6PortUnreachable:
			return "port unreachable"
		case header.ICMPv6RejectRoute:
			return "reject route"
		}
	case header.ICMPv6PacketTooBig:
		return fmt.Sprintf("packet too big mtu %d", r.MTU)
	case header.ICMPv6TimeExceeded:
		if r.Code == header.ICMPv6HopLimitExceeded {
			return "hop limit exceeded"
		}
	case header.ICMPv6ParamProblem:
		return fmt.Sprintf("parameter problem code %d pointer %d", r.Code, r.Pointer)
	}
	return fmt.Sprintf("icmpv6 type %d code %d", r.Type, r.Code)
}

package sim

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"time"

	"github.com/govrf/govrf/internal/header"
)

// Opts shape the packet a client call sends. The zero value sends what
// Linux's tools send by default, except that DF is off unless asked for.
type Opts struct {
	// Src is the source address; the zero Addr lets the host choose, as
	// route selection would. Any address may be given, the host's or not.
	Src netip.Addr
	// TTL is the IPv4 TTL or IPv6 hop limit; 0 means 64.
	TTL uint8
	// TOS is the IPv4 type of service or IPv6 traffic class.
	TOS uint8
	// DF sets IPv4's Don't Fragment flag (ping -M do). IPv6 packets are
	// never fragmented on the way.
	DF bool
	// Size is the echo data length of Ping (ping -s); 0 means 56. The
	// whole packet must fit the host's MTU: hosts do not fragment.
	Size int
	// SrcPort is the UDP or TCP source port; 0 takes the next ephemeral
	// port.
	SrcPort uint16
	// Timeout bounds the call; 0 means the host's default.
	Timeout time.Duration
}

// Ports traceroute sends its probes to: UDP from 33434 up (one per probe),
// TCP to port 80 (traceroute -T).
const (
	traceUDPPort = 33434
	traceTCPPort = 80
	traceUDPData = 32 // traceroute's default 60-octet IPv4 probe
)

// Ping sends an echo request to dst and returns the echo reply, or the
// ICMP error that came back instead.
func (h *Host) Ping(dst netip.Addr, o Opts) (Reply, error) {
	return h.ping("ping", dst, o)
}

// Probe sends a traceroute-style probe to dst with the given TTL or hop
// limit, by proto: header.ProtoUDP (to port 33434 and up), header.ProtoICMP
// (an echo request; header.ProtoICMPv6 is taken too) or header.ProtoTCP (a
// SYN to port 80). It returns what came back: time exceeded from a hop, or
// the destination's port unreachable, echo reply, SYN-ACK or reset.
func (h *Host) Probe(dst netip.Addr, ttl uint8, proto uint8) (Reply, error) {
	o := Opts{TTL: ttl}
	switch proto {
	case header.ProtoICMP, header.ProtoICMPv6:
		return h.ping("probe", dst, o)
	case header.ProtoUDP:
		h.mu.Lock()
		port := traceUDPPort + h.trace
		h.trace++
		h.mu.Unlock()
		return h.udpCall("probe", netip.AddrPortFrom(dst, port), make([]byte, traceUDPData), o)
	case header.ProtoTCP:
		return h.synCall("probe", netip.AddrPortFrom(dst, traceTCPPort), o)
	}
	return Reply{}, fmt.Errorf("%s: probe %v: protocol %d is not UDP, ICMP or TCP", h.name, dst, proto)
}

// UDP sends payload to dst and returns the answer: the datagram a served
// port echoes, or port unreachable.
func (h *Host) UDP(dst netip.AddrPort, payload []byte, o Opts) (Reply, error) {
	return h.udpCall("udp", dst, payload, o)
}

// TCPSyn sends a SYN to dst and returns the answer: a SYN-ACK from a
// listening port, a reset from another, or an ICMP error.
func (h *Host) TCPSyn(dst netip.AddrPort, o Opts) (Reply, error) {
	return h.synCall("tcp", dst, o)
}

// SendFrame writes a raw frame to the host's port, for tests that send
// what no client call would.
func (h *Host) SendFrame(f []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.txs[0] = f
	_, err := h.port.Write(h.txs[:], 0)
	return err
}

func (h *Host) ping(op string, dst netip.Addr, o Opts) (Reply, error) {
	size := o.Size
	if size == 0 {
		size = 56
	}
	data := make([]byte, size)
	for i := range data {
		data[i] = byte(i)
	}
	typ, proto := uint8(header.ICMPv4Echo), uint8(header.ProtoICMP)
	if dst.Is6() {
		typ, proto = header.ICMPv6EchoRequest, header.ProtoICMPv6
	}
	h.mu.Lock()
	h.seq++
	pr := &probe{proto: proto, dst: dst, sport: h.ident, dport: h.seq}
	h.mu.Unlock()
	return h.call(op, pr, echoMessage(typ, pr.sport, pr.dport, data), &o)
}

func (h *Host) udpCall(op string, dst netip.AddrPort, payload []byte, o Opts) (Reply, error) {
	pr := &probe{proto: header.ProtoUDP, dst: dst.Addr(), sport: h.srcPort(o), dport: dst.Port()}
	return h.call(op, pr, udpDatagram(pr.sport, pr.dport, payload), &o)
}

func (h *Host) synCall(op string, dst netip.AddrPort, o Opts) (Reply, error) {
	pr := &probe{proto: header.ProtoTCP, dst: dst.Addr(), sport: h.srcPort(o), dport: dst.Port()}
	h.mu.Lock()
	h.isn += 64000
	pr.seq = h.isn
	h.mu.Unlock()
	return h.call(op, pr, tcpSegment(pr.sport, pr.dport, pr.seq, 0, header.TCPFlagSYN), &o)
}

// srcPort returns o's source port or the next ephemeral one.
func (h *Host) srcPort(o Opts) uint16 {
	if o.SrcPort != 0 {
		return o.SrcPort
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	p := h.sport
	if h.sport++; h.sport > 60999 {
		h.sport = 32768
	}
	return p
}

// call sends the probe pr carrying l4 and waits for its answer: route,
// build, check the size, resolve the next hop, send, wait.
func (h *Host) call(op string, pr *probe, l4 []byte, o *Opts) (Reply, error) {
	fail := func(err error) (Reply, error) {
		return Reply{}, fmt.Errorf("%s: %s %v: %w", h.name, op, pr.dst, err)
	}
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = h.timeout
	}
	deadline := h.net.clock.Now().Add(timeout)
	nh, src, err := h.route(pr.dst)
	if err != nil {
		return fail(err)
	}
	if o.Src.IsValid() {
		src = o.Src
	}
	pr.src = src
	h.mu.Lock()
	pkt := h.ipPacket(src, pr.dst, pr.proto, l4, o)
	h.mu.Unlock()
	if len(pkt) > h.mtu {
		return fail(ErrTooBig)
	}
	mac, err := h.resolve(nh, src, deadline)
	if err != nil {
		return fail(err)
	}
	h.mu.Lock()
	pr.sent = h.net.clock.Now()
	h.probes = append(h.probes, pr)
	err = h.sendFrame(mac, etherType(pr.dst), pkt)
	h.mu.Unlock()
	if err == nil {
		err = h.wait(deadline, func() bool { return pr.done }, 0, nil)
	}
	if err != nil {
		h.mu.Lock()
		h.forget(pr)
		h.mu.Unlock()
		return fail(err)
	}
	return pr.reply, nil
}

// forget stops waiting for pr's answer.
func (h *Host) forget(pr *probe) {
	for i, p := range h.probes {
		if p == pr {
			h.probes = append(h.probes[:i], h.probes[i+1:]...)
			return
		}
	}
}

// probe is a client call's packet, kept to recognise its answer.
type probe struct {
	proto        uint8 // as sent: ICMP, ICMPv6, UDP or TCP
	src, dst     netip.Addr
	sport, dport uint16 // UDP/TCP ports; an echo's identifier and sequence
	seq          uint32 // a SYN's sequence number
	sent         time.Time
	reply        Reply
	done         bool
}

// matches reports whether p answers pr: an echo reply with pr's
// identifier and sequence, a UDP or TCP segment back from pr's
// destination port (a TCP one acknowledging the SYN), or an ICMP error
// quoting pr.
func (pr *probe) matches(p *inPacket) bool {
	switch p.proto {
	case header.ProtoICMP, header.ProtoICMPv6:
		m := header.ICMPv4(p.l4) // the first 8 octets are laid out alike
		if isEchoReply(p.proto, m.Type()) {
			return pr.proto == p.proto && m.Ident() == pr.sport && m.Seq() == pr.dport
		}
		return isError(p.proto, m.Type()) && pr.quotedBy(m.Payload())
	case header.ProtoUDP, header.ProtoTCP:
		if p.proto != pr.proto || p.src != pr.dst {
			return false
		}
		sport, dport := binary.BigEndian.Uint16(p.l4), binary.BigEndian.Uint16(p.l4[2:])
		if sport != pr.dport || dport != pr.sport {
			return false
		}
		t := header.TCP(p.l4)
		return p.proto == header.ProtoUDP || t.Flags()&header.TCPFlagACK != 0 && t.Ack() == pr.seq+1
	}
	return false
}

// quotedBy reports whether the datagram an ICMP error quotes is pr: its
// addresses, protocol and the first 8 octets of its upper-layer header,
// which every error carries (RFC 792, RFC 4443 §2.4(c)).
func (pr *probe) quotedBy(q []byte) bool {
	var src, dst netip.Addr
	var proto uint8
	var l4 []byte
	switch {
	case len(q) >= header.IPv4MinLen && q[0]>>4 == 4:
		ip := header.IPv4(q)
		if hl := ip.HeaderLen(); hl >= header.IPv4MinLen && len(q) >= hl+8 {
			src, dst, proto, l4 = ip.Src(), ip.Dst(), ip.Protocol(), q[hl:]
		}
	case len(q) >= header.IPv6Len+8 && q[0]>>4 == 6:
		ip := header.IPv6(q)
		src, dst, proto, l4 = ip.Src(), ip.Dst(), ip.NextHeader(), q[header.IPv6Len:]
	}
	if l4 == nil || src != pr.src || dst != pr.dst || proto != pr.proto {
		return false
	}
	a, b := binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
	c, d := binary.BigEndian.Uint16(l4[4:]), binary.BigEndian.Uint16(l4[6:])
	switch proto {
	case header.ProtoICMP, header.ProtoICMPv6:
		return c == pr.sport && d == pr.dport // identifier and sequence
	case header.ProtoTCP:
		return a == pr.sport && b == pr.dport && binary.BigEndian.Uint32(l4[4:]) == pr.seq
	}
	return a == pr.sport && b == pr.dport
}

// answer records p as pr's reply, received at now.
func (pr *probe) answer(p *inPacket, now time.Time) {
	pr.reply = newReply(p, now.Sub(pr.sent))
	pr.done = true
}

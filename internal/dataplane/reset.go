package dataplane

import (
	"encoding/binary"
	"net/netip"

	"github.com/govrf/govrf/internal/header"
)

// tcpNoListener answers a segment no socket takes with a reset (RFC 9293
// §3.10.7.1, as tcp_v4_send_reset and tcp_v6_send_reset do): never to a
// reset; to a segment with ACK, from its acknowledgment number; otherwise
// acknowledging its sequence space. The checksum is verified first; a
// broadcast or multicast destination gets nothing. The reset is built in
// place of the segment and routed in the delivering VRF.
func (w *worker) tcpNoListener(pk *packet, src, dst netip.Addr, l4 []byte) {
	t := header.TCP(l4)
	if r := t.Validate(); r != header.ReasonNone {
		w.drop(pk, ReasonOf(r))
		return
	}
	if !checksumOK(header.ProtoTCP, src, dst, l4) {
		w.drop(pk, ReasonOf(header.ReasonBadChecksum))
		return
	}
	in := t.Flags()
	switch {
	case in&header.TCPFlagRST != 0:
		w.delivered()
		return
	case pk.group:
		w.drop(pk, ReasonNoSocket)
		return
	}
	var seq, ack uint32
	flags := header.TCPFlagRST
	if in&header.TCPFlagACK != 0 {
		seq = t.Ack()
	} else {
		ack = t.Seq() + uint32(len(t.Payload()))
		if in&header.TCPFlagSYN != 0 {
			ack++
		}
		if in&header.TCPFlagFIN != 0 {
			ack++
		}
		flags |= header.TCPFlagACK
	}
	sport, dport := t.SrcPort(), t.DstPort()
	b := pk.buf[header.EthernetLen:]
	hl := header.IPv4MinLen
	if src.Is4() {
		tos := header.IPv4(pk.ip).TOS()
		header.IPv4(b).Encode(&header.IPv4Fields{TOS: tos, TotalLength: uint16(hl + header.TCPMinLen),
			ID: w.nextID(), Flags: header.IPv4FlagDF, TTL: defaultTTL, Protocol: header.ProtoTCP, Src: dst, Dst: src})
	} else {
		hl = header.IPv6Len
		header.IPv6(b).Encode(&header.IPv6Fields{PayloadLength: header.TCPMinLen, NextHeader: header.ProtoTCP,
			HopLimit: defaultTTL, Src: dst, Dst: src})
	}
	putReset(header.TCP(b[hl:hl+header.TCPMinLen]), dst, src, dport, sport, seq, ack, flags)
	w.reply(pk, pk.buf[:header.EthernetLen+hl+header.TCPMinLen])
	w.delivered()
}

// putReset writes a 20-octet TCP header with a zero window into t and
// its checksum for the addresses.
func putReset(t header.TCP, src, dst netip.Addr, sport, dport uint16, seq, ack uint32, flags header.TCPFlags) {
	binary.BigEndian.PutUint16(t[0:], sport)
	binary.BigEndian.PutUint16(t[2:], dport)
	binary.BigEndian.PutUint32(t[4:], seq)
	binary.BigEndian.PutUint32(t[8:], ack)
	t[12] = header.TCPMinLen / 4 << 4
	t[13] = byte(flags)
	clear(t[14:20]) // window, checksum, urgent pointer
	t.SetChecksum(t.CalculateChecksum(src, dst))
}

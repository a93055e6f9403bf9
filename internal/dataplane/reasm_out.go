package dataplane

import (
	"encoding/binary"
	"math/rand/v2"

	"github.com/govrf/govrf/internal/header"
)

// fragment6 is ip6_fragment's slow path for a packet the router made
// (an echo reply to a reassembled request) that rt's MTU cannot carry:
// the fixed header, then a Fragment header and data in multiples of 8
// octets, under an identification drawn at random as
// ipv6_select_ident's hash is. The router's own packets carry no
// extension headers, so the fixed header is the unfragmentable part. It
// returns a reason when no fragment could go.
func (w *worker) fragment6(rt *route, ip header.IPv6) Reason {
	const hl = header.IPv6Len + header.IPv6FragmentLen
	room := (rt.mtu - hl) &^ 7
	if room < 8 || ip.NextHeader() == header.ProtoFragment {
		return ReasonPacketTooBig
	}
	id := rand.Uint32()
	data := ip[header.IPv6Len:]
	refused := ReasonNeighDropped // why the fragments could not go, if none could
	sent := false
	for off := 0; off < len(data); off += room {
		n := min(room, len(data)-off)
		f := w.buffer(header.EthernetLen + hl + n)
		frag := f[header.EthernetLen:]
		copy(frag, ip[:header.IPv6Len])
		header.IPv6(frag).SetPayloadLength(uint16(header.IPv6FragmentLen + n))
		frag[6] = header.ProtoFragment
		fh := frag[header.IPv6Len:hl]
		fh[0], fh[1] = ip.NextHeader(), 0
		mf := uint16(0)
		if off+n < len(data) {
			mf = 1
		}
		binary.BigEndian.PutUint16(fh[2:], uint16(off)|mf)
		binary.BigEndian.PutUint32(fh[4:], id)
		copy(frag[hl:], data[off:off+n])
		if r := w.neighOutput(rt.out, rt.nh, f, 0); r == none {
			sent = true
		} else {
			refused = r
		}
	}
	if !sent {
		return refused
	}
	return none
}

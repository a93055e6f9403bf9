package dataplane

import "github.com/govrf/govrf/internal/header"

// fragment is ip_do_fragment's slow path: it cuts ip into fragments that
// fit rt's MTU and hands each to neigh_output. Data goes in multiples of
// 8 octets (RFC 791); every fragment keeps the header's length and ID;
// after the first, options RFC 791 does not copy become NOPs
// (ip_options_fragment); a fragment of a fragment keeps the original's
// offset and last MF. It returns a reason when no fragment could go.
func (w *worker) fragment(rt *route, ip header.IPv4, iif int) Reason {
	hl := ip.HeaderLen()
	room := (rt.mtu - hl) &^ 7
	if room < 8 {
		return ReasonFragFailed
	}
	data := ip[hl:]
	base, mf := ip.FragmentOffset(), ip.MF()
	refused := ReasonNeighDropped // why the fragments could not go, if none could
	sent := false
	for off := 0; off < len(data); off += room {
		n := min(room, len(data)-off)
		f := w.buffer(header.EthernetLen + hl + n)
		frag := header.IPv4(f[header.EthernetLen:])
		copy(frag, ip[:hl])
		copy(frag[hl:], data[off:off+n])
		var flags uint8
		if mf || off+n < len(data) {
			flags = header.IPv4FlagMF
		}
		frag.SetFragment(flags, base+off)
		frag.SetTotalLength(uint16(hl + n))
		if off > 0 {
			frag.ClearUncopiedOptions()
		}
		frag.SetHeaderChecksum(frag.CalculateChecksum())
		if r := w.neighOutput(rt.out, rt.nh, f, iif); r == none {
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

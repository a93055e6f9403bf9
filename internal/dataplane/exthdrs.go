package dataplane

import (
	"encoding/binary"
	"slices"

	"github.com/govrf/govrf/internal/header"
)

// IPv6 option types with a meaning in govrf (RFC 8200 §4.2, IANA "IPv6
// Destination Options and Hop-by-Hop Options").
const (
	optPad1        = 0x00
	optPadN        = 0x01
	optRouterAlert = 0x05 // RFC 2711
	optCALIPSO     = 0x07 // RFC 5570
	optIOAM        = 0x31 // RFC 9486
	optJumbo       = 0xc2 // RFC 2675
)

// refusal is why an extension header turns its packet away: the reason
// counted and, when send is set, the Parameter Problem owed (code, and
// pointer from the start of the IPv6 header). The zero value refuses
// nothing.
type refusal struct {
	r    Reason
	send bool
	code uint8
	ptr  uint32
}

// refuseExt counts pk refused for f, answering the Parameter Problem f
// asks for.
func (w *worker) refuseExt(pk *packet, f refusal) {
	if !f.send {
		w.drop(pk, f.r)
		return
	}
	w.refuse(pk, f.r, header.ICMPv6ParamProblem, f.code, f.ptr)
}

// tlvOptions is ip6_parse_tlv for the options header at off: Hop-by-Hop
// (hbh, ipv6_parse_hopopts) or Destination Options (ipv6_destopt_rcv),
// held to at most maxOpts options besides padding (negative: as many,
// and every unknown option refused silently) and maxLen octets. In
// Linux's order, the packet is refused, counted as r:
//   - a header longer than maxLen, an option that runs past the header,
//     more than 7 octets of padding in a row (RFC 4942 §2.1.9.5), a PadN
//     whose octets are not all zero, more options than maxOpts;
//   - in a Hop-by-Hop header, a Router Alert of other than two octets, an
//     IOAM option not on a 4-octet boundary, a Jumbo Payload that is
//     misaligned or of the wrong length (silently), that announces 65535
//     octets or fewer (Parameter Problem 0 at its value) or sits in a
//     packet whose Payload Length is not zero (Parameter Problem 0 at the
//     option); and every CALIPSO option: Linux, built with NetLabel, takes
//     one only for a domain of interpretation configured, and govrf
//     configures none;
//   - an unknown option, by its type's two high bits: skip it, drop, or
//     drop and answer Parameter Problem 2 at the option (for 11, only to a
//     unicast destination). A Destination Options header knows no option
//     (Linux without Mobile IPv6: a Home Address is unknown too).
func tlvOptions(ip header.IPv6, off int, hbh, multicast bool, maxOpts, maxLen int) refusal {
	r := ReasonDestOption
	if hbh {
		r = ReasonHopByHopOption
	}
	drop := refusal{r: r}
	end := off + (int(ip[off+1])+1)*8
	if end-off > maxLen {
		return drop
	}
	strict := maxOpts < 0
	if strict {
		maxOpts = -maxOpts
	}
	pad, opts := 0, 0
	for i := off + 2; i < end; {
		t := ip[i]
		if t == optPad1 {
			if pad++; pad > 7 {
				return drop
			}
			i++
			continue
		}
		if i+2 > end || i+2+int(ip[i+1]) > end {
			return drop
		}
		n := 2 + int(ip[i+1])
		if t == optPadN {
			if pad += n; pad > 7 || slices.ContainsFunc(ip[i+2:i+n], func(b byte) bool { return b != 0 }) {
				return drop
			}
			i += n
			continue
		}
		if opts++; opts > maxOpts {
			return drop
		}
		pad = 0
		known, f := false, refusal{}
		if hbh {
			known, f = hopByHopOption(ip, i, n, r)
		}
		if !known {
			f = unknownOption(t, i, strict, multicast, r)
		}
		if f.r != none {
			return f
		}
		i += n
	}
	return refusal{}
}

// hopByHopOption checks the Hop-by-Hop option of type ip[i], n octets
// long, counted as r; known reports whether Linux knows the type.
func hopByHopOption(ip header.IPv6, i, n int, r Reason) (known bool, f refusal) {
	drop := refusal{r: r}
	switch ip[i] {
	case optRouterAlert: // ipv6_hop_ra: a 16-bit value
		if n != 4 {
			return true, drop
		}
	case optIOAM: // ipv6_hop_ioam: aligned, then ignored (ioam6_enabled off)
		if i&3 != 0 {
			return true, drop
		}
	case optJumbo: // ipv6_hop_jumbo; govrf takes no jumbogram
		switch {
		case n != 6 || i&3 != 2:
			return true, drop
		case binary.BigEndian.Uint32(ip[i+2:]) <= 0xffff:
			return true, refusal{r: r, send: true, code: header.ICMPv6ParamHeaderField, ptr: uint32(i + 2)}
		case ip.PayloadLength() != 0:
			return true, refusal{r: r, send: true, code: header.ICMPv6ParamHeaderField, ptr: uint32(i)}
		}
		return true, drop
	case optCALIPSO: // ipv6_hop_calipso: no domain of interpretation
		return true, drop
	default:
		return false, refusal{}
	}
	return true, refusal{}
}

// unknownOption is ip6_tlvopt_unknown for the option of type t at i.
func unknownOption(t uint8, i int, strict, multicast bool, r Reason) refusal {
	switch {
	case strict:
		return refusal{r: r}
	case t>>6 == 0:
		return refusal{}
	case t>>6 == 1, t>>6 == 3 && multicast:
		return refusal{r: r}
	}
	return refusal{r: r, send: true, code: header.ICMPv6ParamOption, ptr: uint32(i)}
}

// ip6Exthdrs runs, in chain order, the extension header handlers
// ip6_input_finish calls for a packet to the router after the Hop-by-Hop
// header: a Routing header is refused when the packet went to a group
// (ipv6_rthdr_rcv) or by header.IPv6.CheckRouting; a Destination Options
// header is held to tlvOptions and net.ipv6.max_dst_opts_*; a Fragment
// header ends the walk, the rest waiting for reassembly, once checked: a
// first fragment without the whole chain (Parameter Problem 3), then
// header.IPv6.CheckFragment; the headers after it are handled once the
// datagram is reassembled. An atomic fragment (offset 0, no more
// fragments) is a whole packet (RFC 6946): the walk goes on and the
// returned chain has no Fragment (NDP keeps the mark in pk.chain, RFC
// 6980); a second Fragment header is then refused with Parameter Problem
// 0 at it, as ipv6_frag_rcv refuses one in a packet it took as a
// fragment. Past maxLocalExtHeaders headers crossed the packet is dropped
// silently (ext_chain_too_long). Where the chain itself is wrong (the
// problems header.IPv6.Walk reports: Hop-by-Hop out of place, Parameter
// Problem 1; a header past the payload, silently) the walk ends there. A
// header Linux has no handler for (AH, Mobility, HIP, Shim6, the
// experimental numbers) ends the walk as the protocol to deliver, which
// the caller refuses with Parameter Problem 1 unless the host stack takes
// it. It returns the chain as the protocol dispatch sees it.
func (w *worker) ip6Exthdrs(pk *packet) (header.Chain, refusal) {
	ip := header.IPv6(pk.ip)
	c := pk.chain
	_, chain := ip.Walk(maxExtHeaders)
	t, at, off := ip.NextHeader(), 6, header.IPv6Len
	atomic, crossed := pk.reasm, 0 // a reassembled packet took its Fragment header
	if c.HopByHop {
		t, at, off, crossed = ip[off], off, off+(int(ip[off+1])+1)*8, 1
	}
	for off < c.Offset {
		switch t {
		case header.ProtoRouting:
			if ip.Dst().IsMulticast() || pk.l2 != pktHost {
				return c, refusal{r: ReasonRoutingGroup}
			}
			if p := ip.CheckRouting(off); !p.OK() {
				return c, problemRefusal(p)
			}
		case header.ProtoDestOpts:
			sc := w.snap.Sysctl()
			if f := tlvOptions(ip, off, false, ip.Dst().IsMulticast(), sc.MaxDstOptsNumber, sc.MaxDstOptsLength); f.r != none {
				return c, f
			}
		case header.ProtoFragment:
			if atomic { // ipv6_frag_rcv: one Fragment header per packet
				return c, refusal{r: ReasonOf(header.ReasonBadFragment), send: true, code: header.ICMPv6ParamHeaderField, ptr: uint32(off)}
			}
			f := header.IPv6Fragment(ip[off:])
			if f.Offset() != 0 || f.More() {
				if chain.Reason == header.ReasonExtIncomplete {
					return c, problemRefusal(chain) // ipv6frag_thdr_truncated
				}
				// The rest of the chain is the datagram's, once whole.
				return c, problemRefusal(ip.CheckFragment(off))
			}
			atomic, c.Fragment = true, 0
		default:
			c.Proto, c.ProtoAt, c.Offset = t, at, off
			return c, refusal{}
		}
		if crossed++; crossed > maxLocalExtHeaders {
			return c, refusal{r: ReasonOf(header.ReasonExtChainTooLong)}
		}
		n := header.IPv6FragmentLen
		if t != header.ProtoFragment {
			n = (int(ip[off+1]) + 1) * 8
		}
		t, at, off = ip[off], off, off+n
	}
	return c, problemRefusal(chain)
}

// problemRefusal turns a header validator's Problem into a refusal.
func problemRefusal(p header.Problem) refusal {
	return refusal{r: ReasonOf(p.Reason), send: p.Send, code: p.Code, ptr: p.Pointer}
}

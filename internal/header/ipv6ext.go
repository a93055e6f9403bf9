package header

import "encoding/binary"

// Extension header numbers beyond those in the protocol list, all in the
// generic format of RFC 8200 §4 (IANA "IPv6 Extension Header Types").
const (
	protoMobility = 135 // RFC 6275
	protoHIP      = 139 // RFC 7401
	protoShim6    = 140 // RFC 5533
	protoExp1     = 253 // RFC 3692 experimentation
	protoExp2     = 254
)

// IPv6 Parameter Problem codes (RFC 4443 §3.4, RFC 7112, RFC 8883).
const (
	ICMPv6ParamHeaderField     = 0 // erroneous header field
	ICMPv6ParamNextHeader      = 1 // unrecognized Next Header type
	ICMPv6ParamOption          = 2 // unrecognized IPv6 option
	ICMPv6ParamIncompleteChain = 3 // first fragment lacks the header chain
	ICMPv6ParamTooManyHeaders  = 8 // too many extension headers
)

// Chain is the IPv6 header chain as Walk found it. Offsets count from the
// first octet of the fixed header; 0 means absent.
type Chain struct {
	// Proto is the first header the walk did not cross: the upper-layer
	// protocol, ESP, No Next Header, or whatever follows the Fragment
	// header of a non-first fragment.
	Proto uint8
	// ProtoAt is the offset of the Next Header field that holds Proto,
	// the pointer of a Parameter Problem about it.
	ProtoAt int
	// Offset is where the header Proto names begins.
	Offset int
	// Headers counts the extension headers crossed.
	Headers int
	// HopByHop reports a Hop-by-Hop Options header after the fixed header.
	HopByHop bool
	// Routing is the offset of the first Routing header.
	Routing int
	// Fragment is the offset of the first Fragment header.
	Fragment int
}

// Walk follows the extension header chain of a validated packet, crossing
// at most maxHeaders headers. It reports, in the order found:
//   - a Hop-by-Hop header not right after the fixed header
//     (ReasonExtOutOfOrder, Parameter Problem 1 at the Next Header naming
//     it, as Linux and gVisor do; RFC 8200 §4.1);
//   - a chain that runs past the payload: in a first fragment the whole
//     chain up to the upper-layer header is required (ReasonExtIncomplete,
//     Parameter Problem 3 with pointer 0, RFC 8200 §4.5 and RFC 7112; Linux
//     ipv6frag_thdr_truncated), elsewhere it is dropped silently
//     (ReasonTruncated);
//   - a header past the limit (ReasonExtChainTooLong, RFC 8883 code 8 at
//     the header that exceeds it).
//
// The walk stops at a non-first fragment, whose remaining headers are in
// an earlier fragment. It does not judge the upper-layer protocol: a transit
// router must not drop a packet for an extension header it does not know
// (RFC 7045), and the destination checks what it delivers.
func (b IPv6) Walk(maxHeaders int) (Chain, Problem) {
	end := IPv6Len + int(b.PayloadLength())
	c := Chain{Proto: b.NextHeader(), ProtoAt: 6, Offset: IPv6Len}
	first := false // inside a first fragment, which must hold the chain
	for {
		t, off := c.Proto, c.Offset
		switch t {
		case ProtoHopByHop:
			if off != IPv6Len {
				return c, paramProblem(ReasonExtOutOfOrder, ICMPv6ParamNextHeader, c.ProtoAt)
			}
		case ProtoRouting, ProtoDestOpts, ProtoFragment, ProtoAH,
			protoMobility, protoHIP, protoShim6, protoExp1, protoExp2:
		default:
			return c, checkUpper(c, end, first)
		}
		if off+2 > end {
			return c, truncatedChain(first)
		}
		n := extLen(t, b[off+1])
		if off+n > end {
			return c, truncatedChain(first)
		}
		if c.Headers == maxHeaders {
			return c, paramProblem(ReasonExtChainTooLong, ICMPv6ParamTooManyHeaders, off)
		}
		c.Headers++
		c.Proto, c.ProtoAt, c.Offset = b[off], off, off+n
		switch t {
		case ProtoHopByHop:
			c.HopByHop = true
		case ProtoRouting:
			if c.Routing == 0 {
				c.Routing = off
			}
		case ProtoFragment:
			if c.Fragment == 0 {
				c.Fragment = off
			}
			f := IPv6Fragment(b[off:])
			if f.Offset() != 0 {
				return c, Problem{}
			}
			first = first || f.More()
		}
	}
}

// Upper returns the octets of the header the chain ends at, up to the
// end of the payload: the ICMPv6 message when c.Proto is ProtoICMPv6.
func (b IPv6) Upper(c Chain) []byte { return b[c.Offset : IPv6Len+int(b.PayloadLength())] }

// extLen returns the length of an extension header of type t from its
// length octet l.
func extLen(t, l uint8) int {
	switch t {
	case ProtoFragment:
		return IPv6FragmentLen
	case ProtoAH:
		return (int(l) + 2) * 4 // RFC 4302 §2.2: 4-octet units, minus 2
	}
	return (int(l) + 1) * 8 // RFC 8200 §4: 8-octet units, not counting the first
}

// truncatedChain is the Problem of a chain that runs past the payload.
func truncatedChain(first bool) Problem {
	if first {
		return paramProblem(ReasonExtIncomplete, ICMPv6ParamIncompleteChain, 0)
	}
	return silent(ReasonTruncated)
}

// checkUpper checks that a first fragment holds the start of the
// upper-layer header: its fixed part for TCP, UDP and ICMPv6, an octet of
// anything else, as Linux's ipv6frag_thdr_truncated measures it.
func checkUpper(c Chain, end int, first bool) Problem {
	if !first {
		return Problem{}
	}
	need := 1
	switch c.Proto {
	case ProtoTCP:
		need = TCPMinLen
	case ProtoUDP:
		need = UDPLen
	case ProtoICMPv6:
		need = ICMPv6MinLen
	case ProtoNoNext:
		need = 0
	}
	if c.Offset+need > end {
		return truncatedChain(true)
	}
	return Problem{}
}

// CheckRouting applies to the Routing header at off the checks its
// destination owes it (RFC 8200 §4.4; Linux's ipv6_rthdr_rcv):
//   - an RPL (type 3) or segment routing (type 4) header is dropped
//     silently whatever its Segments Left, as Linux does while
//     rpl_seg_enabled and seg6_enabled are off, their defaults
//     (ReasonUnknownExt);
//   - with Segments Left zero the header is skipped;
//   - with Segments Left above zero it is of a type govrf does not
//     implement (RH0 is deprecated, RFC 5095): Parameter Problem 0 at the
//     Routing Type (ReasonUnknownExt).
//
// The caller drops a Routing header sent to a group first.
func (b IPv6) CheckRouting(off int) Problem {
	switch b[off+2] {
	case 3, 4:
		return silent(ReasonUnknownExt)
	}
	if b[off+3] == 0 {
		return Problem{}
	}
	return paramProblem(ReasonUnknownExt, ICMPv6ParamHeaderField, off+2)
}

// CheckFragment applies to the Fragment header at off the checks
// reassembly makes (RFC 8200 §4.5, Linux ip6_frag_queue): a fragment that
// would extend the datagram past 65535 octets (Parameter Problem 0 at the
// Fragment Offset), or a non-final one whose length is not a multiple of 8
// (Parameter Problem 0 at the Payload Length), cannot be reassembled
// (ReasonBadFragment).
func (b IPv6) CheckFragment(off int) Problem {
	f := IPv6Fragment(b[off:])
	n := IPv6Len + int(b.PayloadLength()) - (off + IPv6FragmentLen)
	if f.Offset()+n > 0xffff {
		return paramProblem(ReasonBadFragment, ICMPv6ParamHeaderField, off+2)
	}
	if f.More() && n%8 != 0 {
		return paramProblem(ReasonBadFragment, ICMPv6ParamHeaderField, 4)
	}
	return Problem{}
}

// IPv6FragmentLen is the length of the Fragment header.
const IPv6FragmentLen = 8

// IPv6Fragment is a view of a Fragment extension header (RFC 8200 §4.5).
type IPv6Fragment []byte

// NextHeader returns the type of the header after the Fragment header in
// the first fragment.
func (f IPv6Fragment) NextHeader() uint8 { return f[0] }

// Offset returns the fragment offset in octets.
func (f IPv6Fragment) Offset() int { return int(binary.BigEndian.Uint16(f[2:]) &^ 7) }

// More reports whether the M flag (more fragments) is set.
func (f IPv6Fragment) More() bool { return f[3]&1 != 0 }

// ID returns the identification.
func (f IPv6Fragment) ID() uint32 { return binary.BigEndian.Uint32(f[4:]) }

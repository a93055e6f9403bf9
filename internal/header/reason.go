// Package header holds govrf's typed views of packet headers: Ethernet (with
// 802.1Q/802.1ad tags), ARP, IPv4 with its options, IPv6 with its extension
// header chain, ICMPv4, ICMPv6 with NDP, UDP and TCP, and the Internet
// checksum (RFC 1071, RFC 1624).
//
// A view is a byte slice with accessors (`type IPv4 []byte`), in the style of
// gVisor's pkg/tcpip/header. The data path validates a view once, at the
// boundary where the bytes arrive, and then reads fields without further
// checks. Validators accept any input without panicking and report why they
// refused it as a Reason, which the data path counts; fixed-offset accessors
// assume a view its validator accepted. Nothing here allocates: addresses come
// back as netip.Addr values, iterators are structs, and builders write into a
// buffer the caller provides.
package header

import "strconv"

// Reason is why a validator refused a header. The zero value, ReasonNone,
// means the header passed. The data path counts drops by Reason, so each
// value names one cause an operator can act on.
type Reason uint8

// Reasons a header is refused.
const (
	ReasonNone Reason = iota
	// ReasonTruncated: the bytes end before the header, or before the
	// length a header field announces.
	ReasonTruncated
	// ReasonBadVersion: the IP version field disagrees with the EtherType.
	ReasonBadVersion
	// ReasonBadIHL: an IPv4 header length below 5 words (RFC 1812 §5.2.2).
	ReasonBadIHL
	// ReasonBadTotalLength: an IPv4 total length shorter than its header
	// (RFC 1812 §5.2.2).
	ReasonBadTotalLength
	// ReasonBadChecksum: an IPv4 header or ICMP checksum that does not verify.
	ReasonBadChecksum
	// ReasonBadOptions: a malformed IPv4 option (RFC 1812 §4.2.2.1).
	ReasonBadOptions
	// ReasonBadFragment: fragment fields no reassembly could honour: a
	// datagram beyond 65535 octets, or an IPv6 non-final fragment whose
	// length is not a multiple of 8 (RFC 8200 §4.5).
	ReasonBadFragment
	// ReasonExtChainTooLong: more IPv6 extension headers than the limit
	// the walk was given (RFC 8883 Parameter Problem code 8), or than a
	// destination crosses (Linux's IP6_MAX_EXT_HDRS_CNT, silently).
	ReasonExtChainTooLong
	// ReasonExtOutOfOrder: a Hop-by-Hop Options header anywhere but right
	// after the IPv6 header (RFC 8200 §4.1).
	ReasonExtOutOfOrder
	// ReasonExtIncomplete: a first fragment that does not hold the whole
	// header chain up to the upper-layer header (RFC 8200 §4.5, RFC 7112).
	ReasonExtIncomplete
	// ReasonUnknownExt: a Routing header of a type this node does not
	// implement with Segments Left above zero (RFC 8200 §4.4, RFC 5095),
	// or an RPL or segment routing header, which Linux refuses while
	// their sysctls are off.
	ReasonUnknownExt
	// ReasonBadARP: an ARP packet that is not Ethernet/IPv4 or whose
	// opcode is neither request nor reply (arp_rcv, arp_process).
	ReasonBadARP
	// ReasonBadLength: a UDP length field below 8 or past the datagram.
	ReasonBadLength
	// ReasonBadDataOffset: a TCP data offset below 5 words or past the
	// segment.
	ReasonBadDataOffset
	// ReasonNDPHopLimit: an NDP message whose hop limit is not 255, so it
	// may have come from off link (RFC 4861 §6.1, §7.1, §8.1).
	ReasonNDPHopLimit
	// ReasonNDPBadCode: an NDP message with a non-zero ICMPv6 code.
	ReasonNDPBadCode
	// ReasonNDPBadOption: an NDP option of length zero or running past the
	// message, or the link-layer address option the message uses not sized
	// for Ethernet.
	ReasonNDPBadOption
	// ReasonNDPBadTarget: a multicast NS/NA target, an NA for an address
	// of the receiving port, or a Redirect target that is neither
	// link-local nor the destination.
	ReasonNDPBadTarget
	// ReasonNDPBadSource: an RA or Redirect not from a link-local source,
	// or an unspecified source carrying a source link-layer address option.
	ReasonNDPBadSource
	// ReasonNDPBadDestination: a DAD NS not sent to a solicited-node
	// address, a solicited NA sent to multicast, or a Redirect about a
	// multicast destination.
	ReasonNDPBadDestination
	// ReasonNDPFragmented: an NDP message that carried a Fragment header
	// (RFC 6980 §5).
	ReasonNDPFragmented

	// NumReasons is the number of Reason values, for arrays of counters.
	NumReasons
)

var reasonNames = [NumReasons]string{
	ReasonNone:              "none",
	ReasonTruncated:         "truncated",
	ReasonBadVersion:        "bad_version",
	ReasonBadIHL:            "bad_ihl",
	ReasonBadTotalLength:    "bad_total_length",
	ReasonBadChecksum:       "bad_checksum",
	ReasonBadOptions:        "bad_options",
	ReasonBadFragment:       "bad_fragment",
	ReasonExtChainTooLong:   "ext_chain_too_long",
	ReasonExtOutOfOrder:     "ext_out_of_order",
	ReasonExtIncomplete:     "ext_incomplete",
	ReasonUnknownExt:        "unknown_ext",
	ReasonBadARP:            "bad_arp",
	ReasonBadLength:         "bad_length",
	ReasonBadDataOffset:     "bad_data_offset",
	ReasonNDPHopLimit:       "ndp_hop_limit",
	ReasonNDPBadCode:        "ndp_bad_code",
	ReasonNDPBadOption:      "ndp_bad_option",
	ReasonNDPBadTarget:      "ndp_bad_target",
	ReasonNDPBadSource:      "ndp_bad_source",
	ReasonNDPBadDestination: "ndp_bad_destination",
	ReasonNDPFragmented:     "ndp_fragmented",
}

// String returns the reason as a metric label ("bad_checksum").
func (r Reason) String() string {
	if r < NumReasons {
		return reasonNames[r]
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// Problem is a refusal located in the packet: the Reason to count and, when
// Send is set, the ICMP Parameter Problem the RFC asks for (RFC 792 type 12,
// RFC 4443 §3.4). The zero value means no problem.
type Problem struct {
	Reason Reason
	// Send reports that the RFC asks the node to answer with a Parameter
	// Problem; otherwise the packet is dropped silently.
	Send bool
	// Code is the Parameter Problem code.
	Code uint8
	// Pointer is the offset of the faulty octet from the start of the IP
	// header. ICMPv4 carries it in 8 bits, ICMPv6 in 32.
	Pointer uint32
}

// OK reports whether p records no problem.
func (p Problem) OK() bool { return p.Reason == ReasonNone }

// Error describes the problem, so a Problem can be returned as an error
// outside the data path.
func (p Problem) Error() string {
	s := "header: " + p.Reason.String()
	if p.Send {
		s += " (parameter problem code " + strconv.Itoa(int(p.Code)) +
			", pointer " + strconv.FormatUint(uint64(p.Pointer), 10) + ")"
	}
	return s
}

// silent returns a Problem dropped without an ICMP message.
func silent(r Reason) Problem { return Problem{Reason: r} }

// paramProblem returns a Problem answered with Parameter Problem code at ptr.
func paramProblem(r Reason, code uint8, ptr int) Problem {
	return Problem{Reason: r, Send: true, Code: code, Pointer: uint32(ptr)}
}

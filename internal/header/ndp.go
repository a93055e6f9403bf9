package header

import (
	"encoding/binary"
	"net/netip"
	"time"
)

// Minimum NDP message lengths, ICMPv6 header included (RFC 4861 §4). The
// options start right after.
const (
	RouterSolicitLen   = 8
	RouterAdvertLen    = 16
	NeighborSolicitLen = 24
	NeighborAdvertLen  = 24
	RedirectLen        = 40
)

// Neighbor Advertisement flags, in the octet NeighborAdvert.Flags returns.
const (
	NAFlagRouter    = 0x80
	NAFlagSolicited = 0x40
	NAFlagOverride  = 0x20
)

// NDPHopLimit is the hop limit every NDP message is sent and received
// with; anything else may have crossed a router (RFC 4861 §6.1, §7.1, §8.1).
const NDPHopLimit = 255

// ndpLen returns the minimum length of NDP message type t, or 0 when t is
// not an NDP message.
func ndpLen(t uint8) int {
	switch t {
	case ICMPv6RouterSolicit:
		return RouterSolicitLen
	case ICMPv6RouterAdvert:
		return RouterAdvertLen
	case ICMPv6NeighborSolicit:
		return NeighborSolicitLen
	case ICMPv6NeighborAdvert:
		return NeighborAdvertLen
	case ICMPv6Redirect:
		return RedirectLen
	}
	return 0
}

// IsNDP reports whether ICMPv6 type t is an NDP message govrf handles.
func IsNDP(t uint8) bool { return ndpLen(t) != 0 }

// ValidateNDP applies RFC 4861's validity checks (§6.1.1, §6.1.2, §7.1.1,
// §7.1.2, §8.1) to the NDP message ip carries, given the chain Walk found
// for it: no Fragment header (RFC 6980 §5), hop limit 255, a valid ICMPv6
// checksum, code 0, the message's minimum length, options of non-zero
// length that fit, and per message:
//   - RS: an unspecified source carries no source link-layer option;
//   - RA: the source is link-local;
//   - NS: the target is not multicast; an unspecified source (DAD) is sent
//     to a solicited-node address without a source link-layer option;
//   - NA: the target is not multicast; one sent to multicast is not
//     solicited;
//   - RS, RA and NS: the first source link-layer address option, NA: the
//     first target link-layer address option, is sized for Ethernet
//     (Linux's ndisc_opt_addr_data); other link-layer options are not
//     looked at, as in Linux;
//   - Redirect: the source is link-local, the destination is not
//     multicast, the target is link-local or the destination itself.
//
// The caller has checked that c.Proto is ProtoICMPv6. For an ICMPv6 type
// IsNDP does not know, only the ICMPv6 checks of ICMPv6.Validate apply.
func ValidateNDP(ip IPv6, c Chain) Reason {
	m := ICMPv6(ip.Upper(c))
	if len(m) > 0 && !IsNDP(m.Type()) {
		return m.Validate(ip)
	}
	if c.Fragment != 0 {
		return ReasonNDPFragmented
	}
	if ip.HopLimit() != NDPHopLimit {
		return ReasonNDPHopLimit
	}
	if r := m.Validate(ip); r != ReasonNone {
		return r
	}
	if m.Code() != 0 {
		return ReasonNDPBadCode
	}
	n := ndpLen(m.Type())
	if len(m) < n {
		return ReasonTruncated
	}
	opts := NDPOptions(m[n:])
	if r := opts.Validate(); r != ReasonNone {
		return r
	}
	used := uint8(NDPOptSourceLinkAddr)
	switch m.Type() {
	case ICMPv6NeighborAdvert, ICMPv6Redirect:
		used = NDPOptTargetLinkAddr
	}
	if !opts.linkAddrOK(used) {
		return ReasonNDPBadOption
	}
	src, dst := ip.Src(), ip.Dst()
	sllao := hasOption(opts, NDPOptSourceLinkAddr)
	switch m.Type() {
	case ICMPv6RouterSolicit:
		if src.IsUnspecified() && sllao {
			return ReasonNDPBadSource
		}
	case ICMPv6RouterAdvert:
		if !src.IsLinkLocalUnicast() {
			return ReasonNDPBadSource
		}
	case ICMPv6NeighborSolicit:
		if NeighborSolicit(m).Target().IsMulticast() {
			return ReasonNDPBadTarget
		}
		if src.IsUnspecified() {
			if !IsSolicitedNode(dst) {
				return ReasonNDPBadDestination
			}
			if sllao {
				return ReasonNDPBadSource
			}
		}
	case ICMPv6NeighborAdvert:
		na := NeighborAdvert(m)
		if na.Target().IsMulticast() {
			return ReasonNDPBadTarget
		}
		if dst.IsMulticast() && na.Flags()&NAFlagSolicited != 0 {
			return ReasonNDPBadDestination
		}
	case ICMPv6Redirect:
		r := Redirect(m)
		if !src.IsLinkLocalUnicast() {
			return ReasonNDPBadSource
		}
		if r.Destination().IsMulticast() {
			return ReasonNDPBadDestination
		}
		if t := r.Target(); !t.IsLinkLocalUnicast() && t != r.Destination() {
			return ReasonNDPBadTarget
		}
	}
	return ReasonNone
}

// hasOption reports whether opts holds an option of type typ.
func hasOption(opts NDPOptions, typ uint8) bool {
	it := opts.Iter()
	for opt, ok := it.Next(); ok; opt, ok = it.Next() {
		if opt.Type() == typ {
			return true
		}
	}
	return false
}

// SolicitedNode returns the solicited-node multicast address of a
// (ff02::1:ffXX:XXXX with a's low 24 bits, RFC 4291 §2.7.1).
func SolicitedNode(a netip.Addr) netip.Addr {
	v := a.As16()
	s := [16]byte{0: 0xff, 1: 0x02, 11: 0x01, 12: 0xff, 13: v[13], 14: v[14], 15: v[15]}
	return netip.AddrFrom16(s)
}

// IsSolicitedNode reports whether a is a solicited-node multicast address.
func IsSolicitedNode(a netip.Addr) bool {
	return a.Is6() && a.As16() == SolicitedNode(a).As16()
}

// RouterSolicit is a view of a Router Solicitation message (RFC 4861 §4.1).
type RouterSolicit []byte

// Options returns the message's options.
func (b RouterSolicit) Options() NDPOptions { return NDPOptions(b[RouterSolicitLen:]) }

// RouterAdvert is a view of a Router Advertisement message (RFC 4861 §4.2).
type RouterAdvert []byte

// CurHopLimit returns the hop limit the router advises hosts to use; 0
// means unspecified.
func (b RouterAdvert) CurHopLimit() uint8 { return b[4] }

// Managed reports the M flag: addresses are available via DHCPv6.
func (b RouterAdvert) Managed() bool { return b[5]&0x80 != 0 }

// Other reports the O flag: other configuration is available via DHCPv6.
func (b RouterAdvert) Other() bool { return b[5]&0x40 != 0 }

// RouterLifetime returns how long the router may serve as a default
// router; 0 means it is not one.
func (b RouterAdvert) RouterLifetime() time.Duration {
	return time.Duration(binary.BigEndian.Uint16(b[6:])) * time.Second
}

// ReachableTime returns the advised reachable time; 0 means unspecified.
func (b RouterAdvert) ReachableTime() time.Duration {
	return time.Duration(binary.BigEndian.Uint32(b[8:])) * time.Millisecond
}

// RetransTimer returns the advised retransmission interval; 0 means
// unspecified.
func (b RouterAdvert) RetransTimer() time.Duration {
	return time.Duration(binary.BigEndian.Uint32(b[12:])) * time.Millisecond
}

// Options returns the message's options.
func (b RouterAdvert) Options() NDPOptions { return NDPOptions(b[RouterAdvertLen:]) }

// NeighborSolicit is a view of a Neighbor Solicitation message (RFC 4861
// §4.3).
type NeighborSolicit []byte

// Target returns the address being resolved.
func (b NeighborSolicit) Target() netip.Addr { return netip.AddrFrom16([16]byte(b[8:24])) }

// Options returns the message's options.
func (b NeighborSolicit) Options() NDPOptions { return NDPOptions(b[NeighborSolicitLen:]) }

// NeighborAdvert is a view of a Neighbor Advertisement message (RFC 4861
// §4.4).
type NeighborAdvert []byte

// Flags returns the R, S and O flags (NAFlagRouter, NAFlagSolicited,
// NAFlagOverride).
func (b NeighborAdvert) Flags() uint8 { return b[4] & 0xe0 }

// Target returns the address whose link-layer address is advertised.
func (b NeighborAdvert) Target() netip.Addr { return netip.AddrFrom16([16]byte(b[8:24])) }

// Options returns the message's options.
func (b NeighborAdvert) Options() NDPOptions { return NDPOptions(b[NeighborAdvertLen:]) }

// Redirect is a view of a Redirect message (RFC 4861 §4.5).
type Redirect []byte

// Target returns the better first hop.
func (b Redirect) Target() netip.Addr { return netip.AddrFrom16([16]byte(b[8:24])) }

// Destination returns the destination being redirected.
func (b Redirect) Destination() netip.Addr { return netip.AddrFrom16([16]byte(b[24:40])) }

// Options returns the message's options.
func (b Redirect) Options() NDPOptions { return NDPOptions(b[RedirectLen:]) }

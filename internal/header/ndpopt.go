package header

import (
	"encoding/binary"
	"net/netip"
	"time"
)

// NDP option types (RFC 4861 §4.6).
const (
	NDPOptSourceLinkAddr = 1
	NDPOptTargetLinkAddr = 2
	NDPOptPrefixInfo     = 3
	NDPOptRedirected     = 4
	NDPOptMTU            = 5
)

// NDP option lengths in octets (RFC 4861 §4.6).
const (
	ndpLinkAddrLen   = 8 // a link-layer address option for Ethernet
	ndpPrefixInfoLen = 32
	ndpMTULen        = 8
)

// NDPOptions is a view of the options after an NDP message's fixed part.
type NDPOptions []byte

// Validate checks that every option has a non-zero length and fits
// (RFC 4861 §4.6; Linux's ndisc_parse_options). Options of unknown types
// and repeated options pass: the first of each type is the one used.
func (o NDPOptions) Validate() Reason {
	for len(o) > 0 {
		if len(o) < 2 || o[1] == 0 || int(o[1])*8 > len(o) {
			return ReasonNDPBadOption
		}
		o = o[int(o[1])*8:]
	}
	return ReasonNone
}

// linkAddrOK reports whether the first option of type typ, if any, is
// sized for an Ethernet address, as Linux's ndisc_opt_addr_data requires
// of the link-layer address option a message uses.
func (o NDPOptions) linkAddrOK(typ uint8) bool {
	it := o.Iter()
	for opt, ok := it.Next(); ok; opt, ok = it.Next() {
		if opt.Type() == typ {
			return len(opt) == ndpLinkAddrLen
		}
	}
	return true
}

// Iter returns an iterator over the options.
func (o NDPOptions) Iter() NDPOptionIter { return NDPOptionIter{rest: o} }

// LinkAddr returns the address of the first source or target link-layer
// address option (typ NDPOptSourceLinkAddr or NDPOptTargetLinkAddr).
func (o NDPOptions) LinkAddr(typ uint8) (MAC, bool) {
	it := o.Iter()
	for opt, ok := it.Next(); ok; opt, ok = it.Next() {
		if opt.Type() == typ {
			return opt.LinkAddr()
		}
	}
	return MAC{}, false
}

// NDPOptionIter walks NDP options. It stops at the end or at the first
// option whose length is zero or does not fit.
type NDPOptionIter struct{ rest []byte }

// Next returns the next option; ok is false when none is left.
func (it *NDPOptionIter) Next() (NDPOption, bool) {
	o := it.rest
	if len(o) < 2 || o[1] == 0 || int(o[1])*8 > len(o) {
		it.rest = nil
		return nil, false
	}
	n := int(o[1]) * 8
	it.rest = o[n:]
	return NDPOption(o[:n]), true
}

// NDPOption is one NDP option: type, length and data.
type NDPOption []byte

// Type returns the option type.
func (p NDPOption) Type() uint8 { return p[0] }

// Data returns the octets after the type and length.
func (p NDPOption) Data() []byte { return p[2:] }

// LinkAddr returns the Ethernet address of a link-layer address option,
// and false if its length is not that of one.
func (p NDPOption) LinkAddr() (MAC, bool) {
	if len(p) != ndpLinkAddrLen {
		return MAC{}, false
	}
	return MAC(p[2:8]), true
}

// MTU returns the MTU of an MTU option, and false if the length is wrong.
func (p NDPOption) MTU() (uint32, bool) {
	if p.Type() != NDPOptMTU || len(p) != ndpMTULen {
		return 0, false
	}
	return binary.BigEndian.Uint32(p[4:]), true
}

// PrefixInfo returns the option as a Prefix Information option, and false
// if it is not one or its length is wrong.
func (p NDPOption) PrefixInfo() (NDPPrefixInfo, bool) {
	if p.Type() != NDPOptPrefixInfo || len(p) != ndpPrefixInfoLen {
		return nil, false
	}
	return NDPPrefixInfo(p), true
}

// NDPPrefixInfo is a view of a Prefix Information option (RFC 4861 §4.6.2).
type NDPPrefixInfo []byte

// Prefix returns the prefix; it is invalid if the length exceeds 128.
func (p NDPPrefixInfo) Prefix() netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom16([16]byte(p[16:32])), int(p[2]))
}

// OnLink reports the L flag: the prefix is on-link.
func (p NDPPrefixInfo) OnLink() bool { return p[3]&0x80 != 0 }

// Autonomous reports the A flag: the prefix may be used for SLAAC.
func (p NDPPrefixInfo) Autonomous() bool { return p[3]&0x40 != 0 }

// ValidLifetime returns the valid lifetime; 0xffffffff seconds means
// infinity.
func (p NDPPrefixInfo) ValidLifetime() time.Duration {
	return time.Duration(binary.BigEndian.Uint32(p[4:])) * time.Second
}

// PreferredLifetime returns the preferred lifetime; 0xffffffff seconds
// means infinity.
func (p NDPPrefixInfo) PreferredLifetime() time.Duration {
	return time.Duration(binary.BigEndian.Uint32(p[8:])) * time.Second
}

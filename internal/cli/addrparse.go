package cli

import (
	"net/netip"
	"strings"
)

// inetArg is an address or prefix argument as iproute2's get_addr_1 and
// get_prefix_1 read it (lib/utils.c).
type inetArg struct {
	// Addr is the address; the family's zero address for "default",
	// "all" and "any", and invalid for those words without a family.
	Addr netip.Addr
	// Bits is the prefix length: as written after "/", else the
	// family's full length (0 for "default", "all" and "any").
	Bits int
	// BitsGiven records an explicit "/N" or "default"
	// (iproute2's PREFIXLEN_SPECIFIED).
	BitsGiven bool
	// Any marks "default", "all" and "any".
	Any bool
}

// Family returns 4 or 6, or 0 for a family-less "default"/"all"/"any".
func (a inetArg) Family() int {
	switch {
	case !a.Addr.IsValid():
		return 0
	case a.Addr.Is4():
		return 4
	}
	return 6
}

// Prefix returns the argument as a prefix (unmasked). It is invalid for a
// family-less "default"/"all"/"any".
func (a inetArg) Prefix() netip.Prefix {
	if !a.Addr.IsValid() {
		return netip.Prefix{}
	}
	return netip.PrefixFrom(a.Addr, a.Bits)
}

// familyWord names a family as iproute2's family_name_verbose does in its
// "... is expected" errors.
func familyWord(family int) string {
	switch family {
	case 4:
		return "inet"
	case 6:
		return "inet6"
	}
	return "any valid"
}

// parseAddr reads an address of family (0, 4 or 6) as get_addr does,
// failing with `Error: inet address is expected rather than "ARG".`.
func parseAddr(arg string, family int) (inetArg, error) {
	a, ok := scanAddr(arg, family)
	if !ok {
		return inetArg{}, errExpected(familyWord(family)+" address", arg)
	}
	return a, nil
}

// parsePrefix reads ADDR[/LEN] of family (0, 4 or 6) as get_prefix does,
// failing with `Error: any valid prefix is expected rather than "ARG".`.
// LEN may be a number (any C base) or a dotted IPv4 netmask.
func parsePrefix(arg string, family int) (inetArg, error) {
	a, ok := scanPrefix(arg, family)
	if !ok {
		return inetArg{}, errExpected(familyWord(family)+" prefix", arg)
	}
	return a, nil
}

func scanPrefix(arg string, family int) (inetArg, bool) {
	addr, plen, slash := strings.Cut(arg, "/")
	a, ok := scanAddr(addr, family)
	if !ok {
		return a, false
	}
	if !slash {
		return a, true
	}
	if a.Any && a.BitsGiven { // "default/N"
		return a, false
	}
	n, ok := scanNetmask(plen)
	max := 32
	if a.Family() == 6 {
		max = 128
	} else if a.Family() == 0 {
		max = 0
	}
	if !ok || n > max {
		return a, false
	}
	a.Bits, a.BitsGiven = n, true
	return a, true
}

// scanAddr is get_addr_1 for the inet families.
func scanAddr(s string, family int) (inetArg, bool) {
	if s == "default" || s == "all" || s == "any" {
		a := inetArg{Any: true, BitsGiven: s == "default"}
		switch family {
		case 4:
			a.Addr = netip.IPv4Unspecified()
		case 6:
			a.Addr = netip.IPv6Unspecified()
		}
		return a, true
	}
	if strings.Contains(s, ":") {
		// inet_pton(AF_INET6): no zone, unlike netip.ParseAddr.
		ip, err := netip.ParseAddr(s)
		if family == 4 || err != nil || ip.Zone() != "" || !ip.Is6() {
			return inetArg{}, false
		}
		return inetArg{Addr: ip, Bits: 128}, true
	}
	if family == 6 {
		return inetArg{}, false
	}
	ip, ok := scanIPv4(s)
	return inetArg{Addr: ip, Bits: 32}, ok
}

// scanIPv4 reads one to four dot-separated numbers, each in any C base,
// missing trailing bytes being zero: "10/8" is 10.0.0.0/8 to ip.
func scanIPv4(s string) (netip.Addr, bool) {
	// Four decimal numbers without leading zeros, as most addresses are
	// written, are read by netip at a fraction of the cost; it refuses
	// every other form (fewer numbers, hex, octal), read below.
	if a, err := netip.ParseAddr(s); err == nil && a.Is4() {
		return a, true
	}
	return inetAton(s)
}

// inetAton is scanIPv4 for any form, as inet_aton reads it.
func inetAton(s string) (netip.Addr, bool) {
	var b [4]byte
	for i := range 4 {
		n, rest, ok := strtoulBase(s, 0)
		if !ok || n > 255 {
			return netip.Addr{}, false
		}
		b[i] = byte(n)
		if rest == "" {
			return netip.AddrFrom4(b), true
		}
		if i == 3 || rest[0] != '.' {
			return netip.Addr{}, false
		}
		s = rest[1:]
	}
	return netip.Addr{}, false
}

// scanNetmask is get_netmask: a prefix length, or a contiguous dotted
// netmask.
func scanNetmask(s string) (int, bool) {
	if n, ok := scanUint(s, 32); ok {
		return int(n), true
	}
	ip, ok := scanIPv4(s)
	if !ok {
		return 0, false
	}
	m := ip.As4()
	v := uint32(m[0])<<24 | uint32(m[1])<<16 | uint32(m[2])<<8 | uint32(m[3])
	host := ^v
	if host&(host+1) != 0 {
		return 0, false
	}
	bits := 0
	for ; v != 0; v <<= 1 {
		bits++
	}
	return bits, true
}

// scanUint reads a whole word as an unsigned number of at most bits bits,
// as get_u32/get_unsigned do (C base prefixes accepted).
func scanUint(s string, bits int) (uint64, bool) {
	n, rest, ok := strtoulBase(s, 0)
	if !ok || rest != "" || bits < 64 && n>>bits != 0 {
		return 0, false
	}
	return n, true
}

// hexDigit returns the value of a hex digit, or 16 for anything else.
func hexDigit(c byte) uint64 {
	switch {
	case c >= '0' && c <= '9':
		return uint64(c - '0')
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return uint64(c|0x20-'a') + 10
	}
	return 16
}

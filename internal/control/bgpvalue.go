package control

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// BGPTag is a route distinguisher or a route target as BGP EVPN writes
// them, ADMIN:VALUE (RFC 4364 §4.2, RFC 4360 §4): an AS number of two
// octets with a value of four, an IPv4 address with a value of two, or
// an AS number of four octets with a value of two. The zero BGPTag is
// invalid.
type BGPTag struct {
	Type  uint8      // 0: AS of 2 octets, 1: IPv4 address, 2: AS of 4 octets
	AS    uint32     // the administrator of types 0 and 2
	Addr  netip.Addr // the administrator of type 1
	Value uint32     // the assigned number
	valid bool
}

// ParseBGPTag parses ADMIN:VALUE. An AS number up to 65535 takes a value
// of four octets; a larger one, or an IPv4 address, one of two.
func ParseBGPTag(s string) (BGPTag, error) {
	admin, value, ok := strings.Cut(s, ":")
	if !ok || strings.Contains(value, ":") {
		return BGPTag{}, fmt.Errorf("%q is not ASN:NN or IPV4:NN", s)
	}
	v, err := strconv.ParseUint(value, 10, 32)
	if err != nil {
		return BGPTag{}, fmt.Errorf("%q: the value after ':' is not a number of 32 bits", s)
	}
	if a, err := netip.ParseAddr(admin); err == nil {
		if !a.Is4() || v > 0xffff {
			return BGPTag{}, fmt.Errorf("%q: an IPv4 administrator takes a value up to 65535", s)
		}
		return BGPTag{Type: 1, Addr: a, Value: uint32(v), valid: true}, nil
	}
	as, err := strconv.ParseUint(admin, 10, 32)
	if err != nil {
		return BGPTag{}, fmt.Errorf("%q: the administrator before ':' is neither an AS number nor an IPv4 address", s)
	}
	if as <= 0xffff {
		return BGPTag{Type: 0, AS: uint32(as), Value: uint32(v), valid: true}, nil
	}
	if v > 0xffff {
		return BGPTag{}, fmt.Errorf("%q: an AS number above 65535 takes a value up to 65535", s)
	}
	return BGPTag{Type: 2, AS: uint32(as), Value: uint32(v), valid: true}, nil
}

// IsValid reports whether t was parsed or made by BGPTagFrom.
func (t BGPTag) IsValid() bool { return t.valid }

// String returns t as ParseBGPTag reads it.
func (t BGPTag) String() string {
	if !t.valid {
		return "invalid"
	}
	if t.Type == 1 {
		return fmt.Sprintf("%s:%d", t.Addr, t.Value)
	}
	return fmt.Sprintf("%d:%d", t.AS, t.Value)
}

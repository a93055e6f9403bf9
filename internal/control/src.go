package control

import (
	"net/netip"

	"github.com/govrf/govrf/internal/fib"
)

// SelectSrc4 is inet_select_addr: a primary address of dev within scope,
// preferring one whose subnet holds dst; failing that, an address of the
// dev's VRF device, then of any link of the same L3 domain (lo first).
func (s *Snapshot) SelectSrc4(dev int, dst netip.Addr, scope fib.Scope) netip.Addr {
	var first netip.Addr
	if l := s.Link(dev); l != nil {
		for _, a := range l.Addrs {
			if !a.Is4() || a.Secondary || a.Scope > scope {
				continue
			}
			if !dst.IsValid() || a.Prefix.Masked().Contains(dst) {
				return a.Prefix.Addr()
			}
			if !first.IsValid() {
				first = a.Prefix.Addr()
			}
		}
	}
	if first.IsValid() {
		return first
	}
	master := 0
	if v := s.VRFOf(dev); v != nil {
		master = v.Index
		if a := pickScope4(v, scope); a.IsValid() {
			return a
		}
	}
	for l := range s.Links() {
		lm := l.Master
		if l.Kind == KindVRF {
			lm = l.Index
		}
		if lm != master {
			continue
		}
		if a := pickScope4(l, scope); a.IsValid() {
			return a
		}
	}
	return netip.Addr{}
}

// pickScope4 is in_dev_select_addr: the first primary address that is not
// link scope and within scope.
func pickScope4(l *Link, scope fib.Scope) netip.Addr {
	for _, a := range l.Addrs {
		if a.Is4() && !a.Secondary && a.Scope != fib.ScopeLink && a.Scope <= scope {
			return a.Prefix.Addr()
		}
	}
	return netip.Addr{}
}

// SelectSrc6 is a reduced ipv6_dev_get_saddr (RFC 6724 §5): candidates are
// the addresses of dev's L3 domain; the destination itself wins, then an
// appropriate scope, then the outgoing link, then the longest matching
// prefix.
func (s *Snapshot) SelectSrc6(dev int, dst netip.Addr) netip.Addr {
	master := 0
	if v := s.VRFOf(dev); v != nil {
		master = v.Index
	}
	dscope := scope6(dst)
	var best netip.Addr
	var bestKey [4]int
	for l := range s.Links() {
		lm := l.Master
		if l.Kind == KindVRF {
			lm = l.Index
		}
		if lm != master {
			continue
		}
		for _, a := range l.Addrs {
			ip := a.Prefix.Addr()
			if a.Is4() || dscope <= 2 && l.Index != dev && scope6(ip) <= 2 {
				continue
			}
			// Rule 8 counts matching bits only up to the candidate's own
			// prefix length (ipv6_get_saddr_eval, IPV6_SADDR_RULE_PREFIX).
			k := [4]int{0, 0, 0, min(commonBits(ip, dst), a.Prefix.Bits())}
			if ip == dst {
				k[0] = 1
			}
			if sc := scope6(ip); sc >= dscope {
				k[1] = 100 - sc
			} else {
				k[1] = sc - 100
			}
			if l.Index == dev {
				k[2] = 1
			}
			if !best.IsValid() || greater(k, bestKey) {
				best, bestKey = ip, k
			}
		}
	}
	return best
}

func greater(a, b [4]int) bool {
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return false
}

// scope6 returns an RFC 4291 scope value: 1 interface-local (loopback),
// 2 link-local, 14 global.
func scope6(a netip.Addr) int {
	switch {
	case a.IsUnspecified():
		return 0 // narrower than any scope (__ipv6_addr_src_scope)
	case a.IsLoopback() || a.IsInterfaceLocalMulticast():
		return 1
	case a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast():
		return 2
	}
	return 14
}

func commonBits(a, b netip.Addr) int {
	x, y := a.As16(), b.As16()
	n := 0
	for i := range x {
		d := x[i] ^ y[i]
		if d == 0 {
			n += 8
			continue
		}
		for d&0x80 == 0 {
			n++
			d <<= 1
		}
		break
	}
	return n
}

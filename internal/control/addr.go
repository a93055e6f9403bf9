package control

import (
	"net/netip"
	"slices"
	"syscall"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rterr"
)

// Addr is an address on a link (`ip addr`). Prefix holds the local address
// with its prefix length, unmasked.
type Addr struct {
	Prefix        netip.Prefix
	Broadcast     netip.Addr // IPv4 `brd`; invalid when none
	Scope         fib.Scope
	Label         string
	Metric        uint32 // priority of the prefix route (`metric N`)
	NoPrefixRoute bool
	NoDAD         bool // `nodad`: no duplicate address detection
	Secondary     bool // IPv4: a primary of the same subnet came first
	Kernel        bool // made by the kernel (an IPv6 link-local address)
}

// Is4 reports whether a is an IPv4 address.
func (a *Addr) Is4() bool { return a.Prefix.Addr().Is4() }

func mustAddr(s string, dev int) Addr {
	p := netip.MustParsePrefix(s)
	a := Addr{Prefix: p}
	if p.Addr().IsLoopback() {
		a.Scope = fib.ScopeHost
	}
	return a
}

// AddAddr adds an address to a link (`addr add`); with replace, an existing
// equal address is updated instead of refused (`addr replace`).
func (c *Control) AddAddr(dev string, a Addr, replace bool) error {
	return c.do(func(w *Snapshot) error {
		l := w.LinkByName(dev)
		if l == nil {
			return rterr.New(syscall.ENODEV, "")
		}
		if i := l.findAddr(a.Prefix.Addr(), a.Prefix.Bits()); i >= 0 {
			if !replace {
				return rterr.New(syscall.EEXIST, "")
			}
			w.delAddr(w.editLink(l.Index), l.Addrs[i])
		}
		if a.Is4() && a.Broadcast.IsValid() && !a.Broadcast.Is4() {
			return rterr.New(syscall.EINVAL, "")
		}
		if a.Is4() {
			for _, x := range l.Addrs {
				if x.Is4() && x.Prefix.Masked() == a.Prefix.Masked() && x.Scope != a.Scope && x.Prefix.Addr() != a.Prefix.Addr() {
					return rterr.New(syscall.EINVAL, "ipv4: Invalid scope value")
				}
			}
		}
		w.addAddr(w.Link(l.Index), a)
		return nil
	})
}

// DelAddr removes an address (`addr del`). Deleting an IPv4 primary
// deletes its secondaries too (promote_secondaries=0).
func (c *Control) DelAddr(dev string, a netip.Prefix) error {
	return c.do(func(w *Snapshot) error {
		l := w.LinkByName(dev)
		if l == nil {
			return rterr.New(syscall.ENODEV, "")
		}
		i := l.findAddr(a.Addr(), a.Bits())
		if i < 0 {
			return rterr.New(syscall.EADDRNOTAVAIL, "")
		}
		e := w.editLink(l.Index)
		victim := e.Addrs[i]
		if victim.Is4() && !victim.Secondary {
			// Secondaries first: their routes name the primary as source.
			for _, s := range slices.Clone(e.Addrs) {
				if s.Secondary && s.Is4() && s.Prefix.Masked() == victim.Prefix.Masked() {
					w.delAddr(e, s)
				}
			}
		}
		w.delAddr(e, victim)
		return nil
	})
}

// findAddr returns the position of an address, or -1. bits < 0 matches any
// prefix length.
func (l *Link) findAddr(a netip.Addr, bits int) int {
	for i, x := range l.Addrs {
		if x.Prefix.Addr() == a && (bits < 0 || x.Prefix.Bits() == bits) {
			return i
		}
	}
	return -1
}

// addAddr inserts a on l in the kernel's list order and adds its routes.
func (s *Snapshot) addAddr(l *Link, a Addr) {
	e := s.editLink(l.Index)
	at := len(e.Addrs)
	if a.Is4() {
		// inet_insert_ifa: a primary goes after the last primary whose
		// scope is at least its own (host, link, then global); a second
		// address of a subnet is a secondary, appended.
		last := -1
		for i, x := range e.Addrs {
			if !x.Is4() {
				continue
			}
			if !x.Secondary && a.Scope <= x.Scope {
				last = i
			}
			if x.Prefix.Masked() == a.Prefix.Masked() {
				a.Secondary = true
			}
		}
		if !a.Secondary {
			at = last + 1
		}
	} else {
		// ipv6_link_dev_addr: before the first address whose scope is
		// not wider, so global first and the newest first in a scope.
		for i, x := range e.Addrs {
			if !x.Is4() && scope6(a.Prefix.Addr()) >= scope6(x.Prefix.Addr()) {
				at = i
				break
			}
		}
	}
	e.Addrs = slices.Insert(e.Addrs, at, a)
	for _, r := range s.addrRoutes(e, a) {
		s.addRoute(r, fib.OpAppend) // an equal route may exist already
	}
}

// delAddr removes a from l with its routes (fib_del_ifaddr,
// __ipv6_ifa_notify RTM_DELADDR).
func (s *Snapshot) delAddr(l *Link, a Addr) {
	e := s.editLink(l.Index)
	if i := e.findAddr(a.Prefix.Addr(), a.Prefix.Bits()); i >= 0 {
		e.Addrs = slices.Delete(e.Addrs, i, i+1)
	}
	for _, r := range s.addrRoutes(e, a) {
		if r.Type != fib.TypeUnicast && s.addrStillUses(r) {
			continue
		}
		sel := r
		sel.Scope = fib.ScopeNowhere
		sel.Src = netip.Addr{} // the source may have been another address's
		s.table(r.Table).Delete(sel)
	}
}

// addrStillUses reports whether another address of the same L3 domain
// still needs a local or broadcast route.
func (s *Snapshot) addrStillUses(r fib.Route) bool {
	for l := range s.Links() {
		for _, a := range l.Addrs {
			for _, o := range s.addrRoutes(l, a) {
				if o.Table == r.Table && o.Prefix == r.Prefix && o.Type == r.Type {
					return true
				}
			}
		}
	}
	return false
}

// addrRoutes returns the routes the kernel keeps for address a on l in its
// current state (fib_add_ifaddr for IPv4, addrconf for IPv6).
func (s *Snapshot) addrRoutes(l *Link, a Addr) []fib.Route {
	local := s.l3Table(l.Index, fib.TableLocal)
	main := s.l3Table(l.Index, fib.TableMain)
	ip := a.Prefix.Addr()
	nh := []fib.Nexthop{{Dev: l.Index}}
	if !a.Is4() {
		// The local route exists as soon as the address does; the
		// prefix and anycast routes only while the link is up.
		out := []fib.Route{{Table: local, Prefix: netip.PrefixFrom(ip, 128), Type: fib.TypeLocal,
			Proto: fib.ProtoKernel, Scope: fib.ScopeUniverse, Nexthops: nh}}
		if sub := a.Prefix.Masked(); s.sysctl.IPv6Forwarding && a.Prefix.Bits() < 127 && !sub.Addr().IsUnspecified() {
			// A forwarding node joins the subnet-router anycast address
			// (addrconf_join_anycast; RFC 6164 exempts /127 and /128).
			out = append(out, fib.Route{Table: local, Prefix: netip.PrefixFrom(sub.Addr(), 128),
				Type: fib.TypeAnycast, Proto: fib.ProtoKernel, Nexthops: nh})
		}
		if !l.Up {
			return out
		}
		if !a.NoPrefixRoute && !(l.Kind == KindLoopback && a.Prefix.Bits() == 128) {
			m := a.Metric
			if m == 0 {
				m = 256 // IP6_RT_PRIO_ADDRCONF
			}
			out = append(out, fib.Route{Table: main, Prefix: a.Prefix.Masked(), Type: fib.TypeUnicast,
				Proto: fib.ProtoKernel, Scope: fib.ScopeUniverse, Metric: m, Nexthops: nh})
		}
		return out
	}
	src := ip
	if a.Secondary {
		if p := l.primaryFor(a.Prefix); p.IsValid() {
			src = p
		}
	}
	out := []fib.Route{{Table: local, Prefix: netip.PrefixFrom(ip, 32), Type: fib.TypeLocal,
		Proto: fib.ProtoKernel, Scope: fib.ScopeHost, Src: src, Nexthops: nh}}
	if !l.Up {
		return out
	}
	bcast := func(b netip.Addr) fib.Route {
		return fib.Route{Table: local, Prefix: netip.PrefixFrom(b, 32), Type: fib.TypeBroadcast,
			Proto: fib.ProtoKernel, Scope: fib.ScopeLink, Src: src, Nexthops: nh}
	}
	if a.Broadcast.IsValid() && a.Broadcast != netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		out = append(out, bcast(a.Broadcast))
	}
	pfx := a.Prefix.Masked()
	if !pfx.Addr().IsUnspecified() && !a.Secondary && (pfx.Addr() != ip || a.Prefix.Bits() < 32) {
		if !a.NoPrefixRoute {
			typ := fib.TypeUnicast
			if l.Kind == KindLoopback {
				typ = fib.TypeLocal
			}
			out = append(out, fib.Route{Table: main, Prefix: pfx, Type: typ, Proto: fib.ProtoKernel,
				Scope: fib.ScopeLink, Src: src, Metric: a.Metric, Nexthops: nh})
			if typ == fib.TypeLocal {
				out[len(out)-1].Table = local
				out[len(out)-1].Scope = fib.ScopeHost
			}
		}
		if a.Prefix.Bits() < 31 {
			out = append(out, bcast(lastAddr(pfx)))
		}
	}
	return out
}

// primaryFor returns the primary IPv4 address of p's subnet on l.
func (l *Link) primaryFor(p netip.Prefix) netip.Addr {
	for _, x := range l.Addrs {
		if x.Is4() && !x.Secondary && x.Prefix.Masked() == p.Masked() {
			return x.Prefix.Addr()
		}
	}
	return netip.Addr{}
}

// lastAddr returns the highest address of an IPv4 prefix (its broadcast).
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	for i := p.Bits(); i < 32; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	return netip.AddrFrom4(b)
}

package fastpath

import (
	"net/netip"

	"github.com/govrf/govrf/internal/fib"
)

// routes compiles a VRF table's routes of family f, prefix by prefix.
//
// A destination is forwarded only through a prefix holding exactly one
// route (several, told apart by tos or metric, or a route of the prefix
// a lookup may skip, are the slow path's), and that route:
//   - is unicast, with one nexthop given in the route (multipath and
//     nexthop objects go to the slow path), no tos, not dead;
//   - leaves by an up port the fast path runs on (a leak through another
//     VRF's device takes a second lookup: slow path) — a port of another
//     VRF is fine from a VRF, the packet leaves by it after the one
//     lookup, but not from the default VRF, whose source check then
//     looks the source up in that port's VRF (l3mdev_update_flow from the
//     reverse flow's input link), not in the trie;
//   - has a gateway of its own family whose scope is link (one that
//     resolved to the router's own address sends to the destination:
//     slow path), or no gateway: the prefix is then handed to the slow
//     path but each neighbour of the port inside it gets a host entry of
//     its own, unless a longer prefix of the table covers it;
//   - and whose neighbour nexthops.go accepts.
//
// Prefsrc and metric play no part in forwarding a packet and are
// ignored. local, broadcast, anycast, multicast, blackhole, unreachable,
// prohibit and throw routes are all handed to the slow path; what they
// and the route's shape mean for the source check is sourceOK's.
func (c *compiler) routes(t *fib.Table, f fib.Family) []Entry {
	var out []Entry
	var group []fib.Route
	flush := func() {
		if len(group) > 0 {
			out = c.prefix(out, t, group)
			group = group[:0]
		}
	}
	for r := range t.All() {
		if fib.FamilyOf(r.Prefix.Addr()) != f {
			continue
		}
		if len(group) > 0 && group[0].Prefix != r.Prefix {
			flush()
		}
		group = append(group, r)
	}
	flush()
	return out
}

// prefix appends the entries for the routes rs of one prefix.
func (c *compiler) prefix(out []Entry, t *fib.Table, rs []fib.Route) []Entry {
	r := &rs[0]
	src := sourceOK(rs)
	e := Entry{Prefix: r.Prefix, Value: src}
	if len(rs) != 1 || r.Type != fib.TypeUnicast || r.NHID != 0 || r.Tos != 0 || len(r.Nexthops) != 1 {
		return append(out, e)
	}
	nh := r.Nexthops[0]
	p := c.ports[nh.Dev]
	if nh.Dead || nh.HostScope || p == nil || c.vrf == 0 && p.link.Master != 0 {
		return append(out, e)
	}
	if nh.Gateway.IsValid() {
		if nh.Gateway.Is4() == r.Prefix.Addr().Is4() {
			e.Value |= c.nexthop(p, nh.Gateway)
		}
		return append(out, e)
	}
	out = append(out, e)
	for _, a := range c.neighbours(p) {
		if r.Prefix.Contains(a) && a.Is4() == r.Prefix.Addr().Is4() && !covered(t, r.Prefix, a) {
			if id := c.nexthop(p, a); id != 0 {
				out = append(out, Entry{Prefix: netip.PrefixFrom(a, a.BitLen()), Value: src | id})
			}
		}
	}
	return out
}

// covered reports whether table t has a prefix longer than p holding a.
func covered(t *fib.Table, p netip.Prefix, a netip.Addr) bool {
	for bits := a.BitLen(); bits > p.Bits(); bits-- {
		q, _ := a.Prefix(bits)
		if len(t.Get(q)) > 0 {
			return true
		}
	}
	return false
}

// sourceOK is the trie value's source bit for a prefix holding rs, in a
// table the source check looks up.
//
// IPv4 checks a forwarded packet's source as fib_validate_source does,
// rp_filter off (govrf's model): the reverse route, looked up in the
// ingress VRF, must be unicast or an error (blackhole, unreachable,
// prohibit). So a source is forwarded only through a prefix of one route,
// with no tos (it would be skipped by other tos values), of one of those
// types, unicast only with live nexthops of its own (a nexthop object
// might not resolve). throw (the walk goes on), local, broadcast and the
// rest refuse or are unknown: the slow path decides. IPv6 checks no
// source against the routes (only martians, overlay.go): always true.
func sourceOK(rs []fib.Route) uint32 {
	r := &rs[0]
	if !r.Prefix.Addr().Is4() {
		return trieSourceOK
	}
	if len(rs) != 1 || r.Tos != 0 {
		return 0
	}
	switch r.Type {
	case fib.TypeBlackhole, fib.TypeUnreachable, fib.TypeProhibit:
		return trieSourceOK
	case fib.TypeUnicast:
		if r.NHID != 0 || len(r.Nexthops) == 0 {
			return 0
		}
		for _, nh := range r.Nexthops {
			if nh.Dead {
				return 0
			}
		}
		return trieSourceOK
	}
	return 0
}

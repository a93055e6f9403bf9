package control

import (
	"iter"
	"math"
	"net/netip"
	"slices"

	"github.com/govrf/govrf/internal/fib"
)

// StackRoute is a route as an L3 domain's host stack holds it
// (docs/hoststacks.md): the prefix, what kind of route it is there, and
// the source address Linux selects for a socket of the VRF sending by
// it. Unicast routes go through the stack's device; the router does the
// next hops.
type StackRoute struct {
	Prefix netip.Prefix
	Type   fib.Type   // unicast, unreachable, prohibit or blackhole
	Src    netip.Addr // invalid when the domain has no address to offer
	Metric uint32
}

// CatchAllMetric is the metric of the default routes every host stack
// holds beneath the domain's own: whatever the mirror does not say goes
// to the router, whose full rule walk decides — a lookup that misses a
// VRF's table falls through to the next rules there, as in Linux.
const CatchAllMetric = math.MaxUint32

// StackAddrs returns the addresses the host stack of VRF vrf (a VRF's
// link index; 0 for the default VRF) carries: those of the VRF device
// and of its ports, or those of the default VRF's links but lo, which
// the stack's kernel has its own of. Link-local addresses stay on their
// links.
func (s *Snapshot) StackAddrs(vrf int) []netip.Prefix {
	var out []netip.Prefix
	for l := range s.Links() {
		if !s.inDomain(l, vrf) || l.Kind == KindLoopback {
			continue
		}
		for _, a := range l.Addrs {
			if !a.Prefix.Addr().IsLinkLocalUnicast() {
				out = append(out, a.Prefix)
			}
		}
	}
	return out
}

// inDomain reports whether link l is in L3 domain vrf.
func (s *Snapshot) inDomain(l *Link, vrf int) bool {
	v := s.VRFOf(l.Index)
	if v == nil {
		return vrf == 0
	}
	return v.Index == vrf
}

// StackRoutes returns the routes the host stack of VRF vrf mirrors: those
// of the VRF's table (main for the default VRF) that a socket's lookup
// can end on, each with the source Linux would select (the route's
// prefsrc, else inet_select_addr or the RFC 6724 choice on its nexthop's
// link), then a catch-all default per family. A table of more than limit
// routes is mirrored in part — its connected and default routes — and
// complete is false: the catch-all still sends the rest to the router,
// with the source the stack picks itself.
func (s *Snapshot) StackRoutes(vrf int, limit int) (routes []StackRoute, complete bool) {
	table := fib.TableMain
	if vrf != 0 {
		v := s.Link(vrf)
		if v == nil || v.Kind != KindVRF {
			return nil, true
		}
		table = v.Table
	}
	complete = true
	if t := s.Table(table); t != nil {
		complete = t.Len() <= limit
		all := t.All()
		if !complete {
			all = s.partialRoutes(t, vrf)
		}
		for r := range all {
			if sr, ok := s.stackRoute(&r, vrf); ok {
				routes = append(routes, sr)
			}
		}
	}
	for _, p := range []string{"0.0.0.0/0", "::/0"} {
		routes = append(routes, StackRoute{Prefix: netip.MustParsePrefix(p), Type: fib.TypeUnicast, Metric: CatchAllMetric})
	}
	return routes, complete
}

// partialRoutes yields the routes a large table is mirrored with: its
// connected routes, found from the domain's addresses, and its default
// routes, without walking the table, in prefix order.
func (s *Snapshot) partialRoutes(t *fib.Table, vrf int) iter.Seq[fib.Route] {
	prefixes := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
	for _, p := range s.StackAddrs(vrf) {
		prefixes = append(prefixes, p.Masked())
	}
	slices.SortFunc(prefixes, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return a.Bits() - b.Bits()
	})
	prefixes = slices.Compact(prefixes)
	return func(yield func(fib.Route) bool) {
		for _, p := range prefixes {
			for _, r := range t.Get(p) {
				if (r.Proto == fib.ProtoKernel || p.Bits() == 0) && !yield(r) {
					return
				}
			}
		}
	}
}

// stackRoute returns r as the host stack of VRF vrf holds it; false for
// routes a socket's lookup cannot end on there (local, broadcast and
// multicast routes, which the stack's own addresses make; throw;
// link-local; loopback, which the stack's own lo holds).
//
// The source is the one Linux selects for a socket bound to the VRF
// (flowi4_l3mdev, flowi6_l3mdev set): the route's prefsrc, else an
// address of its nexthop's link (fib_result_prefsrc, ip6_route_get_saddr)
// — unless that link is in another L3 domain, a leak: then the VRF's own
// source, inet_select_addr(vrf, 0, RT_SCOPE_LINK) or
// ipv6_dev_get_saddr(vrf, dst), and never the prefsrc (fib_select_path,
// ip6_route_get_saddr, since Linux 6.11). The default VRF's sockets have
// no L3 master device, so their source follows the nexthop's link
// wherever it is, as in Linux.
func (s *Snapshot) stackRoute(r *fib.Route, vrf int) (StackRoute, bool) {
	sr := StackRoute{Prefix: r.Prefix, Type: r.Type, Metric: r.Metric}
	switch r.Type {
	case fib.TypeUnreachable, fib.TypeProhibit, fib.TypeBlackhole:
		return sr, true
	case fib.TypeUnicast:
	default:
		return StackRoute{}, false
	}
	p := r.Prefix.Addr()
	if p.IsLinkLocalUnicast() || p.IsMulticast() || p.IsLoopback() {
		return StackRoute{}, false
	}
	nh, ok := s.firstHop(r)
	if vrf != 0 && ok && s.elsewhere(nh.Dev, vrf) {
		sr.Src = s.vrfSrc(vrf, p)
		return sr, true
	}
	switch sr.Src = r.Src; {
	case sr.Src.IsValid() || !ok:
	case p.Is4():
		dst := nh.Gateway
		if !dst.IsValid() {
			dst = p
		}
		sr.Src = s.SelectSrc4(nh.Dev, dst, r.Scope)
	default:
		sr.Src = s.SelectSrc6(nh.Dev, p)
	}
	if sr.Src.Is6() && sr.Src.IsLoopback() {
		// The stack's ::1 is on its lo, and the kernel takes a
		// host-scope IPv6 prefsrc only on the route's own device
		// (ipv6_chk_addr): the stack's kernel picks the source.
		sr.Src = netip.Addr{}
	}
	return sr, true
}

// vrfSrc is the source a socket bound to VRF vrf sends from to dst by a
// route through another L3 domain: inet_select_addr(vrf, 0,
// RT_SCOPE_LINK), which passes over host-scope addresses such as
// 127.0.0.1 on the VRF device, or ipv6_dev_get_saddr(vrf, dst), where an
// address of narrower scope than dst, such as ::1, loses to any of the
// right scope.
func (s *Snapshot) vrfSrc(vrf int, dst netip.Addr) netip.Addr {
	if dst.Is4() {
		return s.SelectSrc4(vrf, netip.Addr{}, fib.ScopeLink)
	}
	return s.SelectSrc6(vrf, dst)
}

// elsewhere reports whether link index is in another L3 domain than
// vrf: its L3 master device (l3mdev_master_dev_rcu; a VRF device is its
// own) is not vrf's.
func (s *Snapshot) elsewhere(index, vrf int) bool {
	l := s.Link(index)
	return l != nil && !s.inDomain(l, vrf)
}

// firstHop returns the first path of r, resolving a nexthop object.
func (s *Snapshot) firstHop(r *fib.Route) (fib.Nexthop, bool) {
	if len(r.Nexthops) > 0 {
		return r.Nexthops[0], true
	}
	nh := s.Nexthop(r.NHID)
	for nh != nil && len(nh.Group) > 0 {
		nh = s.Nexthop(nh.Group[0].ID)
	}
	if nh == nil || nh.Blackhole {
		return fib.Nexthop{}, false
	}
	return fib.Nexthop{Gateway: nh.Gateway, Dev: nh.Dev}, true
}

// StackDomains returns the L3 domains that have host stacks: 0 for the
// default VRF, then every VRF's link index, in index order.
func (s *Snapshot) StackDomains() []int {
	out := []int{0}
	for l := range s.Links() {
		if l.Kind == KindVRF {
			out = append(out, l.Index)
		}
	}
	slices.Sort(out)
	return out
}

// AcceptAddrs returns what the default VRF's host stack carries besides
// its own addresses while net.ipv4.tcp_l3mdev_accept or
// udp_l3mdev_accept is set (docs/dataplane.md): the local addresses of
// every VRF, each as a /32 or /128, so that the stack's kernel takes the
// flows the data plane accepts into it from the VRFs — a wildcard
// listener there then gets them — and answers from those addresses.
// Left out are link-local and loopback addresses, the default VRF's own
// addresses (the stack has them already), and the addresses AcceptTarget
// refuses. Nil when neither sysctl is set.
func (s *Snapshot) AcceptAddrs() []netip.Prefix {
	if !s.sysctl.TCPL3mdevAccept && !s.sysctl.UDPL3mdevAccept {
		return nil
	}
	own := map[netip.Addr]bool{}
	for l := range s.Links() {
		if s.inDomain(l, 0) {
			for _, a := range l.Addrs {
				own[a.Prefix.Addr()] = true
			}
		}
	}
	var out []netip.Prefix
	for l := range s.Links() {
		if s.inDomain(l, 0) {
			continue
		}
		for _, a := range l.Addrs {
			ip := a.Prefix.Addr()
			if own[ip] || ip.IsLinkLocalUnicast() || ip.IsLoopback() || !s.AcceptTarget(ip) {
				continue
			}
			own[ip] = true
			out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
		}
	}
	return out
}

// AcceptTarget reports whether the default VRF's host stack may take
// flows to a, an address of a VRF, for l3mdev accept: unless the main
// table routes a by a route more specific than a default one. The
// default VRF then reaches a somewhere else, and a local address of that
// name in its stack would keep the stack's own sockets from getting
// there; flows of the VRFs to a stay in their VRFs' stacks.
func (s *Snapshot) AcceptTarget(a netip.Addr) bool {
	t := s.Table(fib.TableMain)
	if t == nil {
		return true
	}
	res, ok := t.Lookup(&fib.Query{Dst: a, Objects: s})
	return !ok || res.Prefix.Bits() == 0
}

// StackSrcAddrs returns the sources of routes, as StackRoutes gave them
// for the host stack of VRF vrf, that are none of the stack's own
// addresses (StackAddrs, and AcceptAddrs for the default VRF), each as a
// host prefix (/32, /128), once, in the order met. The stack carries
// them too, or its kernel would refuse the routes: Linux selects such a
// source for the default VRF's sockets through a route into a VRF
// (fib_result_prefsrc, ipv6_dev_get_saddr on the nexthop's link, which
// is in the other domain), and for a prefsrc that the table's own
// domain does not have (fib_valid_prefsrc also accepts the local
// table's addresses). Loopback sources are left out: the stack's own lo
// has them.
func (s *Snapshot) StackSrcAddrs(vrf int, routes []StackRoute) []netip.Prefix {
	own := map[netip.Addr]bool{}
	for _, p := range s.StackAddrs(vrf) {
		own[p.Addr()] = true
	}
	if vrf == 0 {
		for _, p := range s.AcceptAddrs() {
			own[p.Addr()] = true
		}
	}
	var out []netip.Prefix
	for _, r := range routes {
		a := r.Src
		if !a.IsValid() || own[a] || a.IsLoopback() {
			continue
		}
		own[a] = true
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out
}

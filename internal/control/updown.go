package control

import (
	"net/netip"
	"slices"

	"github.com/govrf/govrf/internal/fib"
)

// setUp brings a link up or down with the kernel's side effects.
//
// Up (NETDEV_UP): IPv4 addresses get their connected and broadcast routes
// back (fib_add_ifaddr); a port gets ff00::/8 and an EUI-64 link-local
// address (addrconf_dev_config); multipath routes through it revive
// (fib_sync_up).
//
// Down (NETDEV_DOWN): every route through the link goes except IPv4 local
// routes (fib_sync_down_dev without force keeps host-scope nexthops);
// IPv6 addresses are removed unless keep_addr_on_down (addrconf_ifdown);
// configured neighbours are forgotten (neigh_ifdown, both families).
func (s *Snapshot) setUp(l *Link, up bool) {
	if l.Up == up {
		return
	}
	e := s.editLink(l.Index)
	e.Up = up
	if !up {
		s.flushNeighbors(e)
		if !s.sysctl.KeepAddrOnDown {
			for _, a := range slices.Clone(e.Addrs) {
				if !a.Is4() {
					s.delAddr(e, a)
				}
			}
		}
		s.flushDev(e.Index, false)
		return
	}
	s.reviveDev(e.Index)
	if e.Kind != KindLoopback {
		s.addRoute(fib.Route{
			Table: s.l3Table(e.Index, fib.TableLocal), Prefix: netip.MustParsePrefix("ff00::/8"),
			Type: fib.TypeMulticast, Proto: fib.ProtoKernel, Metric: 256,
			Nexthops: []fib.Nexthop{{Dev: e.Index}}}, fib.OpAppend)
	}
	if e.Kind.IsPort() && e.findAddr(linkLocal(e.MAC), 64) < 0 {
		s.addAddr(e, Addr{Prefix: netip.PrefixFrom(linkLocal(e.MAC), 64), Scope: fib.ScopeLink, Kernel: true})
	}
	for _, a := range slices.Clone(s.Link(e.Index).Addrs) {
		for _, r := range s.addrRoutes(s.Link(e.Index), a) {
			s.addRoute(r, fib.OpAppend)
		}
	}
}

// linkLocal returns the EUI-64 link-local address for mac (RFC 4291 App. A).
func linkLocal(m MAC) netip.Addr {
	return netip.AddrFrom16([16]byte{0xfe, 0x80, 8: m[0] ^ 2, m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]})
}

// flushDev removes routes through link index from every table (those
// devTables lists). Without
// force, IPv4 host-scope routes (the link's local addresses) stay; a
// multipath route loses only the paths through the link and is removed
// when none is left alive.
func (s *Snapshot) flushDev(index int, force bool) {
	for _, id := range s.devTableIDs(index) {
		t := s.tables[id]
		var touched bool
		for r := range t.All() {
			if usesDev(&r, index) {
				touched = true
				break
			}
		}
		if !touched {
			continue
		}
		t = s.table(id)
		for _, r := range t.DeleteFunc(func(r *fib.Route) bool { return usesDev(r, index) }) {
			if !force && (r.Is4() && r.Scope == fib.ScopeHost || !r.Is4() && (r.Type == fib.TypeLocal || r.Type == fib.TypeAnycast)) {
				t.Add(r, fib.OpAppend)
				continue
			}
			if len(r.Nexthops) > 1 {
				r.Nexthops = slices.Clone(r.Nexthops)
				alive := false
				for i := range r.Nexthops {
					if r.Nexthops[i].Dev == index {
						r.Nexthops[i].Dead = true
					}
					alive = alive || !r.Nexthops[i].Dead
				}
				if alive && !force {
					t.Add(r, fib.OpAppend)
				}
			}
		}
	}
}

// reviveDev clears the dead mark of multipath nexthops through index.
func (s *Snapshot) reviveDev(index int) {
	for _, id := range s.devTableIDs(index) {
		t := s.tables[id]
		dead := func(r *fib.Route) bool {
			for _, nh := range r.Nexthops {
				if nh.Dev == index && nh.Dead {
					return true
				}
			}
			return false
		}
		var any bool
		for r := range t.All() {
			if dead(&r) {
				any = true
				break
			}
		}
		if !any {
			continue
		}
		t = s.table(id)
		for _, r := range t.DeleteFunc(dead) {
			r.Nexthops = slices.Clone(r.Nexthops)
			for i := range r.Nexthops {
				if r.Nexthops[i].Dev == index {
					r.Nexthops[i].Dead = false
				}
			}
			t.Add(r, fib.OpAppend)
		}
	}
}

func usesDev(r *fib.Route, index int) bool {
	for _, nh := range r.Nexthops {
		if nh.Dev == index {
			return true
		}
	}
	return false
}

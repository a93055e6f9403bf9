package bgp

import (
	"cmp"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"strconv"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
)

// Metric is the metric of the routes the speaker installs, FRR's for
// eBGP: a route of the VRF's own (connected, static) for the same prefix
// is never replaced, as zebra's administrative distance keeps it.
const Metric = 20

// received is a type-5 route a neighbour sent, as GoBGP's best path
// selection left it.
type received struct {
	Route
	Peer netip.Addr
	Best bool
}

// placement is where a received route goes: a prefix of a VRF, through
// the VRF's VXLAN port toward the VTEP, whose router MAC the neighbour
// entry gives.
type placement struct {
	VRF    string
	Prefix netip.Prefix
	Dev    string
	VTEP   netip.Addr
	RMAC   control.MAC
}

// placeKey is a VRF's prefix: one route of the speaker's each.
type placeKey struct {
	VRF    string
	Prefix netip.Prefix
}

// gateway returns the route's gateway: the VTEP, or for an IPv6 prefix
// the VTEP mapped into IPv6 (::ffff:VTEP), as FRR installs it.
func (p *placement) gateway() netip.Addr {
	if p.Prefix.Addr().Is4() {
		return p.VTEP
	}
	return netip.AddrFrom16(p.VTEP.As16())
}

// importVRF returns the carried VRF of s that imports r, and its port:
// the first whose import route targets r carries. A VRF whose VNI is not
// r's does not take it (docs/bgp.md, "Route leaking"): its VXLAN port
// would send the traffic with the wrong VNI.
func importVRF(s *control.Snapshot, r *Route) (*control.BGPVRF, port, bool) {
	b := s.BGP()
	if b == nil {
		return nil, port{}, false
	}
	for i := range b.VRFs {
		v := &b.VRFs[i]
		if !slices.ContainsFunc(r.RTs, func(t control.BGPTag) bool { return slices.Contains(v.Import, t) }) {
			continue
		}
		if r.VNI != v.VNI {
			slog.Debug("bgp: type-5 route not imported: its VNI is not the VRF's", "prefix", r.Prefix, "rd", r.RD, "vni", r.VNI, "vrf_vni", v.VNI)
			continue
		}
		if p, ok := portOf(s, v); ok {
			return v, p, true
		}
	}
	return nil, port{}, false
}

// placements returns where the best received routes go in s: per VRF
// and prefix, one route; among several (other RDs), the lowest VTEP,
// then RD, so that the choice does not depend on arrival order. A prefix
// the VRF's table has from another source is left to it.
func placements(s *control.Snapshot, rs []received) map[placeKey]placement {
	out := map[placeKey]placement{}
	for i := range rs {
		r := &rs[i]
		if !r.Best {
			continue
		}
		v, p, ok := importVRF(s, &r.Route)
		if !ok {
			continue
		}
		vrf := s.Link(v.VRF)
		if ownRoute(s.Table(vrf.Table), r.Prefix) {
			continue
		}
		k := placeKey{vrf.Name, r.Prefix}
		n := placement{VRF: vrf.Name, Prefix: r.Prefix, Dev: p.Dev, VTEP: r.NextHop, RMAC: r.RouterMAC}
		if o, dup := out[k]; dup && o.VTEP.Compare(n.VTEP) <= 0 {
			continue
		}
		out[k] = n
	}
	return out
}

// ownRoute reports whether t has a route for prefix that the speaker did
// not make.
func ownRoute(t *fib.Table, prefix netip.Prefix) bool {
	if t == nil {
		return false
	}
	for r := range t.All() {
		if r.Prefix == prefix && r.Proto != fib.ProtoBGP {
			return true
		}
	}
	return false
}

// present returns the placements of ps whose route s still has: a
// route deleted by hand, or with its VRF or port, is installed again if
// still wanted, and never deleted again.
func present(s *control.Snapshot, ps map[placeKey]placement) map[placeKey]placement {
	out := make(map[placeKey]placement, len(ps))
	for k, p := range ps {
		vrf := s.LinkByName(p.VRF)
		if vrf == nil || !vrf.IsVRF() || s.Table(vrf.Table) == nil {
			continue
		}
		for r := range s.Table(vrf.Table).All() {
			if r.Prefix == p.Prefix && r.Proto == fib.ProtoBGP && r.Metric == Metric {
				out[k] = p
				break
			}
		}
	}
	return out
}

// neighKey is one neighbour entry the speaker makes: the gateway of its
// routes on a VXLAN port, resolved to the remote router MAC.
type neighKey struct {
	Dev  string
	Addr netip.Addr
	RMAC control.MAC
}

// fdbKey is one forwarding entry the speaker makes: the remote router
// MAC on a VXLAN port, behind its VTEP.
type fdbKey struct {
	Dev  string
	RMAC control.MAC
	VTEP netip.Addr
}

// entries returns the neighbour and forwarding entries the routes of ps
// need.
func entries(ps map[placeKey]placement) (map[neighKey]bool, map[fdbKey]bool) {
	ns, fs := map[neighKey]bool{}, map[fdbKey]bool{}
	for _, p := range ps {
		ns[neighKey{p.Dev, p.gateway(), p.RMAC}] = true
		fs[fdbKey{p.Dev, p.RMAC, p.VTEP}] = true
	}
	return ns, fs
}

// change is one command line of changes, and what it is about, so that
// a failure can be undone in the speaker's accounting.
type change struct {
	line  []string
	neigh *neighKey // an entry added
	fdb   *fdbKey   // an entry added
	place *placeKey // a route replaced, or deleted when del
	del   bool
}

// changes returns the command lines that take the control plane from
// the routes of old to those of new: first the neighbour and forwarding
// entries new routes need, then the routes, then the entries no route
// needs any more, so that a route never points at a missing entry. An
// entry replaced by one for the same address (or MAC) is not deleted.
func changes(old, new map[placeKey]placement) []change {
	var cs []change
	on, of := entries(old)
	nn, nf := entries(new)
	for _, k := range sortedKeys(nn, cmpNeigh) {
		if !on[k] {
			cs = append(cs, change{line: []string{"neigh", "replace", k.Addr.String(), "lladdr", k.RMAC.String(),
				"dev", k.Dev, "nud", "noarp", "extern_learn"}, neigh: &k})
		}
	}
	for _, k := range sortedKeys(nf, cmpFDB) {
		if !of[k] {
			cs = append(cs, change{line: []string{"bridge", "fdb", "replace", k.RMAC.String(), "dev", k.Dev,
				"dst", k.VTEP.String(), "self", "extern_learn"}, fdb: &k})
		}
	}
	for _, k := range sortedKeys(new, cmpPlace) {
		if p := new[k]; old[k] != p {
			cs = append(cs, change{line: []string{"route", "replace", p.Prefix.String(), "vrf", p.VRF, "via", p.gateway().String(),
				"dev", p.Dev, "onlink", "proto", "bgp", "metric", strconv.Itoa(Metric)}, place: &k})
		}
	}
	for _, k := range sortedKeys(old, cmpPlace) {
		if _, ok := new[k]; !ok {
			cs = append(cs, change{line: []string{"route", "del", k.Prefix.String(), "vrf", k.VRF,
				"proto", "bgp", "metric", strconv.Itoa(Metric)}, place: &k, del: true})
		}
	}
	for _, k := range sortedKeys(on, cmpNeigh) {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(nn)), func(n neighKey) bool { return n.Dev == k.Dev && n.Addr == k.Addr }) {
			cs = append(cs, change{line: []string{"neigh", "del", k.Addr.String(), "dev", k.Dev}})
		}
	}
	for _, k := range sortedKeys(of, cmpFDB) {
		if !slices.ContainsFunc(slices.Collect(maps.Keys(nf)), func(n fdbKey) bool { return n.Dev == k.Dev && n.RMAC == k.RMAC }) {
			cs = append(cs, change{line: []string{"bridge", "fdb", "del", k.RMAC.String(), "dev", k.Dev,
				"dst", k.VTEP.String(), "self"}})
		}
	}
	return cs
}

// applied returns what is installed once cs, which took old to new,
// ran with errs: new, but for the changes that failed. A route whose
// entry could not be added is taken as missing, so that both are tried
// again; a route that could not be deleted as still there. A neighbour
// or forwarding entry that could not be deleted is left (and logged).
func applied(old, new map[placeKey]placement, cs []change, errs []error) map[placeKey]placement {
	out := maps.Clone(new)
	for i, c := range cs {
		if i >= len(errs) || errs[i] == nil {
			continue
		}
		switch {
		case c.neigh != nil:
			maps.DeleteFunc(out, func(_ placeKey, p placement) bool {
				return p.Dev == c.neigh.Dev && p.gateway() == c.neigh.Addr
			})
		case c.fdb != nil:
			maps.DeleteFunc(out, func(_ placeKey, p placement) bool {
				return p.Dev == c.fdb.Dev && p.RMAC == c.fdb.RMAC
			})
		case c.place != nil && c.del:
			out[*c.place] = old[*c.place]
		case c.place != nil:
			delete(out, *c.place)
		}
	}
	return out
}

func sortedKeys[K comparable, V any](m map[K]V, c func(a, b K) int) []K {
	return slices.SortedFunc(maps.Keys(m), c)
}

func cmpNeigh(a, b neighKey) int {
	return cmp.Or(cmp.Compare(a.Dev, b.Dev), a.Addr.Compare(b.Addr), slices.Compare(a.RMAC[:], b.RMAC[:]))
}

func cmpFDB(a, b fdbKey) int {
	return cmp.Or(cmp.Compare(a.Dev, b.Dev), slices.Compare(a.RMAC[:], b.RMAC[:]), a.VTEP.Compare(b.VTEP))
}

func cmpPlace(a, b placeKey) int {
	return cmp.Or(cmp.Compare(a.VRF, b.VRF), a.Prefix.Addr().Compare(b.Prefix.Addr()), cmp.Compare(a.Prefix.Bits(), b.Prefix.Bits()))
}

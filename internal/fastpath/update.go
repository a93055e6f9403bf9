package fastpath

import (
	"errors"
	"net/netip"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
)

// ErrCompile says that a change cannot be made to a compilation key by
// key (Update): compile the new snapshot whole.
var ErrCompile = errors.New("fastpath: the change needs a full compilation")

// Delta is what a change of routes makes of a compilation: nexthops to
// add and trie keys to set or delete, in the generation in use
// (Path.ApplyDelta).
type Delta struct {
	// Nexthops are new nexthops the keys use, numbered on from the
	// compilation's: id First+i is Nexthops[i], to neighbour
	// Neighbours[i].
	First      uint32
	Nexthops   []NexthopValue
	Neighbours []NeighbourKey
	Keys       []KeyChange
}

// KeyChange is one trie key's new value, or its deletion.
type KeyChange struct {
	VRF    int // the index of its Tries in Compiled.VRFs
	Family int // 0: IPv4, 1: IPv6
	Entry  Entry
	Delete bool // the key goes; Entry.Value is unused
}

// MaxPerTrie returns the most keys d changes in one VRF's trie of one
// family.
func (d *Delta) MaxPerTrie() int {
	n := map[[2]int]int{}
	most := 0
	for _, k := range d.Keys {
		t := [2]int{k.VRF, k.Family}
		n[t]++
		most = max(most, n[t])
	}
	return most
}

// Update returns what turns compilation c of snapshot old into the
// compilation of snapshot s, which differs from old only in the routes
// of the prefixes changed lists by table (control.RouteChanges), for the
// same ports. The entries of each changed prefix are compiled again as
// Compile would (routes.go, under the overlay of overlay.go), with the
// nexthop ids c holds. It returns ErrCompile, and no delta, when the
// change reaches beyond its own prefixes' keys:
//   - the local table changed (it is laid over every trie);
//   - a changed prefix has an on-link route, before or after (its
//     neighbours' host entries depend on longer prefixes), or lies in an
//     on-link prefix of the table holding a neighbour of its port, or a
//     nexthop of c to one (that neighbour's host entry depends on it);
//   - the nexthops would reach MaxNexthops.
//
// A key whose entry does not change is still listed. Nexthop ids of the
// result are c's, not necessarily those Compile(s) would number, and a
// nexthop no route of c has yet is added after them (Delta.Nexthops); a
// nexthop no longer used stays, unreferenced.
func Update(c *Compiled, old, s *control.Snapshot, ports []Port, mono uint64, changed map[fib.TableID][]netip.Prefix) (*Delta, error) {
	if _, ok := changed[fib.TableLocal]; ok {
		return nil, ErrCompile
	}
	k, err := newCompiler(s, ports, mono)
	if err != nil {
		return nil, err
	}
	k.seed(c)
	d := &Delta{}
	for i, tr := range c.VRFs {
		table := fib.TableMain
		if tr.VRF != 0 {
			l := s.Link(tr.VRF)
			if l == nil {
				return nil, ErrCompile
			}
			table = l.Table
		}
		ps := changed[table]
		if len(ps) == 0 {
			continue
		}
		k.vrf = tr.VRF
		t, was := s.Table(table), old.Table(table)
		for fi := range 2 {
			if len(tr.Routes[fi]) == 0 {
				continue // the family is not compiled: no trie
			}
			for _, p := range ps {
				if famIndex(fib.FamilyOf(p.Addr())) != fi {
					continue
				}
				kc, keep, err := k.key(t, was, p, fi)
				if err != nil {
					return nil, err
				}
				if keep {
					kc.VRF, kc.Family = i, fi
					d.Keys = append(d.Keys, kc)
				}
			}
		}
	}
	if len(k.nexthops) >= MaxNexthops {
		return nil, ErrCompile
	}
	d.First = uint32(len(c.Nexthops) + 1)
	d.Nexthops, d.Neighbours = k.nexthops[len(c.Nexthops):], k.nhKeys[len(c.Neighbours):]
	return d, nil
}

// seed numbers nexthops on from c's: a nexthop c has keeps its id, a
// new one comes after them.
func (c *compiler) seed(from *Compiled) {
	c.nexthops = from.Nexthops[:len(from.Nexthops):len(from.Nexthops)]
	c.nhKeys = from.Neighbours[:len(from.Neighbours):len(from.Neighbours)]
	for i, key := range from.Neighbours {
		c.nhIDs[key] = uint32(i + 1)
	}
}

// Holding returns the delta that sets each key d changes to hand
// packets to the slow path both ways (nexthop 0, source refused).
// Applied before d, key by key, it makes every lookup meanwhile find the
// old snapshot's answer or the slow path's; d then makes it the new
// snapshot's or the slow path's: a trie of which several keys change
// never shows a third answer, a mix of the two (a destination under a
// longer prefix deleted and a shorter one replaced, say).
func (d *Delta) Holding() *Delta {
	h := &Delta{Keys: make([]KeyChange, len(d.Keys))}
	for i, k := range d.Keys {
		h.Keys[i] = KeyChange{VRF: k.VRF, Family: k.Family, Entry: Entry{Prefix: k.Entry.Prefix}}
	}
	return h
}

// key compiles prefix p of table t (was: before the change) of family
// fi again: its entry, or its deletion, or nothing (keep false) when the
// overlay's entry holds its key whatever the table says.
func (c *compiler) key(t, was *fib.Table, p netip.Prefix, fi int) (kc KeyChange, keep bool, err error) {
	rs := routesAt(t, p)
	if onLink(rs) || onLink(routesAt(was, p)) || c.coversNeighbour(t, p) {
		return kc, false, ErrCompile
	}
	o := c.overlaySet(fi)
	if _, ok := o.over[p]; ok {
		return kc, false, nil
	}
	if len(rs) == 0 {
		if fi == 1 && p.Bits() == 0 {
			return KeyChange{Entry: defaultEntry6}, true, nil
		}
		return KeyChange{Entry: Entry{Prefix: p}, Delete: true}, true, nil
	}
	return KeyChange{Entry: o.mask(c.prefix(nil, t, rs)[0])}, true, nil
}

// routesAt returns the routes of p in t (nil: none).
func routesAt(t *fib.Table, p netip.Prefix) []fib.Route {
	if t == nil {
		return nil
	}
	return t.Get(p)
}

// onLink reports whether rs has a unicast route with a nexthop without a
// gateway: a prefix whose neighbours may get host entries (prefix).
func onLink(rs []fib.Route) bool {
	for i := range rs {
		if rs[i].Type != fib.TypeUnicast {
			continue
		}
		for _, nh := range rs[i].Nexthops {
			if !nh.Gateway.IsValid() {
				return true
			}
		}
	}
	return false
}

// coversNeighbour reports whether a shorter prefix of t than p is on
// link through an up port with a neighbour inside p, or a nexthop (a
// neighbour gone since the compilation): that neighbour's host entry
// depends on whether p has routes (covered).
func (c *compiler) coversNeighbour(t *fib.Table, p netip.Prefix) bool {
	for bits := p.Bits() - 1; bits >= 0; bits-- {
		q, _ := p.Addr().Prefix(bits)
		rs := t.Get(q)
		if !onLink(rs) {
			continue
		}
		for i := range rs {
			for _, nh := range rs[i].Nexthops {
				ps := c.ports[nh.Dev]
				if nh.Gateway.IsValid() || ps == nil {
					continue
				}
				for _, a := range c.neighbours(ps) {
					if p.Contains(a) {
						return true
					}
				}
				// A neighbour gone since the compilation may still
				// have its host entry, under its nexthop.
				for _, k := range c.nhKeys {
					if k.Link == nh.Dev && p.Contains(k.Addr) {
						return true
					}
				}
			}
		}
	}
	return false
}

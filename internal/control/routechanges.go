package control

import (
	"maps"
	"net/netip"
	"reflect"

	"github.com/govrf/govrf/internal/fib"
)

// RouteChanges reports whether new differs from old only in routes, in
// at most limit prefixes, and if so which prefixes of which tables it
// touched (a prefix written back to its old routes may be listed). ok is
// false when anything else differs (a link, an address, a neighbour set
// by hand, a rule, a sysctl, a nexthop object, a table made or dropped),
// when more than limit prefixes were touched, or when the tables did not
// record what they touched (Subscribe makes them; only consecutive
// snapshots have a record). Its cost is the links', the nexthop
// objects' and the touched prefixes' count, not the tables' sizes, for a
// subscriber that follows each publication (the fast path's key-by-key
// updates).
func RouteChanges(old, new *Snapshot, limit int) (changed map[fib.TableID][]netip.Prefix, ok bool) {
	if old == new {
		return nil, true
	}
	if len(old.links) != len(new.links) || old.rules != new.rules || !reflect.DeepEqual(old.sysctl, new.sysctl) ||
		len(old.tables) != len(new.tables) || !maps.Equal(old.nexthops, new.nexthops) {
		return nil, false
	}
	for i := range old.links {
		a, b := old.links[i], new.links[i]
		if a != b && (a == nil || b == nil || !sameLink(a, b) || !reflect.DeepEqual(a.Addrs, b.Addrs) ||
			!reflect.DeepEqual(a.Neighbors, b.Neighbors)) {
			return nil, false
		}
	}
	n := 0
	for id, b := range new.tables {
		a := old.tables[id]
		if a == nil {
			return nil, false
		}
		k, all := b.TouchedLen(a)
		if n += k; all || n > limit {
			return nil, false
		}
	}
	changed = map[fib.TableID][]netip.Prefix{}
	for id, b := range new.tables {
		a := old.tables[id]
		if a == b {
			continue
		}
		ps, _ := b.Touched(a)
		if len(ps) > 0 {
			changed[id] = ps
		}
	}
	return changed, true
}

package neigh

import (
	"maps"
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/govrf/govrf/internal/header"
)

// view is the index Lookup reads without the cache's mutex: an immutable
// copy of a table's map, replaced whole. Entries created since the copy
// are missing from it, and removed ones are still in it, dead (state
// none), until Tick replaces it; either way Lookup reports no usable MAC
// and the caller's Resolve, under the mutex, gives the right answer.
// Copying at most once per Tick, and Next asking for one at most every
// publishInterval, rather than once per change keeps a flood of new
// neighbours from costing a copy of the table each.
type view struct {
	m     atomic.Pointer[map[netip.Addr]*entry]
	dirty bool      // the table's map has changed since the copy; under the mutex
	at    time.Time // when the copy was made
}

// publishInterval is how soon after the last copy Next asks for a Tick
// to publish changes.
const publishInterval = 10 * time.Millisecond

// publish makes a copy of m the view; an empty m, none (a table that
// never had an entry costs no maps).
func (v *view) publish(m map[netip.Addr]*entry, now time.Time) {
	if len(m) == 0 {
		v.m.Store(nil)
	} else {
		c := maps.Clone(m)
		v.m.Store(&c)
	}
	v.dirty, v.at = false, now
}

// refresh publishes m if it changed.
func (v *view) refresh(m map[netip.Addr]*entry, now time.Time) {
	if v.dirty {
		v.publish(m, now)
	}
}

// next returns when the view wants publishing; zero: not needed.
func (v *view) next() time.Time {
	if !v.dirty {
		return time.Time{}
	}
	return v.at.Add(publishInterval)
}

// publish stores e's MAC and state where Lookup reads them, in one atomic
// word so that no reader pairs a state with another state's MAC.
func (e *entry) publish() {
	m := e.mac
	e.word.Store(uint64(m[0])<<56 | uint64(m[1])<<48 | uint64(m[2])<<40 |
		uint64(m[3])<<32 | uint64(m[4])<<24 | uint64(m[5])<<16 | uint64(e.state))
}

// load reads what publish stored.
func (e *entry) load() (header.MAC, State) {
	w := e.word.Load()
	return header.MAC{byte(w >> 56), byte(w >> 48), byte(w >> 40), byte(w >> 32), byte(w >> 24), byte(w >> 16)},
		State(w)
}

// Lookup returns the MAC to send to ip now, if there is one: ok is true
// in REACHABLE, STALE, DELAY, PROBE, NOARP and PERMANENT. A STALE entry
// moves to DELAY, starting reachability verification as neigh_event_send
// does, and Lookup returns DELAY. Otherwise state says why not (none,
// INCOMPLETE or FAILED) and the caller goes on with Resolve. An entry
// made since the last Tick may not be seen yet: Resolve then answers
// Ready with its MAC.
//
// Lookup takes no lock, writes nothing shared and allocates nothing,
// except in STALE, which takes the mutex once to move to DELAY. Like
// Linux's connected fast path it neither marks the entry used nor counts
// in Stats: use matters only to STALE entries, which it moves to DELAY.
func (c *Cache) Lookup(ip netip.Addr) (mac header.MAC, state State, ok bool) {
	var r Ref
	return c.LookupRef(ip, &r)
}

// Ref is what a Lookup found for one address: the index it read and the
// entry there, if any. The index is immutable, so while it stays the
// same the address finds the same entry, whose state and MAC are read
// afresh each time: a Ref saves the index lookup, never the answer.
// The zero Ref is empty.
type Ref struct {
	m *map[netip.Addr]*entry
	e *entry
}

// LookupRef is Lookup through r, which it brings up to date. r must be
// empty or have been filled by LookupRef on c for the same ip; the data
// path keeps one per next hop it sends to.
func (c *Cache) LookupRef(ip netip.Addr, r *Ref) (mac header.MAC, state State, ok bool) {
	if ip.Zone() != "" {
		ip = ip.WithZone("")
	}
	m := c.table(ip).view.m.Load()
	if m != r.m {
		r.m, r.e = m, nil
		if m != nil {
			r.e = (*m)[ip]
		}
	}
	e := r.e
	if e == nil {
		return header.MAC{}, StateNone, false
	}
	mac, state = e.load()
	switch state {
	case StateStale:
		return c.useStale(ip)
	case StateIncomplete, StateFailed, StateNone:
		return header.MAC{}, state, false
	}
	return mac, state, true
}

// useStale is Lookup's slow path for a STALE entry.
func (c *Cache) useStale(ip netip.Addr) (header.MAC, State, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.table(ip)
	e := t.m[ip]
	if e == nil {
		return header.MAC{}, StateNone, false
	}
	t.use(e, c.clock.Now())
	if !e.state.Valid() {
		return header.MAC{}, e.state, false
	}
	return e.mac, e.state, true
}

// lookup finds ip's entry on a slow path, counting like neigh_lookup.
func (t *table) lookup(ip netip.Addr) *entry {
	t.stats.Lookups++
	e := t.m[ip]
	if e != nil {
		t.stats.Hits++
	}
	return e
}

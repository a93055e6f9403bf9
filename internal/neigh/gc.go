package neigh

import (
	"math/rand/v2"
	"net/netip"
	"time"
)

// Intervals Linux hard-codes in neigh_alloc, neigh_forced_gc and
// neigh_periodic_work.
const (
	forcedGCInterval = 5 * time.Second   // forced GC above gc_thresh2 at most this often; its idle cutoff
	rerandInterval   = 300 * time.Second // reachable time redrawn this often
	minGCInterval    = time.Second       // floor for a zero base_reachable_time
	// fullBackoff: after a forced GC at gc_thresh3 freed nothing, new
	// entries are refused without another for this long. Linux runs one
	// per refused entry, a scan of the table per packet of a flood.
	fullBackoff = time.Second
)

// gcInterval is the periodic GC period: half the base reachable time, so
// that an entry's ageing is noticed within its range (neigh_periodic_work).
func (t *table) gcInterval() time.Duration {
	return max(t.p.BaseReachableTime/2, minGCInterval)
}

// create adds an entry for ip in state NONE, or returns nil when the
// table is full, as neigh_alloc decides: at gc_thresh3 dynamic entries, or
// above gc_thresh2 when the last forced GC is 5 s old, a forced GC runs,
// and the entry is refused if that freed nothing at gc_thresh3. Static
// entries (exempt) skip the limits.
func (t *table) create(ip netip.Addr, now time.Time, static bool) *entry {
	if n := len(t.list) - t.static; !static &&
		(n >= t.p.GCThresh3 || n >= t.p.GCThresh2 && now.After(t.lastFlush.Add(forcedGCInterval))) {
		full := n >= t.p.GCThresh3
		if full && now.Before(t.fullUntil) {
			t.stats.TableFulls++
			return nil
		}
		if t.forcedGC(now) == 0 && full {
			t.fullUntil = now.Add(fullBackoff)
			t.stats.TableFulls++
			return nil
		}
	}
	e := &entry{
		addr:    ip,
		index:   len(t.list),
		updated: now,
		used:    now,
		// Not confirmed recently (neigh_create).
		confirmed: now.Add(-2 * t.p.BaseReachableTime),
	}
	t.m[ip] = e
	t.list = append(t.list, e)
	t.view.dirty = true
	t.stats.Allocs++
	return e
}

// remove takes e out of the table, releasing its queued packets. Lookup
// may still find e until the next Tick, dead: in state none.
func (t *table) remove(e *entry) {
	t.purge(e)
	t.setState(e, StateNone)
	delete(t.m, e.addr)
	t.view.dirty = true
	last := t.list[len(t.list)-1]
	t.list[e.index], last.index = last, e.index
	t.list[len(t.list)-1] = nil
	t.list = t.list[:len(t.list)-1]
	t.stats.Destroys++
}

// forcedGC frees entries when the table is filling (neigh_forced_gc),
// down to gc_thresh2 and at least one, and returns how many it freed.
//
// Linux frees any unreferenced entry not updated for 5 s, REACHABLE ones
// included, so a flood of new destinations evicts established
// neighbours. govrf frees only what RFC 6583 §7 lets it sacrifice first:
// FAILED entries, then STALE ones neither updated nor used for 5 s.
// Entries being resolved or in use survive; new ones are refused instead.
func (t *table) forcedGC(now time.Time) int {
	t.stats.ForcedGCRuns++
	t.lastFlush = now
	budget := max(len(t.list)-t.static-t.p.GCThresh2, 1)
	idle := now.Add(-forcedGCInterval)
	freed := 0
	for _, stale := range []bool{false, true} {
		for i := 0; i < len(t.list) && freed < budget; {
			e := t.list[i]
			if stale && e.state == StateStale && e.updated.Before(idle) && e.used.Before(idle) ||
				!stale && e.state == StateFailed {
				t.remove(e) // moves the last entry to i
				freed++
				continue
			}
			i++
		}
	}
	return freed
}

// periodicGC is neigh_periodic_work: it redraws the reachable time every
// 300 s and, once the table holds gc_thresh1 entries, removes FAILED
// entries and those unused for gc_stale_time. Entries with a running
// timer and static ones stay.
func (t *table) periodicGC(now time.Time, r rand.Source) {
	t.stats.PeriodicGCRuns++
	if now.Sub(t.lastRand) > rerandInterval {
		t.reachable = reachableTime(r, t.p.BaseReachableTime)
		t.lastRand = now
	}
	if len(t.list) < t.p.GCThresh1 {
		return
	}
	for i := 0; i < len(t.list); {
		e := t.list[i]
		if e.state.static() || e.state.timed() {
			i++
			continue
		}
		if e.used.Before(e.confirmed) && !e.confirmed.After(now) {
			e.used = e.confirmed
		}
		if e.state == StateFailed || !now.Before(e.used.Add(t.p.GCStaleTime)) {
			t.remove(e)
			continue
		}
		i++
	}
}

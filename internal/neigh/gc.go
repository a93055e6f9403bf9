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
)

// gcInterval is the periodic GC period: half the base reachable time, so
// that an entry's ageing is noticed within its range (neigh_periodic_work).
func (t *table) gcInterval() time.Duration {
	return max(t.p.BaseReachableTime/2, minGCInterval)
}

// create adds an entry for ip in state NONE, or refuses it with TableFull
// or GlobalFull (see admit). Entries to be PERMANENT (exempt) skip the
// limits.
func (t *table) create(ip netip.Addr, now time.Time, exempt bool) (*entry, Verdict) {
	if !exempt {
		if v := t.admit(now); v != 0 {
			return nil, v
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
	if t.m == nil {
		t.m = make(map[netip.Addr]*entry)
	}
	t.m[ip] = e
	t.list = append(t.list, e)
	t.gcLink(e, !exempt)
	t.view.dirty = true
	t.stats.Allocs++
	return e, 0
}

// admit decides whether one more dynamic entry may be made and, if so,
// takes its place in the Budget; it returns 0 or the refusal.
//
// First the table's own limits, as neigh_alloc applies them: at
// gc_thresh3 dynamic entries, or at gc_thresh2 when the last forced GC is
// over 5 s old, a forced GC runs, and the entry is refused (TableFull,
// counted in TableFulls: Linux's "neighbor table overflow") if that freed
// nothing at gc_thresh3. Then the Budget: if it refuses, the table's own
// forced GC has its chance to free one entry and the Budget is asked
// again; if it still refuses, the entry is refused (GlobalFull, counted
// in GlobalFulls).
func (t *table) admit(now time.Time) Verdict {
	n := t.gcCount
	if n >= t.p.GCThresh3 || n >= t.p.GCThresh2 && now.After(t.lastFlush.Add(forcedGCInterval)) {
		// neigh_forced_gc's max_clean counts the entry being made.
		if t.forcedGC(now, n+1-t.p.GCThresh2) == 0 && n >= t.p.GCThresh3 {
			t.stats.TableFulls++
			return TableFull
		}
	}
	if t.budget.take(t.gcCount) || t.forcedGC(now, 1) > 0 && t.budget.take(t.gcCount) {
		return 0
	}
	t.stats.GlobalFulls++
	return GlobalFull
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

// forcedGC is neigh_forced_gc: it walks the dynamic entries oldest first
// and removes those without a running timer (Linux: referenced by nobody
// else) that are FAILED or NOARP or were not updated in the last 5 s,
// stopping once maxClean are freed, and returns how many it freed. With
// maxClean at most 0 it stops at the first entry without a timer, as
// Linux does.
// Entries being resolved, REACHABLE, DELAY and PROBE entries survive;
// STALE ones in use are in DELAY.
//
// A walk that frees nothing notes when the next one could (see
// gcSleep); until then, or until an entry changes state, a run frees
// nothing without walking, so a flood against a full table costs no
// scan per packet and frees exactly what Linux's walks would.
func (t *table) forcedGC(now time.Time, maxClean int) int {
	t.stats.ForcedGCRuns++
	t.lastFlush = now
	if t.gcSleep && (t.gcWake.IsZero() || !now.After(t.gcWake)) {
		return 0
	}
	tref := now.Add(-forcedGCInterval)
	freed := 0
	var oldest time.Time // of the entries that stay, the earliest update
	for e := t.gcHead; e != nil; {
		next := e.gcNext
		if !e.state.timed() {
			if e.state == StateFailed || e.state == StateNoARP || e.updated.Before(tref) {
				t.remove(e)
				freed++
			} else if oldest.IsZero() || e.updated.Before(oldest) {
				oldest = e.updated
			}
			if freed >= maxClean {
				return freed
			}
		}
		e = next
	}
	if freed == 0 {
		t.gcSleep, t.gcWake = true, time.Time{}
		if !oldest.IsZero() {
			t.gcWake = oldest.Add(forcedGCInterval)
		}
	}
	return freed
}

// periodicGC is neigh_periodic_work: it redraws the reachable time every
// 300 s and, once the table holds gc_thresh1 entries, removes FAILED
// entries and those unused for gc_stale_time. Entries with a running
// timer, PERMANENT and extern_learn ones stay; NOARP ones do not, as in Linux.
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
		if e.state.exempt() || e.externLearn || e.state.timed() {
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

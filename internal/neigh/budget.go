package neigh

import "sync/atomic"

// DefaultMaxEntries is the default global cap on dynamic neighbour
// entries (net.govrf.neigh.max_entries): room for a thousand ports with
// both tables at Linux's default gc_thresh3, or thousands of tenants with
// a few hundred neighbours each, in a few hundred megabytes at most
// (about 400 bytes an entry).
const DefaultMaxEntries = 1 << 20

// reserveShare is the part of the global cap (1/reserveShare) that only
// tables under their fair share may fill.
const reserveShare = 8

// Budget is a cap on the dynamic neighbour entries of every table of
// every cache that shares it, so that the tenants of one router cannot
// take, together or alone, the memory the others need. Linux has no such
// cap: its gc_thresh3 bounds each of its tables, which serve a whole
// network namespace; govrf's tables are per port (requirement I5), and
// the Budget bounds their sum.
//
// Entries count as gc_thresh3 counts them: PERMANENT and NOARP entries
// are exempt. A table asks the Budget only after its own limits let a new
// entry in, so the per-table semantics stay Linux's. The Budget then
// admits it while
//
//   - fewer than 7/8 of Max entries are used, whoever asks; or
//   - fewer than Max are used and the table holds fewer entries than its
//     fair share: Max divided by one more than the number of tables
//     holding entries, so that even a table alone has no right to all.
//
// So flooding tables stop at 7/8 of the cap, and the last eighth stays
// for the quiet ones, which hold less than their share. A table the
// Budget refuses first runs a forced GC (neigh_forced_gc's rules, one
// entry) and asks again: what it frees of its own old entries goes to
// whoever the rules favour, so a flooding table over its share shrinks
// while quiet tables grow. If the Budget still refuses, the entry is
// refused and counted in GlobalFulls.
//
// A Budget is safe for concurrent use. Its zero value has no cap; a nil
// *Budget neither caps nor counts.
type Budget struct {
	max    atomic.Int64 // 0: no cap
	used   atomic.Int64 // dynamic entries over all tables
	active atomic.Int64 // tables holding at least one dynamic entry
}

// NewBudget returns a Budget capping entries at limit; 0 is no cap.
func NewBudget(limit int) *Budget {
	b := new(Budget)
	b.SetMax(limit)
	return b
}

// SetMax changes the cap; 0 (or a negative number) removes it. Entries
// over a lowered cap stay until GC removes them; new ones are refused
// meanwhile.
func (b *Budget) SetMax(limit int) { b.max.Store(int64(max(limit, 0))) }

// Max returns the cap, 0 for none.
func (b *Budget) Max() int { return int(b.max.Load()) }

// Used returns the dynamic entries held now over all tables.
func (b *Budget) Used() int {
	if b == nil {
		return 0
	}
	return int(b.used.Load())
}

// take reserves a place for one more entry in a table holding n, if the
// rules above allow it.
func (b *Budget) take(n int) bool {
	if b == nil {
		return true
	}
	for {
		used := b.used.Load()
		if !b.allows(used, n) {
			return false
		}
		if b.used.CompareAndSwap(used, used+1) {
			if n == 0 {
				b.active.Add(1)
			}
			return true
		}
	}
}

// allows reports whether a table holding n may have one more entry when
// used are held.
func (b *Budget) allows(used int64, n int) bool {
	limit := b.max.Load()
	switch {
	case limit <= 0 || used < limit-limit/reserveShare:
		return true
	case used >= limit:
		return false
	}
	// One more than the tables holding entries: the asking table if it
	// holds none yet, otherwise the next to come.
	return int64(n) < limit/(b.active.Load()+1)
}

// charge counts one more entry for a table that held n, without asking:
// an administrator's entries are never refused by the Budget.
func (b *Budget) charge(n int) {
	if b == nil {
		return
	}
	b.used.Add(1)
	if n == 0 {
		b.active.Add(1)
	}
}

// release gives back an entry of a table that now holds n.
func (b *Budget) release(n int) {
	if b == nil {
		return
	}
	b.used.Add(-1)
	if n == 0 {
		b.active.Add(-1)
	}
}

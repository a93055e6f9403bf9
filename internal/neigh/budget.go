package neigh

import "sync/atomic"

// DefaultMaxEntries is the default global cap on dynamic neighbour
// entries (net.govrf.neigh.max_entries): room for five hundred ports with
// both tables at Linux's default gc_thresh3, or thousands of tenants with
// a few hundred neighbours each, in some 350 MB at most (about 340 bytes
// an entry, its indexes included).
const DefaultMaxEntries = 1 << 20

// DefaultMaxQueueBytes is the default global cap on the bytes of packets
// queued for resolution (net.govrf.neigh.max_queue_bytes): what some
// forty tables can queue at their own bound, QueueBytesTotal.
const DefaultMaxQueueBytes = 128 << 20

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
// Entries count as gc_thresh3 counts them: PERMANENT entries are
// exempt. A table asks the Budget only after its own limits let a new
// entry in, so the per-table semantics stay Linux's. The Budget then
// admits it while
//
//   - with it, at most 7/8 of Max entries are used, whoever asks; or
//   - with it, at most Max are used and the table holds at most its fair
//     share: Max divided by one more than the number of tables holding
//     entries, so that even a table alone has no right to all.
//
// So flooding tables stop at 7/8 of the cap, and the last eighth stays
// for the quiet ones, which hold less than their share. A table the
// Budget refuses first runs a forced GC (neigh_forced_gc's rules, one
// entry) and asks again: what it frees of its own old entries goes to
// whoever the rules favour, so a flooding table over its share shrinks
// while quiet tables grow. If the Budget still refuses, the entry is
// refused and counted in GlobalFulls.
//
// The Budget caps the bytes of packets queued for resolution over all
// tables the same way, MaxQueueBytes for Max, each table's share of it
// counted against the bytes it queues; a frame the Budget refuses is
// dropped and counted in UnresDiscards, as one over the table's own
// bounds is.
//
// A Budget is safe for concurrent use. Its zero value has no cap; a nil
// *Budget neither caps nor counts.
type Budget struct {
	max    atomic.Int64 // 0: no cap
	used   atomic.Int64 // dynamic entries over all tables
	active atomic.Int64 // tables holding at least one dynamic entry
	qmax   atomic.Int64 // 0: no cap
	queued atomic.Int64 // bytes queued over all tables
}

// NewBudget returns a Budget capping entries at maxEntries and queued
// bytes at maxQueueBytes; 0 is no cap.
func NewBudget(maxEntries, maxQueueBytes int) *Budget {
	b := new(Budget)
	b.SetMax(maxEntries)
	b.SetMaxQueueBytes(maxQueueBytes)
	return b
}

// SetMaxQueueBytes changes the cap on queued bytes; 0 (or a negative
// number) removes it.
func (b *Budget) SetMaxQueueBytes(limit int) { b.qmax.Store(int64(max(limit, 0))) }

// MaxQueueBytes returns the cap on queued bytes, 0 for none.
func (b *Budget) MaxQueueBytes() int { return int(b.qmax.Load()) }

// Queued returns the bytes queued now over all tables.
func (b *Budget) Queued() int {
	if b == nil {
		return 0
	}
	return int(b.queued.Load())
}

// takeBytes reserves n bytes for a table queueing q, if the rules allow.
func (b *Budget) takeBytes(q, n int) bool {
	if b == nil {
		return true
	}
	for {
		queued := b.queued.Load()
		if !fair(b.qmax.Load(), queued+int64(n), int64(q+n), b.active.Load()) {
			return false
		}
		if b.queued.CompareAndSwap(queued, queued+int64(n)) {
			return true
		}
	}
}

// releaseBytes gives back n queued bytes.
func (b *Budget) releaseBytes(n int) {
	if b != nil && n != 0 {
		b.queued.Add(int64(-n))
	}
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
	return fair(b.max.Load(), used+1, int64(n)+1, b.active.Load())
}

// fair reports whether a table may hold mine of a resource when all
// tables would hold total of it, under limit (0: none), with active
// tables holding entries: total within 7/8 of limit, or within limit with
// mine within the fair share. The share is limit divided by one more
// than the active tables: the asking table if it holds no entry yet,
// otherwise the next to come.
func fair(limit, total, mine, active int64) bool {
	switch {
	case limit <= 0 || total <= limit-limit/reserveShare:
		return true
	case total > limit:
		return false
	}
	return mine <= limit/(active+1)
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

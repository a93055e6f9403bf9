package fib

import (
	"net/netip"
	"slices"
)

// A table's pool keeps every nexthop set and source address its lineage
// interned, and routes come and go: a VRF deleted and created again puts
// its routes back through links with new indexes, so new sets, and the
// old ones would stay for good. Reference counts cannot say when an
// entry is unused, because frozen tables and forks share routes without
// the pool knowing which tables are still read. Instead, once a pool has
// added enough entries, the next write to a table walks the table, marks
// the entries its routes use, and gives the table a new pool: the same
// entries at the same indexes, so no route is rewritten, and the unused
// indexes free for the entries to come. The old pool is left as it was
// for the frozen tables still read (readers never lock) and for other
// forks; it goes once none of them refers to it.

// minReclaim is how many entries a pool adds before the walk is worth it
// for any table; larger tables wait for more (reclaimDue).
const minReclaim = 1024

// reclaim gives t a pool without the entries its routes no longer use,
// when enough entries were added since its pool was made. It is called
// by the writer before a write, when every index t uses is in its trie.
func (t *Table) reclaim() {
	if !t.pool.reclaimDue() {
		return
	}
	paths := make([]bool, len(t.paths))
	addrs := make([]bool, len(t.addrs))
	paths[0], addrs[0] = true, true
	t.walk(func(_ netip.Prefix, e *entry) {
		for i := range e.len() {
			r := e.at(i)
			paths[r.paths] = true
			addrs[r.srcIx()] = true
		}
	})
	for i, used := range paths {
		if used {
			paths[t.paths[i].base] = true
		}
	}
	t.pool = t.pool.without(t.paths, t.addrs, paths, addrs, t.n)
	t.paths, t.addrs = t.pool.paths, t.pool.addrs
}

// reclaimDue reports whether the pool has added enough entries since it
// was made for a reclaim to pay for its walk.
func (p *pool) reclaimDue() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.made >= p.due
}

// without returns a new pool holding the entries of the views paths and
// addrs that are marked used, at their indexes. routes is the table's
// size: the next reclaim waits until as many entries as the pool holds,
// or an eighth of routes, were added, so that the walks cost a constant
// per entry added.
func (p *pool) without(paths []pathSet, addrs []netip.Addr, usedPaths, usedAddrs []bool, routes int) *pool {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.indexLocked()
	q := &pool{pathIx: map[string]uint32{}, addrIx: map[netip.Addr]uint32{}}
	// Free indexes of the old pool may be written by other forks: copy
	// under its lock.
	q.paths, q.freePaths = keepUsed(paths, usedPaths)
	q.addrs, q.freeAddrs = keepUsed(addrs, usedAddrs)
	for k, i := range p.pathIx {
		if int(i) < len(q.paths) && usedPaths[i] {
			q.pathIx[k] = i
		}
	}
	for a, i := range p.addrIx {
		if int(i) < len(q.addrs) && usedAddrs[i] {
			q.addrIx[a] = i
		}
	}
	q.due = max(minReclaim, len(q.pathIx)+len(q.addrIx), routes/8)
	return q
}

// keepUsed returns a copy of view up to its last used entry, the unused
// ones zeroed, and their indexes.
func keepUsed[T any](view []T, used []bool) ([]T, []uint32) {
	n := len(view)
	for n > 1 && !used[n-1] {
		n--
	}
	out := slices.Clone(view[:n])
	var free []uint32
	var zero T
	for i := n - 1; i > 0; i-- {
		if !used[i] {
			out[i] = zero
			free = append(free, uint32(i))
		}
	}
	return out, free
}

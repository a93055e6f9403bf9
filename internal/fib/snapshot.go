package fib

import (
	"net/netip"

	"github.com/gaissmai/bart"
)

// A fork of a frozen table starts out sharing the frozen trie and writes
// with bart's persistent operations, which copy only the nodes on the path
// to the changed prefix: about ten microseconds each on a full table. A
// copy of the whole trie costs about 115 ns per prefix, after which writes
// are in place and cost well under a microsecond. A fork therefore
// writes persistently until the copies it has made would have paid for
// one whole copy (the ski-rental rule: never worse than twice the best
// choice made in hindsight), then clones the trie once and writes in
// place. Small edits to a big table stay cheap, and a batch load into a
// fork pays one copy.

// persistLimit is how many persistent writes a fork of a table with n
// prefixes takes before it copies the trie: a persistent write (about
// 11 µs) costs about as much as copying 100 prefixes (115 ns each), as
// BenchmarkForkWrite measures on a full table.
func persistLimit(n int) int { return 64 + n/128 }

// newTrie returns an empty trie.
func newTrie() *bart.Table[entry] { return new(bart.Table[entry]) }

// mustWrite panics on a write to a frozen table: a published snapshot is
// read without locks, so writing it is a bug in the caller.
func (t *Table) mustWrite() {
	if t.frozen {
		panic("fib: write to frozen table " + t.id.String())
	}
}

// noteStore accounts for the routes of p becoming now, was being how
// many All showed before: the route count and the touched prefixes.
func (t *Table) noteStore(p netip.Prefix, was int, now []rec) {
	t.touch(p)
	t.n += t.viewCount(p, now) - was
}

// store sets the routes of p to now (none: the prefix goes). was is how
// many routes All showed for p before.
func (t *Table) store(p netip.Prefix, was int, now []rec) {
	t.noteStore(p, was, now)
	e, keep := entryOf(now)
	if t.shared {
		t.forkWrites++
		if t.forkWrites > persistLimit(t.trie.Size()) {
			t.trie = t.trie.Clone()
			t.shared = false
		}
	}
	switch {
	case t.shared && keep:
		t.trie = t.trie.InsertPersist(p, e)
	case t.shared:
		t.trie = t.trie.DeletePersist(p)
	case keep:
		t.trie.Insert(p, e)
	default:
		t.trie.Delete(p)
	}
}

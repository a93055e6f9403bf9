package fib

import (
	"maps"
	"net/netip"
	"slices"
	"sync/atomic"
)

// A change feed (`govrf monitor`) needs to know which routes one
// published table differs in from the table it was forked from. Comparing
// two tables in full costs a walk of both; a fork instead records the
// prefixes its writes touch, and the feed compares only those. Recording
// costs a map insert per write, so it is done only for forks of tables
// whose writer asked for it (TrackForks) while someone listens. It gives
// up only once it holds more prefixes than the table: comparing a
// touched prefix costs about a third of what a full comparison costs per
// prefix, so a record never larger than the table always pays, and a
// bulk load published in large steps is diffed in proportion to its
// steps rather than to the table. Tables are numbered, and
// a fork knows its parent's number, so that the record is never applied
// to a table it was not taken against, without the fork keeping its
// parent (and so every older version) alive.

// minTouched is how many prefixes a fork records, however small its
// table, before it may stop and report that it touched everything.
const minTouched = 4096

// serials numbers tables.
var serials atomic.Uint64

func newSerial() uint64 { return serials.Add(1) }

// TrackForks sets whether the writable forks Mutable makes of t record the
// prefixes they write (Touched). It is the writer's setting, not part of
// the routes: it may be changed on a frozen table, and only the writer,
// which calls Mutable, reads it.
func (t *Table) TrackForks(on bool) { t.trackForks.Store(on) }

// Touched returns the prefixes whose routes may differ between t and from,
// IPv4 first and in ascending order within a family. all is true when
// that is not known: t is not a fork of from (nor from itself), from did
// not TrackForks when t was forked, or t wrote more prefixes than it
// holds (and more than minTouched); every prefix must then be compared.
// A prefix written back to its old routes is still listed.
func (t *Table) Touched(from *Table) (prefixes []netip.Prefix, all bool) {
	switch {
	case from == t:
		return nil, false
	case from == nil || t.parent != from.serial || t.touched == nil:
		return nil, true
	}
	return slices.SortedFunc(maps.Keys(t.touched), netip.Prefix.Compare), false
}

// TouchedLen returns how many prefixes Touched would list, without
// listing them; all as Touched's.
func (t *Table) TouchedLen(from *Table) (n int, all bool) {
	switch {
	case from == t:
		return 0, false
	case from == nil || t.parent != from.serial || t.touched == nil:
		return 0, true
	}
	return len(t.touched), false
}

// forkTouched returns the touched set a fork of t starts with: empty
// when t tracks its forks, nil (unknown) otherwise.
func (t *Table) forkTouched() map[netip.Prefix]struct{} {
	if !t.trackForks.Load() {
		return nil
	}
	return map[netip.Prefix]struct{}{}
}

// touch records that the routes of p are being written.
func (t *Table) touch(p netip.Prefix) {
	if t.touched == nil {
		return
	}
	if _, ok := t.touched[p]; !ok && len(t.touched) >= max(minTouched, t.trie.Size()) {
		t.touched = nil
		return
	}
	t.touched[p] = struct{}{}
}

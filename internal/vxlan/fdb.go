package vxlan

import (
	"bytes"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/govrf/govrf/internal/header"
)

// DefaultAgeing is how long a learned entry lives without a frame
// refreshing it unless the link says otherwise (`ageing 300`); the
// ageing a table's methods take is the link's, 0 meaning never.
const DefaultAgeing = 300 * time.Second

// MaxLearned bounds the entries one port learns: a flood of source
// addresses from a peer cannot grow the table without end (the kernel's
// `maxaddress`, unlimited by default, is bounded here).
const MaxLearned = 4096

// FDB is the forwarding entries a VXLAN port learns from the frames it
// receives (vxlan_snoop): inner source address to outer source address.
// It is safe for concurrent use.
type FDB struct {
	mu sync.Mutex
	m  map[header.MAC]learned
}

type learned struct {
	dst  netip.Addr
	seen time.Time
}

// Entry is a learned entry.
type Entry struct {
	MAC header.MAC
	Dst netip.Addr
	Age time.Duration // since a frame last refreshed it
}

// NewFDB returns an empty table.
func NewFDB() *FDB { return &FDB{m: map[header.MAC]learned{}} }

// Learn records that mac is behind dst at now. It refreshes or moves an
// existing entry; a new one past MaxLearned is not made, unless aged
// entries (ageing; 0 for none) make room.
func (f *FDB) Learn(mac header.MAC, dst netip.Addr, now time.Time, ageing time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.m[mac]; !ok && len(f.m) >= MaxLearned {
		f.expire(now, ageing)
		if len(f.m) >= MaxLearned {
			return
		}
	}
	f.m[mac] = learned{dst, now}
}

// Lookup returns the destination learned for mac, if it has not aged out.
func (f *FDB) Lookup(mac header.MAC, now time.Time, ageing time.Duration) (netip.Addr, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	e, ok := f.m[mac]
	if !ok || aged(e, now, ageing) {
		return netip.Addr{}, false
	}
	return e.dst, true
}

// Entries returns the live entries in address order, and forgets the
// aged ones.
func (f *FDB) Entries(now time.Time, ageing time.Duration) []Entry {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.expire(now, ageing)
	out := make([]Entry, 0, len(f.m))
	for m, e := range f.m {
		out = append(out, Entry{m, e.dst, now.Sub(e.seen)})
	}
	slices.SortFunc(out, func(a, b Entry) int { return bytes.Compare(a.MAC[:], b.MAC[:]) })
	return out
}

// Flush forgets every entry (the link went down or changed VRF).
func (f *FDB) Flush() {
	f.mu.Lock()
	clear(f.m)
	f.mu.Unlock()
}

func (f *FDB) expire(now time.Time, ageing time.Duration) {
	for m, e := range f.m {
		if aged(e, now, ageing) {
			delete(f.m, m)
		}
	}
}

// aged reports whether e has outlived ageing (0: never).
func aged(e learned, now time.Time, ageing time.Duration) bool {
	return ageing > 0 && now.Sub(e.seen) >= ageing
}

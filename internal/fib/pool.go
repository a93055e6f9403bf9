package fib

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"sync"
)

// pool interns nexthop sets and preferred source addresses for a table and
// every table forked from it. Routes refer to them by index, which keeps a
// route at 16 bytes and lets a million routes through one gateway share one
// set, as routes share a fib_info in the kernel.
//
// A table keeps its own view of each pool (a slice header taken after its
// last intern) and reads only the entries its routes refer to, so a writer
// adding an entry for a fork never races with readers of a frozen table.
// The mutex orders writers of different forks of one lineage. An entry's
// contents never change while the pool maps it; entries no route uses are
// reclaimed by replacing the pool (reclaim.go), never by editing one that
// tables may still read.
type pool struct {
	mu     sync.Mutex
	paths  []pathSet
	pathIx map[string]uint32
	addrs  []netip.Addr
	addrIx map[netip.Addr]uint32
	key    []byte // scratch for building set keys
	// freePaths and freeAddrs are the indexes no route of the table that
	// made this pool used (reclaim.go); new entries take them first.
	freePaths, freeAddrs []uint32
	// made counts the entries added since the pool was made, due how many
	// make a reclaim worth its walk of the table.
	made, due int
}

// pathSet is an interned set of nexthops, or a nexthop object.
type pathSet struct {
	nhid uint32
	hops []Nexthop
	// base indexes the same set with every Dead flag cleared and weight 0
	// read as 1: routes are equal when their bases are (fib_info equality
	// ignores RTNH_F_DEAD, nh_comp).
	base uint32
	// bound holds each hop's upper bound for hash-threshold selection,
	// -1 for a dead hop (fib_rebalance); nil for fewer than two hops.
	bound []int32
	// live counts the hops that are not dead.
	live int
}

// noHop stands for the nexthop of a route given none: a fib_info always
// has at least one, without device or gateway. Read only.
var noHop = []Nexthop{{}}

// nexthops returns the set's nexthops, or noHop when it has none.
func (ps *pathSet) nexthops() []Nexthop {
	if len(ps.hops) == 0 {
		return noHop
	}
	return ps.hops
}

// newPool returns a pool whose index 0 is the empty set and the invalid
// address. It has no maps until it outgrows poolScan.
func newPool() *pool {
	return &pool{paths: []pathSet{{}}, addrs: []netip.Addr{{}}, due: minReclaim}
}

// poolScan is how many sets, or addresses, a pool holds before it maps
// them: up to it they are found by comparing each, which spares the maps
// of the thousands of tables that hold a handful (a VRF per tenant).
const poolScan = 8

// indexLocked makes the maps of a pool that had none, from its entries
// (all of them distinct: a pool without maps never freed one).
func (p *pool) indexLocked() {
	if p.pathIx == nil {
		p.pathIx = make(map[string]uint32, len(p.paths))
		for i, ps := range p.paths {
			p.pathIx[string(appendPathKey(nil, ps.nhid, ps.hops))] = uint32(i)
		}
	}
	if p.addrIx == nil {
		p.addrIx = make(map[netip.Addr]uint32, len(p.addrs))
		for i, a := range p.addrs {
			p.addrIx[a] = uint32(i)
		}
	}
}

// pathIndex finds the set (nhid, hops).
func (p *pool) pathIndex(nhid uint32, hops []Nexthop) (uint32, bool) {
	if p.pathIx == nil {
		for i := range p.paths {
			if p.paths[i].nhid == nhid && slices.Equal(p.paths[i].hops, hops) {
				return uint32(i), true
			}
		}
		return 0, false
	}
	p.key = appendPathKey(p.key[:0], nhid, hops)
	i, ok := p.pathIx[string(p.key)]
	return i, ok
}

// addrIndex finds address a.
func (p *pool) addrIndex(a netip.Addr) (uint32, bool) {
	if p.addrIx == nil {
		if i := slices.Index(p.addrs, a); i >= 0 {
			return uint32(i), true
		}
		return 0, false
	}
	i, ok := p.addrIx[a]
	return i, ok
}

// internPaths returns the index of the set (nhid, hops) and the pool's
// current view.
func (p *pool) internPaths(nhid uint32, hops []Nexthop) (uint32, []pathSet) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.internPathsLocked(nhid, hops), p.paths
}

func (p *pool) internPathsLocked(nhid uint32, hops []Nexthop) uint32 {
	if i, ok := p.pathIndex(nhid, hops); ok {
		return i
	}
	ps := pathSet{nhid: nhid, hops: append([]Nexthop(nil), hops...), live: liveHops(hops)}
	ps.bound = rebalance(ps.hops)
	if canon := canonical(hops); canon != nil {
		ps.base = p.internPathsLocked(nhid, canon)
	} else {
		ps.base = uint32(len(p.paths))
	}
	var i uint32
	if n := len(p.freePaths); n > 0 {
		i, p.freePaths = p.freePaths[n-1], p.freePaths[:n-1]
		p.paths[i] = ps
	} else {
		i = uint32(len(p.paths))
		p.paths = append(p.paths, ps)
	}
	switch {
	case p.pathIx != nil:
		p.pathIx[string(appendPathKey(p.key[:0], nhid, hops))] = i
	case len(p.paths) > poolScan:
		p.indexLocked()
	}
	p.made++
	return i
}

// canonical returns hops with Dead cleared and weight 0 as 1, or nil when
// hops already are.
func canonical(hops []Nexthop) []Nexthop {
	var out []Nexthop
	for i, h := range hops {
		if h.Dead || h.Weight == 0 {
			if out == nil {
				out = append([]Nexthop(nil), hops...)
			}
			out[i].Dead = false
			out[i].Weight = weight(h)
		}
	}
	return out
}

// internAddr returns the index of a and the pool's current view.
func (p *pool) internAddr(a netip.Addr) (uint32, []netip.Addr) {
	p.mu.Lock()
	defer p.mu.Unlock()
	i, ok := p.addrIndex(a)
	if ok {
		return i, p.addrs
	}
	if n := len(p.freeAddrs); n > 0 {
		i, p.freeAddrs = p.freeAddrs[n-1], p.freeAddrs[:n-1]
		p.addrs[i] = a
	} else {
		i = uint32(len(p.addrs))
		p.addrs = append(p.addrs, a)
	}
	switch {
	case p.addrIx != nil:
		p.addrIx[a] = i
	case len(p.addrs) > poolScan:
		p.indexLocked()
	}
	p.made++
	return i, p.addrs
}

// appendPathKey encodes a set as its map key.
func appendPathKey(b []byte, nhid uint32, hops []Nexthop) []byte {
	b = binary.LittleEndian.AppendUint32(b, nhid)
	for _, h := range hops {
		a := h.Gateway.As16()
		zone := h.Gateway.Zone()
		b = append(b, byte(h.Gateway.BitLen()))
		b = append(b, a[:]...)
		b = append(b, byte(len(zone)))
		b = append(b, zone...)
		b = binary.LittleEndian.AppendUint64(b, uint64(h.Dev))
		b = binary.LittleEndian.AppendUint16(b, h.Weight)
		var f byte
		if h.Onlink {
			f |= 1
		}
		if h.Dead {
			f |= 2
		}
		if h.HostScope {
			f |= 4
		}
		b = append(b, f)
	}
	return b
}

// liveHops counts the hops that are not dead.
func liveHops(hops []Nexthop) int {
	n := 0
	for _, h := range hops {
		if !h.Dead {
			n++
		}
	}
	return n
}

// hasAddrRoom reports whether a can be interned without overflowing the
// 24-bit index a stored route keeps.
func (p *pool) hasAddrRoom(a netip.Addr) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.addrIndex(a)
	return ok || len(p.freeAddrs) > 0 || len(p.addrs) < maxSrc
}

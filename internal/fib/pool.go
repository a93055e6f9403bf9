package fib

import (
	"encoding/binary"
	"net/netip"
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
// address.
func newPool() *pool {
	return &pool{
		paths:  []pathSet{{}},
		pathIx: map[string]uint32{"\x00\x00\x00\x00": 0},
		addrs:  []netip.Addr{{}},
		addrIx: map[netip.Addr]uint32{{}: 0},
		due:    minReclaim,
	}
}

// internPaths returns the index of the set (nhid, hops) and the pool's
// current view.
func (p *pool) internPaths(nhid uint32, hops []Nexthop) (uint32, []pathSet) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.internPathsLocked(nhid, hops), p.paths
}

func (p *pool) internPathsLocked(nhid uint32, hops []Nexthop) uint32 {
	p.key = appendPathKey(p.key[:0], nhid, hops)
	if i, ok := p.pathIx[string(p.key)]; ok {
		return i
	}
	key := string(p.key)
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
	p.pathIx[key] = i
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
	i, ok := p.addrIx[a]
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
	p.addrIx[a] = i
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
	_, ok := p.addrIx[a]
	return ok || len(p.freeAddrs) > 0 || len(p.addrs) < maxSrc
}

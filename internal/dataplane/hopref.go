package dataplane

import (
	"net/netip"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

// hopBits sizes a worker's references to neighbour entries: 1<<hopBits
// slots, one next hop each.
const hopBits = 4

// hopRef is a worker's reference to the neighbour entry of next hop ip
// in cache c (neigh.Ref): the frames of a batch mostly leave through a
// few next hops, and the reference saves each frame after the first
// the neighbour index lookup. The worker forgets them after each batch,
// so that none keeps an old index alive.
type hopRef struct {
	c   *neigh.Cache
	ip  netip.Addr
	ref neigh.Ref
}

// neighLookup is c.Lookup(nh) through the worker's references.
func (w *worker) neighLookup(c *neigh.Cache, nh netip.Addr) (header.MAC, bool) {
	s := &w.hops[fold(nh)*0x9e3779b97f4a7c15>>(64-hopBits)]
	if s.c != c || s.ip != nh {
		*s = hopRef{c: c, ip: nh}
	}
	mac, _, ok := c.LookupRef(nh, &s.ref)
	return mac, ok
}

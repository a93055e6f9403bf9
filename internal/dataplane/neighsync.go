package dataplane

import (
	"slices"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/neigh"
)

// syncLink brings the port's neighbour cache in line with its link.
//
// When the link changed VRF or went down since the last look, the cache
// is flushed, as the kernel flushes a device's neighbours when it goes
// down or is cycled into another VRF (neigh_ifdown, PERMANENT entries
// included): entries learned in one L3 domain must not serve another.
//
// Then the link's configured neighbours (control.Link.Neighbors, PERMANENT
// and NOARP entries an administrator set) are installed: each new or
// changed one replaces whatever the cache holds for its address, and one
// that left the configuration is deleted, unless the cache's entry has
// become dynamic since (`neigh replace ... nud reachable` over a
// configured entry writes the cache first).
//
// gen is the generation of l's snapshot: workers may sync with
// snapshots of different ages at once, and an older one than the last
// synced is ignored rather than allowed to undo a newer one's changes.
func (b *binding) syncLink(l *control.Link, gen uint64) {
	b.syncMu.Lock()
	defer b.syncMu.Unlock()
	if gen < b.syncGen {
		return
	}
	b.syncGen = gen
	if now := linkState(l); b.link.Load() != now {
		b.link.Store(now)
		b.neigh.Flush()
		b.installed = nil
		if b.vx != nil {
			b.vx.FDB().Flush() // vxlan_stop forgets what the link learned
		}
	}
	if slices.Equal(b.installed, l.Neighbors) {
		return
	}
	for _, n := range b.installed {
		if _, ok := l.Neighbor(n.Addr); ok {
			continue
		}
		if e, ok := b.neigh.Get(n.Addr); ok && control.IsConfigured(e.State) {
			b.neigh.Delete(n.Addr)
		}
	}
	for _, n := range l.Neighbors {
		if !slices.Contains(b.installed, n) {
			// A refusal (ENOBUFS for a NOARP entry in a full table)
			// leaves the entry to the next change of the link.
			_ = b.neigh.Replace(n)
		}
	}
	// Published links are immutable, and so are their neighbours.
	b.installed = l.Neighbors
}

// neighParams returns the neighbour parameters of each family under the
// sysctls sc: the plane's configured ones (Linux's defaults unless
// Config.Neigh says otherwise) with whatever the
// net.ipv{4,6}.neigh.default.* sysctls changed.
func (p *Plane) neighParams(sc *control.Sysctl) (v4, v6 neigh.Params) {
	base := func(f neigh.Family, c neigh.Params) neigh.Params {
		if c == (neigh.Params{}) {
			c = neigh.DefaultParams(f)
		}
		return sc.Neigh[f].Params(f, c)
	}
	return base(neigh.IPv4, p.cfg.Neigh.IPv4), base(neigh.IPv6, p.cfg.Neigh.IPv6)
}

// setNeighParams gives a port's cache the parameters of sysctls sc, as
// Linux's neigh_proc_update hands a default's change to the devices.
func (p *Plane) setNeighParams(c *neigh.Cache, sc *control.Sysctl) {
	v4, v6 := p.neighParams(sc)
	c.SetParams(neigh.IPv4, v4)
	c.SetParams(neigh.IPv6, v6)
}

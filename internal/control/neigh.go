package control

import (
	"net/netip"
	"slices"
	"syscall"

	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/rterr"
)

// Neighbors are the configured neighbours of a port: the entries an
// administrator set in state PERMANENT or NOARP (`neigh add ADDR lladdr
// MAC dev DEV nud permanent|noarp`), which are configuration in govrf, so
// that they are saved and restored. The data plane installs them into the
// port's neighbour cache. Entries in a dynamic state are cache state and
// never reach the control plane.
//
// Linux's lifetime rules apply: the link going down flushes them
// (neigh_ifdown on NETDEV_DOWN, PERMANENT entries included), and so does
// deleting it or cycling it into another VRF.

// IsConfigured reports whether an administrator's entry in state s is
// configuration, kept by the control plane: PERMANENT and NOARP.
func IsConfigured(s neigh.State) bool {
	return s == neigh.StatePermanent || s == neigh.StateNoARP
}

// Neighbor returns the link's configured neighbour ip, if it has one.
func (l *Link) Neighbor(ip netip.Addr) (neigh.Static, bool) {
	i := l.findNeighbor(ip)
	if i < 0 {
		return neigh.Static{}, false
	}
	return l.Neighbors[i], true
}

// findNeighbor returns the position of ip's entry in l.Neighbors, or -1.
func (l *Link) findNeighbor(ip netip.Addr) int {
	ip = ip.WithZone("")
	for i, n := range l.Neighbors {
		if n.Addr == ip {
			return i
		}
	}
	return -1
}

// SetNeighbor creates or overwrites port dev's configured neighbour
// s.Addr, as `neigh replace` does: the caller has applied add's and
// change's existence rules and merged the flags an update keeps (the
// data plane's cache may hold an entry too). s.State must be PERMANENT
// or NOARP. Refusals: ENODEV for no such link, EOPNOTSUPP for a link
// that is not a port, EINVAL for an address that is not unicast.
func (c *Control) SetNeighbor(dev string, s neigh.Static) error {
	s.Addr = s.Addr.WithZone("")
	return c.do(func(w *Snapshot) error {
		l, err := w.neighborLink(dev)
		if err != nil {
			return err
		}
		if !s.Addr.IsValid() || !IsConfigured(s.State) {
			return rterr.New(syscall.EINVAL, "")
		}
		if i := l.findNeighbor(s.Addr); i >= 0 && l.Neighbors[i] == s {
			return nil
		}
		e := w.editLink(l.Index)
		if i := e.findNeighbor(s.Addr); i >= 0 {
			e.Neighbors[i] = s
			return nil
		}
		i, _ := slices.BinarySearchFunc(e.Neighbors, s.Addr, func(n neigh.Static, a netip.Addr) int { return n.Addr.Compare(a) })
		e.Neighbors = slices.Insert(e.Neighbors, i, s)
		return nil
	})
}

// DelNeighbor removes port dev's configured neighbour ip (`neigh del`):
// ENOENT if it has none.
func (c *Control) DelNeighbor(dev string, ip netip.Addr) error {
	return c.do(func(w *Snapshot) error {
		l, err := w.neighborLink(dev)
		if err != nil {
			return err
		}
		i := l.findNeighbor(ip)
		if i < 0 {
			return rterr.New(syscall.ENOENT, "")
		}
		e := w.editLink(l.Index)
		e.Neighbors = slices.Delete(e.Neighbors, i, i+1)
		return nil
	})
}

// neighborLink returns the port named dev, or the refusal.
func (s *Snapshot) neighborLink(dev string) (*Link, error) {
	l := s.LinkByName(dev)
	switch {
	case l == nil:
		return nil, rterr.New(syscall.ENODEV, "")
	case !l.Kind.IsPort():
		return nil, rterr.New(syscall.EOPNOTSUPP, "Neighbour entries belong to ports")
	}
	return l, nil
}

// flushNeighbors forgets a link's configured neighbours, as neigh_ifdown
// does when it goes down.
func (s *Snapshot) flushNeighbors(l *Link) {
	if len(l.Neighbors) > 0 {
		s.editLink(l.Index).Neighbors = nil
	}
}

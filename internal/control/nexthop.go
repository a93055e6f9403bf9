package control

import (
	"net/netip"
	"slices"
	"syscall"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rterr"
)

// Nexthop is a nexthop object (`ip nexthop`): a single path, a blackhole,
// or a group of other objects with weights. Published objects are
// immutable.
type Nexthop struct {
	ID        uint32
	Family    fib.Family // 0 for groups and blackholes without a family
	Gateway   netip.Addr
	Dev       int
	Onlink    bool
	Blackhole bool
	Group     []GroupMember
	Proto     fib.Proto
}

// GroupMember is one entry of a nexthop group.
type GroupMember struct {
	ID     uint32
	Weight uint16 // 1..256
}

// AddNexthop creates (or with replace, replaces) a nexthop object with
// the validation of net/ipv4/nexthop.c. An ID of 0 asks for the next free
// id. It returns the id used.
func (c *Control) AddNexthop(nh Nexthop, replace bool) (uint32, error) {
	err := c.do(func(w *Snapshot) error {
		if nh.ID == 0 {
			nh.ID = w.freeNexthopID()
		}
		if old := w.nexthops[nh.ID]; old != nil && !replace {
			return rterr.New(syscall.EEXIST, "")
		}
		if err := w.checkNexthop(&nh); err != nil {
			return err
		}
		w.nexthops[nh.ID] = &nh
		w.dirty = true
		return nil
	})
	return nh.ID, err
}

func (s *Snapshot) freeNexthopID() uint32 {
	id := uint32(1)
	for s.nexthops[id] != nil {
		id++
	}
	return id
}

// checkNexthop validates nh as rtm_to_nh_config and nh_create_ipv4/6 do.
func (s *Snapshot) checkNexthop(nh *Nexthop) error {
	switch {
	case len(nh.Group) > 0:
		return s.checkGroup(nh)
	case nh.Blackhole:
		if nh.Onlink {
			return rterr.New(syscall.EINVAL, "Invalid flags for nexthop - PERVASIVE and ONLINK can not be set")
		}
		if nh.Gateway.IsValid() || nh.Dev != 0 {
			return rterr.New(syscall.EINVAL, "Blackhole attribute can not be used with gateway or oif")
		}
		return nil
	case nh.Dev == 0:
		return rterr.New(syscall.EINVAL, "Device attribute required for non-blackhole and non-fdb nexthops")
	}
	l := s.Link(nh.Dev)
	if l == nil {
		return rterr.New(syscall.ENODEV, "Invalid device index")
	}
	if !l.Up && !nh.Onlink {
		return rterr.New(syscall.ENETDOWN, "Nexthop device is not up")
	}
	if nh.Gateway.IsValid() {
		nh.Family = fib.FamilyOf(nh.Gateway)
		// nh_create_ipv4: the gateway is checked in the table of the
		// device's L3 domain.
		_, _, err := s.checkGateway(s.l3Table(nh.Dev, fib.TableMain), fib.ScopeUniverse, fib.Nexthop{Gateway: nh.Gateway, Dev: nh.Dev, Onlink: nh.Onlink})
		return err
	}
	return nil
}

func (s *Snapshot) checkGroup(nh *Nexthop) error {
	if nh.Gateway.IsValid() || nh.Dev != 0 || nh.Blackhole {
		return rterr.New(syscall.EINVAL, "Group attribute can not be used with other attributes")
	}
	seen := map[uint32]bool{}
	var fam fib.Family
	for i, m := range nh.Group {
		o := s.nexthops[m.ID]
		switch {
		case m.ID == nh.ID || o == nil:
			return rterr.New(syscall.EINVAL, "Invalid nexthop id")
		case seen[m.ID]:
			return rterr.New(syscall.EINVAL, "Duplicate nexthop id in group")
		case len(o.Group) > 0:
			return rterr.New(syscall.EINVAL, "Multipath group can not be a nexthop within a group")
		case o.Blackhole && len(nh.Group) > 1:
			return rterr.New(syscall.EINVAL, "A blackhole nexthop can not be used in a group with more than 1 path")
		case fam != 0 && o.Family != 0 && o.Family != fam:
			return rterr.New(syscall.EINVAL, "Nexthop group can not have mixed family nexthops")
		}
		if o.Family != 0 {
			fam = o.Family
		}
		if m.Weight == 0 {
			nh.Group[i].Weight = 1
		}
		seen[m.ID] = true
	}
	return nil
}

// DelNexthop deletes a nexthop object; routes using it go with it, and
// groups lose it as a member (remove_nexthop).
func (c *Control) DelNexthop(id uint32) error {
	return c.do(func(w *Snapshot) error {
		if w.nexthops[id] == nil {
			return rterr.New(syscall.ENOENT, "")
		}
		w.removeNexthop(id)
		return nil
	})
}

func (s *Snapshot) removeNexthop(id uint32) {
	delete(s.nexthops, id)
	s.dirty = true
	for _, tid := range s.TableIDs() {
		uses := false
		for r := range s.tables[tid].All() {
			if r.NHID == id {
				uses = true
				break
			}
		}
		if uses {
			s.table(tid).DeleteFunc(func(r *fib.Route) bool { return r.NHID == id })
		}
	}
	for gid, g := range s.nexthops {
		i := slices.IndexFunc(g.Group, func(m GroupMember) bool { return m.ID == id })
		if i < 0 {
			continue
		}
		if len(g.Group) == 1 {
			s.removeNexthop(gid)
			continue
		}
		c := *g
		c.Group = slices.Delete(slices.Clone(g.Group), i, i+1)
		s.nexthops[gid] = &c
	}
}

// dropNexthopsVia removes the objects through a link going down or away
// (nexthop_flush_dev).
func (s *Snapshot) dropNexthopsVia(index int) {
	for id, nh := range s.nexthops {
		if nh.Dev == index {
			s.removeNexthop(id)
		}
	}
}

// Resolve implements fib.Objects: it picks the path of object id for a
// flow hash, restricted to oif when non-zero.
func (s *Snapshot) Resolve(id, hash uint32, oif int) (fib.Nexthop, fib.Type, bool) {
	nh := s.nexthops[id]
	if nh == nil {
		return fib.Nexthop{}, 0, false
	}
	if nh.Blackhole {
		return fib.Nexthop{}, fib.TypeBlackhole, true
	}
	if len(nh.Group) == 0 {
		if oif != 0 && nh.Dev != oif {
			return fib.Nexthop{}, 0, false
		}
		return fib.Nexthop{Gateway: nh.Gateway, Dev: nh.Dev, Onlink: nh.Onlink}, fib.TypeUnicast, true
	}
	if oif != 0 {
		for _, m := range nh.Group {
			if o := s.nexthops[m.ID]; o != nil && o.Dev == oif {
				return s.Resolve(m.ID, hash, oif)
			}
		}
		return fib.Nexthop{}, 0, false
	}
	// Hash-threshold over the weights (nexthop_select_path_hthr).
	var total uint64
	for _, m := range nh.Group {
		total += uint64(m.Weight)
	}
	// Each member's upper bound is its cumulative share of 2^31, rounded
	// (nh_hthr_group_rebalance); fib passes a 31-bit hash.
	var acc uint64
	for _, m := range nh.Group {
		acc += uint64(m.Weight)
		if int64(hash&(1<<31-1)) <= int64((acc<<31+total/2)/total)-1 {
			return s.Resolve(m.ID, hash, 0)
		}
	}
	return s.Resolve(nh.Group[len(nh.Group)-1].ID, hash, 0)
}

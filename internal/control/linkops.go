package control

import (
	"syscall"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rterr"
)

// LinkSpec describes a link to create (`link add`).
type LinkSpec struct {
	Name  string
	Kind  Kind
	Table fib.TableID // KindVRF: required, non-zero
	MTU   int         // 0: the kind's default
	MAC   *MAC        // nil: random
	// Parent is the kernel interface a KindPacket port drives (`link
	// IFNAME`); empty means the interface named like the link.
	Parent string
	// Force attaches a KindPacket port even to an interface that
	// carries IPv4 addresses, which the kernel routes and answers for.
	Force bool
	// VXLAN is a KindVXLAN link's tunnel; its FDB is ignored.
	VXLAN *VXLAN
}

// AddLink creates a link as rtnl_newlink and the kind's newlink do.
func (c *Control) AddLink(spec LinkSpec) error {
	return c.do(func(w *Snapshot) error {
		if w.LinkByName(spec.Name) != nil {
			return rterr.New(syscall.EEXIST, "")
		}
		l := &Link{Name: spec.Name, Kind: spec.Kind, MAC: randomMAC(), MTU: 1500}
		switch spec.Kind {
		case KindDummy:
			l.Flags = FlagBroadcast | FlagNoARP
		case KindPacket, KindTap:
			l.Flags = FlagBroadcast | FlagMulticast // as veth and tap devices
			if spec.Kind == KindPacket {
				l.Parent, l.Force = spec.Parent, spec.Force
				if l.Parent == "" {
					l.Parent = spec.Name
				}
			}
		case KindVXLAN:
			vx, err := w.checkVXLAN(spec.VXLAN)
			if err != nil {
				return err
			}
			l.Flags = FlagBroadcast | FlagMulticast
			l.VXLAN = vx
		case KindVRF:
			if spec.Table == fib.TableUnspec {
				return rterr.New(syscall.EINVAL, "Invalid VRF table id")
			}
			if w.sysctl.VRFStrictMode && w.vrfUsingTable(spec.Table) != nil {
				return rterr.New(syscall.EBUSY, "Table is used by another VRF")
			}
			l.Flags = FlagNoARP | FlagMaster
			l.MTU = vrfMTU
			l.Table = spec.Table
		default:
			return rterr.New(syscall.EOPNOTSUPP, "Unknown device type")
		}
		if spec.MTU != 0 {
			if err := checkMTU(l, spec.MTU); err != nil {
				return err
			}
			l.MTU = spec.MTU
		}
		if spec.MAC != nil {
			l.MAC = *spec.MAC
		}
		w.addLink(l)
		if l.Kind == KindVRF {
			w.table(l.Table) // vrf_dev_init creates the table (fib_new_table)
			w.addL3mdevRules()
		}
		return nil
	})
}

// vrfMTU is a VRF device's MTU: the IPv6 maximum (vrf.c vrf_setup).
const vrfMTU = 65575

func checkMTU(l *Link, mtu int) error {
	lo, hi := 0, 1<<31-1 // a dummy sets no limits (dummy_setup)
	switch l.Kind {
	case KindVRF:
		lo, hi = 1280, vrfMTU
	case KindLoopback:
		lo = 68
	case KindVXLAN:
		lo, hi = 68, vxlanMaxMTU
	}
	if mtu < lo {
		return rterr.New(syscall.EINVAL, "mtu less than device minimum")
	}
	if mtu > hi {
		return rterr.New(syscall.EINVAL, "mtu greater than device maximum")
	}
	return nil
}

// vrfUsingTable returns a VRF bound to table id, or nil.
func (s *Snapshot) vrfUsingTable(id fib.TableID) *Link {
	for l := range s.Links() {
		if l.Kind == KindVRF && l.Table == id {
			return l
		}
	}
	return nil
}

// DelLink deletes a link (`link del`). A VRF's ports are released first;
// the VRF's table is kept, as the kernel keeps it.
func (c *Control) DelLink(name string) error {
	return c.do(func(w *Snapshot) error {
		l := w.LinkByName(name)
		if l == nil {
			return rterr.New(syscall.ENODEV, "")
		}
		if l.Kind == KindLoopback {
			return rterr.New(syscall.EOPNOTSUPP, "")
		}
		if l.Kind == KindVRF {
			for p := range w.Links() {
				if p.Master == l.Index {
					w.setMaster(p.Index, 0)
				}
			}
		}
		w.setUp(l, false)
		w.unregister(l.Index)
		return nil
	})
}

// unregister removes every trace of a link: addresses and their routes,
// routes and nexthop objects through it, then the link itself.
func (s *Snapshot) unregister(index int) {
	l := s.editLink(index)
	for len(l.Addrs) > 0 {
		s.delAddr(l, l.Addrs[len(l.Addrs)-1])
	}
	s.flushDev(index, true)
	s.dropNexthopsVia(index)
	s.forgetDevTables(index)
	s.forgetBGPVRF(index)
	delete(s.names, l.Name)
	s.links[index] = nil // indexes are not reused (dev_new_index)
	s.stale = true
}

// LinkChange is a `link set` request; nil fields are left alone.
type LinkChange struct {
	Up     *bool
	MTU    *int
	MAC    *MAC
	Name   *string
	Group  *int
	Master *string // "" for nomaster
}

// SetLink changes a link (`link set dev NAME ...`). Everything is checked
// before anything changes.
func (c *Control) SetLink(name string, ch LinkChange) error {
	return c.do(func(w *Snapshot) error {
		l := w.LinkByName(name)
		if l == nil {
			return rterr.New(syscall.ENODEV, "")
		}
		master := -1
		if ch.Master != nil {
			m, err := w.checkMaster(l, *ch.Master)
			if err != nil {
				return err
			}
			master = m
		}
		if ch.Name != nil && *ch.Name != l.Name && w.LinkByName(*ch.Name) != nil {
			return rterr.New(syscall.EEXIST, "")
		}
		if ch.MTU != nil {
			if err := checkMTU(l, *ch.MTU); err != nil {
				return err
			}
		}
		if ch.Name != nil && *ch.Name != l.Name {
			e := w.editLink(l.Index)
			delete(w.names, e.Name)
			e.Name = *ch.Name
			w.names[e.Name] = e.Index
		}
		if ch.MTU != nil {
			w.editLink(l.Index).MTU = *ch.MTU
		}
		if ch.MAC != nil {
			w.editLink(l.Index).MAC = *ch.MAC
		}
		if ch.Group != nil {
			w.editLink(l.Index).Group = *ch.Group
		}
		if master >= 0 && master != l.Master {
			w.setMaster(l.Index, master)
		}
		if ch.Up != nil {
			w.setUp(w.Link(l.Index), *ch.Up)
		}
		return nil
	})
}

// checkMaster validates `master VRF` / `nomaster` (vrf.c vrf_add_slave)
// and returns the new master's index (0 for none).
func (s *Snapshot) checkMaster(l *Link, name string) (int, error) {
	if name == "" {
		return 0, nil
	}
	m := s.LinkByName(name)
	if m == nil {
		return 0, rterr.New(syscall.ENODEV, "")
	}
	if m.Kind != KindVRF {
		return 0, rterr.New(syscall.EOPNOTSUPP, "")
	}
	// do_set_master releases the old master first, so a port moves
	// between VRFs in one command.
	switch {
	case l.Kind == KindLoopback:
		return 0, rterr.New(syscall.EOPNOTSUPP, "Can not enslave loopback device to a VRF")
	case l.Kind == KindVRF:
		return 0, rterr.New(syscall.EINVAL, "Can not enslave an L3 master device to a VRF")
	}
	return m.Index, nil
}

// setMaster enslaves or releases a port. The kernel cycles a running port
// (vrf.c cycle_netdev): every route through it goes, including its local
// routes (fib_disable_ip with force on NETDEV_CHANGEUPPER), then coming up
// re-creates its local and connected routes in the new L3 domain's tables.
func (s *Snapshot) setMaster(index, master int) {
	wasUp := s.Link(index).Up
	if wasUp {
		s.setUp(s.Link(index), false)
	}
	s.flushDev(index, true)
	s.editLink(index).Master = master
	if wasUp {
		s.setUp(s.Link(index), true)
	}
}

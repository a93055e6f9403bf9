package control

import (
	"net/netip"
	"slices"
	"syscall"

	"github.com/govrf/govrf/internal/rterr"
)

// BGP is the configuration of govrf's BGP EVPN speaker (docs/bgp.md):
// the local AS and router ID, the neighbours, and the VRFs it carries as
// EVPN type-5 routes. It is immutable once published: changes make a new
// one.
type BGP struct {
	AS        uint32
	RouterID  netip.Addr
	Neighbors []BGPNeighbor // by address
	VRFs      []BGPVRF      // by VRF link index
}

// BGPNeighbor is one BGP session.
type BGPNeighbor struct {
	Addr     netip.Addr
	RemoteAS uint32
}

// Advertise selects the routes of a VRF's table that become type-5
// routes.
type Advertise uint8

// The route selections of `bgp vrf add ... advertise`.
const (
	AdvertiseConnected Advertise = iota // proto kernel unicast routes of the VRF's ports
	AdvertiseStatic                     // routes added by hand (proto boot and static)
	AdvertiseAll                        // both
)

var advertiseNames = [...]string{"connected", "static", "all"}

// String returns the selection as `bgp vrf add` takes it.
func (a Advertise) String() string { return advertiseNames[a] }

// ParseAdvertise parses connected, static or all.
func ParseAdvertise(s string) (Advertise, bool) {
	i := slices.Index(advertiseNames[:], s)
	return Advertise(i), i >= 0
}

// BGPVRF is a VRF carried over EVPN: its layer-3 VNI, its route
// distinguisher, the route targets of the routes it takes in (Import)
// and of those it sends (Export), and which of its routes it sends.
type BGPVRF struct {
	VRF       int // the VRF device's link index
	VNI       uint32
	RD        BGPTag
	Import    []BGPTag
	Export    []BGPTag
	Advertise Advertise
}

// BGP returns the BGP configuration, or nil when there is none.
func (s *Snapshot) BGP() *BGP { return s.bgp }

// BGPVRF returns the EVPN configuration of the VRF with link index vrf,
// or nil.
func (b *BGP) BGPVRF(vrf int) *BGPVRF {
	if b == nil {
		return nil
	}
	for i := range b.VRFs {
		if b.VRFs[i].VRF == vrf {
			return &b.VRFs[i]
		}
	}
	return nil
}

// clone returns a copy of b that shares nothing with it.
func (b *BGP) clone() *BGP {
	c := *b
	c.Neighbors = slices.Clone(b.Neighbors)
	c.VRFs = slices.Clone(b.VRFs)
	for i := range c.VRFs {
		c.VRFs[i].Import = slices.Clone(b.VRFs[i].Import)
		c.VRFs[i].Export = slices.Clone(b.VRFs[i].Export)
	}
	return &c
}

// errNoBGP refuses a neighbour or a VRF before the speaker has an AS.
var errNoBGP = rterr.New(syscall.ENOENT, `BGP has no AS yet: run "govrf bgp set as ASN router-id ADDRESS" first`)

// SetBGP sets the local AS and router ID (`bgp set as ASN router-id
// ADDR`), making the BGP configuration if there is none.
func (c *Control) SetBGP(as uint32, routerID netip.Addr) error {
	if as == 0 {
		return rterr.New(syscall.EINVAL, "the AS number 0 is reserved (RFC 7607): choose another")
	}
	if !routerID.Is4() {
		return rterr.New(syscall.EINVAL, "the router ID is an IPv4 address")
	}
	return c.do(func(w *Snapshot) error {
		b := &BGP{}
		if w.bgp != nil {
			if w.bgp.AS == as && w.bgp.RouterID == routerID {
				return nil
			}
			b = w.bgp.clone()
		}
		b.AS, b.RouterID = as, routerID
		w.bgp, w.dirty = b, true
		return nil
	})
}

// DelBGP removes the whole BGP configuration (`bgp del`): the speaker
// stops and what it learnt goes.
func (c *Control) DelBGP() error {
	return c.do(func(w *Snapshot) error {
		if w.bgp == nil {
			return rterr.New(syscall.ENOENT, "BGP is not configured")
		}
		w.bgp, w.dirty = nil, true
		return nil
	})
}

// AddBGPNeighbor adds a neighbour (`bgp neighbor add ADDR remote-as ASN`).
func (c *Control) AddBGPNeighbor(n BGPNeighbor) error {
	if !n.Addr.IsValid() || n.Addr.IsUnspecified() || n.Addr.IsMulticast() {
		return rterr.New(syscall.EINVAL, "a neighbor is a unicast address")
	}
	if n.RemoteAS == 0 {
		return rterr.New(syscall.EINVAL, "the AS number 0 is reserved (RFC 7607): choose another")
	}
	return c.do(func(w *Snapshot) error {
		if w.bgp == nil {
			return errNoBGP
		}
		if slices.ContainsFunc(w.bgp.Neighbors, func(x BGPNeighbor) bool { return x.Addr == n.Addr }) {
			return rterr.New(syscall.EEXIST, "neighbor "+n.Addr.String()+` exists: "govrf bgp neighbor del `+n.Addr.String()+`" first to change it`)
		}
		b := w.bgp.clone()
		b.Neighbors = append(b.Neighbors, n)
		slices.SortFunc(b.Neighbors, func(x, y BGPNeighbor) int { return x.Addr.Compare(y.Addr) })
		w.bgp, w.dirty = b, true
		return nil
	})
}

// DelBGPNeighbor deletes a neighbour (`bgp neighbor del ADDR`).
func (c *Control) DelBGPNeighbor(addr netip.Addr) error {
	return c.do(func(w *Snapshot) error {
		if w.bgp == nil {
			return errNoBGP
		}
		i := slices.IndexFunc(w.bgp.Neighbors, func(x BGPNeighbor) bool { return x.Addr == addr })
		if i < 0 {
			return rterr.New(syscall.ENOENT, "no neighbor "+addr.String()+`: "govrf bgp show" lists them`)
		}
		b := w.bgp.clone()
		b.Neighbors = slices.Delete(b.Neighbors, i, i+1)
		w.bgp, w.dirty = b, true
		return nil
	})
}

package control

import (
	"fmt"
	"slices"
	"syscall"

	"github.com/govrf/govrf/internal/rterr"
)

// MaxVNI is the largest VXLAN network identifier (24 bits, RFC 7348).
const MaxVNI = 1<<24 - 1

// AddBGPVRF carries VRF name over EVPN (`bgp vrf add NAME vni N rd RD rt
// ...`): v's VRF is set from name. A VNI, a route distinguisher or an
// import route target another VRF has is refused, as is a VRF that shares
// its table with another carried VRF: both would mix the VRFs' routes
// (docs/bgp.md, "Route leaking").
func (c *Control) AddBGPVRF(name string, v BGPVRF) error {
	switch {
	case v.VNI == 0 || v.VNI > MaxVNI:
		return rterr.New(syscall.EINVAL, fmt.Sprintf("the VNI is 1 to %d", MaxVNI))
	case !v.RD.IsValid():
		return rterr.New(syscall.EINVAL, "a VRF needs a route distinguisher (rd ASN:NN)")
	case len(v.Import) == 0 || len(v.Export) == 0:
		return rterr.New(syscall.EINVAL, "a VRF needs route targets to import and to export (rt RT, or rt import RT export RT)")
	}
	return c.do(func(w *Snapshot) error {
		if w.bgp == nil {
			return errNoBGP
		}
		l := w.LinkByName(name)
		switch {
		case name == "default":
			return rterr.New(syscall.EINVAL, "the default VRF carries the underlay (the VXLAN tunnels and the BGP sessions): carry a VRF device instead")
		case l == nil:
			return rterr.New(syscall.ENODEV, fmt.Sprintf(`no VRF %q: create it first with "govrf link add name %s type vrf table N"`, name, name))
		case !l.IsVRF():
			return rterr.New(syscall.EINVAL, fmt.Sprintf("%s is not a VRF device", name))
		}
		v.VRF = l.Index
		if w.bgp.BGPVRF(l.Index) != nil {
			return rterr.New(syscall.EEXIST, fmt.Sprintf(`VRF %s is carried already: "govrf bgp vrf del %s" first to change it`, name, name))
		}
		for _, o := range w.bgp.VRFs {
			if err := w.bgpClash(&v, &o); err != nil {
				return err
			}
		}
		b := w.bgp.clone()
		b.VRFs = append(b.VRFs, v)
		slices.SortFunc(b.VRFs, func(x, y BGPVRF) int { return x.VRF - y.VRF })
		w.bgp, w.dirty = b, true
		return nil
	})
}

// bgpClash refuses v when it would share something with o, a VRF
// carried already.
func (s *Snapshot) bgpClash(v, o *BGPVRF) error {
	other := s.Link(o.VRF).Name
	switch {
	case v.VNI == o.VNI:
		return rterr.New(syscall.EEXIST, fmt.Sprintf("VNI %d is VRF %s's: each VRF needs a VNI of its own", v.VNI, other))
	case v.RD == o.RD:
		return rterr.New(syscall.EEXIST, fmt.Sprintf("route distinguisher %s is VRF %s's: each VRF needs one of its own", v.RD, other))
	case s.Link(o.VRF).Table == s.Link(v.VRF).Table:
		return rterr.New(syscall.EEXIST, fmt.Sprintf("VRF %s uses table %d too: a carried VRF needs a table of its own", other, s.Link(v.VRF).Table))
	}
	for _, rt := range v.Import {
		if slices.Contains(o.Import, rt) {
			return rterr.New(syscall.EEXIST, fmt.Sprintf("VRF %s imports route target %s already: routes are not leaked between VRFs over EVPN (docs/bgp.md)", other, rt))
		}
	}
	return nil
}

// DelBGPVRF stops carrying VRF name over EVPN (`bgp vrf del NAME`).
func (c *Control) DelBGPVRF(name string) error {
	return c.do(func(w *Snapshot) error {
		if w.bgp == nil {
			return errNoBGP
		}
		l := w.LinkByName(name)
		if l == nil || w.bgp.BGPVRF(l.Index) == nil {
			return rterr.New(syscall.ENOENT, fmt.Sprintf(`VRF %s is not carried over BGP: "govrf bgp vrf show" lists those that are`, name))
		}
		w.forgetBGPVRF(l.Index)
		return nil
	})
}

// forgetBGPVRF stops carrying the VRF with link index vrf, if it was: a
// deleted VRF takes its EVPN configuration with it.
func (s *Snapshot) forgetBGPVRF(vrf int) {
	if s.bgp.BGPVRF(vrf) == nil {
		return
	}
	b := s.bgp.clone()
	b.VRFs = slices.DeleteFunc(b.VRFs, func(v BGPVRF) bool { return v.VRF == vrf })
	s.bgp, s.dirty = b, true
}

package control

import (
	"math"
	"time"

	"github.com/govrf/govrf/internal/neigh"
)

// NeighSysctl is one family's net.ipv4.neigh.default.* or
// net.ipv6.neigh.default.* sysctls, in their own units. As in Linux, a
// change applies to every port (govrf keeps no per-device values: no
// port has set its own, so each follows the default, neigh_copy_dflt_parms).
type NeighSysctl struct {
	BaseReachableMs uint32 // base_reachable_time_ms
	RetransMs       uint32 // retrans_time_ms
	DelayFirstProbe uint32 // delay_first_probe_time, seconds
	GCStaleTime     uint32 // gc_stale_time, seconds
	UcastSolicit    uint32 // ucast_solicit
	McastSolicit    uint32 // mcast_solicit
	McastResolicit  uint32 // mcast_resolicit
	QueueBytes      uint32 // unres_qlen_bytes
	Locktime        uint32 // locktime, in USER_HZ (hundredths of a second)
	GCThresh1       uint32 // gc_thresh1
	GCThresh2       uint32 // gc_thresh2
	GCThresh3       uint32 // gc_thresh3
}

// userHZ is the unit of the USER_HZ sysctls (locktime): 1/100 s.
const userHZ = 100

// neighSysctl returns the sysctls that stand for p.
func neighSysctl(p neigh.Params) NeighSysctl {
	return NeighSysctl{
		BaseReachableMs: uint32(p.BaseReachableTime.Milliseconds()),
		RetransMs:       uint32(p.RetransTime.Milliseconds()),
		DelayFirstProbe: uint32(p.DelayFirstProbeTime / time.Second),
		GCStaleTime:     uint32(p.GCStaleTime / time.Second),
		UcastSolicit:    uint32(p.UcastSolicit),
		McastSolicit:    uint32(p.McastSolicit),
		McastResolicit:  uint32(p.McastResolicit),
		QueueBytes:      uint32(p.QueueBytes),
		Locktime:        uint32(p.Locktime * userHZ / time.Second),
		GCThresh1:       uint32(p.GCThresh1),
		GCThresh2:       uint32(p.GCThresh2),
		GCThresh3:       uint32(p.GCThresh3),
	}
}

// Params returns base with every value the sysctls changed from Linux's
// default for family f: a sysctl left at its default leaves base's
// value, so that a data plane configured with other parameters (tests
// with short timers) keeps them until a sysctl says otherwise.
func (n NeighSysctl) Params(f neigh.Family, base neigh.Params) neigh.Params {
	d := neighSysctl(neigh.DefaultParams(f))
	dur := func(v, dv uint32, unit time.Duration, into *time.Duration) {
		if v != dv {
			*into = time.Duration(v) * unit
		}
	}
	num := func(v, dv uint32, into *int) {
		if v != dv {
			*into = int(v)
		}
	}
	dur(n.BaseReachableMs, d.BaseReachableMs, time.Millisecond, &base.BaseReachableTime)
	dur(n.RetransMs, d.RetransMs, time.Millisecond, &base.RetransTime)
	dur(n.DelayFirstProbe, d.DelayFirstProbe, time.Second, &base.DelayFirstProbeTime)
	dur(n.GCStaleTime, d.GCStaleTime, time.Second, &base.GCStaleTime)
	dur(n.Locktime, d.Locktime, time.Second/userHZ, &base.Locktime)
	num(n.UcastSolicit, d.UcastSolicit, &base.UcastSolicit)
	num(n.McastSolicit, d.McastSolicit, &base.McastSolicit)
	num(n.McastResolicit, d.McastResolicit, &base.McastResolicit)
	num(n.QueueBytes, d.QueueBytes, &base.QueueBytes)
	num(n.GCThresh1, d.GCThresh1, &base.GCThresh1)
	num(n.GCThresh2, d.GCThresh2, &base.GCThresh2)
	num(n.GCThresh3, d.GCThresh3, &base.GCThresh3)
	return base
}

// neighSysctlVars binds the sysctls of both families to Sysctl.Neigh.
func neighSysctlVars() []sysctlVar {
	fields := []struct {
		name string
		f    func(*NeighSysctl) *uint32
	}{
		{"base_reachable_time_ms", func(n *NeighSysctl) *uint32 { return &n.BaseReachableMs }},
		{"retrans_time_ms", func(n *NeighSysctl) *uint32 { return &n.RetransMs }},
		{"delay_first_probe_time", func(n *NeighSysctl) *uint32 { return &n.DelayFirstProbe }},
		{"gc_stale_time", func(n *NeighSysctl) *uint32 { return &n.GCStaleTime }},
		{"ucast_solicit", func(n *NeighSysctl) *uint32 { return &n.UcastSolicit }},
		{"mcast_solicit", func(n *NeighSysctl) *uint32 { return &n.McastSolicit }},
		{"mcast_resolicit", func(n *NeighSysctl) *uint32 { return &n.McastResolicit }},
		{"unres_qlen_bytes", func(n *NeighSysctl) *uint32 { return &n.QueueBytes }},
		{"locktime", func(n *NeighSysctl) *uint32 { return &n.Locktime }},
		{"gc_thresh1", func(n *NeighSysctl) *uint32 { return &n.GCThresh1 }},
		{"gc_thresh2", func(n *NeighSysctl) *uint32 { return &n.GCThresh2 }},
		{"gc_thresh3", func(n *NeighSysctl) *uint32 { return &n.GCThresh3 }},
	}
	var vars []sysctlVar
	for f, family := range []string{"ipv4", "ipv6"} {
		for _, x := range fields {
			vars = append(vars, sysctlVar{
				name: "net." + family + ".neigh.default." + x.name,
				u:    func(s *Sysctl) *uint32 { return x.f(&s.Neigh[f]) },
				max:  math.MaxInt32,
			})
		}
	}
	return vars
}

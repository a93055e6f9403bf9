package rule

import "github.com/govrf/govrf/internal/fib"

// loopbackIndex is LOOPBACK_IFINDEX: the iif of locally originated flows.
const loopbackIndex = 1

// Domains tells UpdateL3mdev which L3 domain a link belongs to.
type Domains interface {
	// L3Domain returns, for an existing link, the index of the VRF it is
	// or is enslaved to (0 for a link of the default VRF), that VRF's
	// table, and whether the link is the VRF itself; ok is false when no
	// link has the index.
	L3Domain(index int) (vrf int, table fib.TableID, isVRF, ok bool)
}

// UpdateL3mdev sets the flow's L3 domain from its links, as
// l3mdev_update_flow does before every rule walk. An existing output link
// decides, and marks the domain as derived from it; an output link that is
// the VRF itself is then cleared, so that it directs the lookup to the
// VRF's table without filtering nexthops. Otherwise the input link decides,
// unless the flow is locally originated. A domain already set, as vrf_xmit
// sets it, is kept.
func (f *Flow) UpdateL3mdev(d Domains) {
	if f.Oif != 0 {
		if vrf, table, isVRF, ok := d.L3Domain(f.Oif); ok {
			if f.L3mdev == 0 {
				f.L3mdev, f.L3mdevTable = vrf, table
				f.L3mdevFromOif = true
			}
			if isVRF {
				f.Oif = 0
			}
			return
		}
	}
	if f.Iif > loopbackIndex && f.L3mdev == 0 {
		if vrf, table, _, ok := d.L3Domain(f.Iif); ok {
			f.L3mdev, f.L3mdevTable = vrf, table
		}
	}
}

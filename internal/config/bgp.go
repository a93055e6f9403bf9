package config

import (
	"slices"
	"strings"

	"github.com/govrf/govrf/internal/control"
)

// bgp writes the BGP configuration last, once the VRFs it names exist:
// the AS and router ID, the neighbours, then the carried VRFs.
func (w *writer) bgp() {
	b := w.s.BGP()
	if b == nil {
		return
	}
	w.line("bgp set as %d router-id %s", b.AS, b.RouterID)
	for _, n := range b.Neighbors {
		w.line("bgp neighbor add %s remote-as %d", n.Addr, n.RemoteAS)
	}
	for _, v := range b.VRFs {
		adv := ""
		if v.Advertise != control.AdvertiseConnected {
			adv = " advertise " + v.Advertise.String()
		}
		w.line("bgp vrf add %s vni %d rd %s rt %s%s", word(w.s.Link(v.VRF).Name), v.VNI, v.RD, rtArgs(&v), adv)
	}
}

// rtArgs writes a VRF's route targets as `rt` takes them: once for
// both directions when they are the same.
func rtArgs(v *control.BGPVRF) string {
	if slices.Equal(v.Import, v.Export) {
		return tagList(v.Import)
	}
	return "import " + tagList(v.Import) + " export " + tagList(v.Export)
}

func tagList(ts []control.BGPTag) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = t.String()
	}
	return strings.Join(s, " ")
}

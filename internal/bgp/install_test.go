package bgp

import (
	"errors"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/control"
)

func place(vrf, prefix, vtep string, mac byte) placement {
	return placement{VRF: vrf, Prefix: netip.MustParsePrefix(prefix), Dev: "vx100", VTEP: netip.MustParseAddr(vtep),
		RMAC: control.MAC{2, 0, 0, 0, 0, mac}}
}

func places(ps ...placement) map[placeKey]placement {
	m := map[placeKey]placement{}
	for _, p := range ps {
		m[placeKey{p.VRF, p.Prefix}] = p
	}
	return m
}

func lines(cs []change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, strings.Join(c.line, " "))
	}
	return out
}

func TestChanges(t *testing.T) {
	a2 := place("a", "192.168.2.0/24", "10.99.0.2", 2)
	a2v6 := place("a", "2001:db8:2::/64", "10.99.0.2", 2)
	a3 := place("a", "192.168.3.0/24", "10.99.0.2", 2)
	moved := place("a", "192.168.2.0/24", "10.99.0.3", 3)
	tests := []struct {
		name     string
		old, new map[placeKey]placement
		want     []string
	}{
		{"first route", nil, places(a2), []string{
			"neigh replace 10.99.0.2 lladdr 02:00:00:00:00:02 dev vx100 nud noarp extern_learn",
			"bridge fdb replace 02:00:00:00:00:02 dev vx100 dst 10.99.0.2 self extern_learn",
			"route replace 192.168.2.0/24 vrf a via 10.99.0.2 dev vx100 onlink proto bgp metric 20",
		}},
		{"ipv6 route", places(a2), places(a2, a2v6), []string{
			"neigh replace ::ffff:10.99.0.2 lladdr 02:00:00:00:00:02 dev vx100 nud noarp extern_learn",
			"route replace 2001:db8:2::/64 vrf a via ::ffff:10.99.0.2 dev vx100 onlink proto bgp metric 20",
		}},
		{"second route of a vtep", places(a2), places(a2, a3), []string{
			"route replace 192.168.3.0/24 vrf a via 10.99.0.2 dev vx100 onlink proto bgp metric 20",
		}},
		{"withdrawn, the vtep still used", places(a2, a3), places(a3), []string{
			"route del 192.168.2.0/24 vrf a proto bgp metric 20",
		}},
		{"last route of a vtep", places(a2), nil, []string{
			"route del 192.168.2.0/24 vrf a proto bgp metric 20",
			"neigh del 10.99.0.2 dev vx100",
			"bridge fdb del 02:00:00:00:00:02 dev vx100 dst 10.99.0.2 self",
		}},
		{"to another vtep", places(a2), places(moved), []string{
			"neigh replace 10.99.0.3 lladdr 02:00:00:00:00:03 dev vx100 nud noarp extern_learn",
			"bridge fdb replace 02:00:00:00:00:03 dev vx100 dst 10.99.0.3 self extern_learn",
			"route replace 192.168.2.0/24 vrf a via 10.99.0.3 dev vx100 onlink proto bgp metric 20",
			"neigh del 10.99.0.2 dev vx100",
			"bridge fdb del 02:00:00:00:00:02 dev vx100 dst 10.99.0.2 self",
		}},
		{"nothing", places(a2), places(a2), nil},
	}
	for _, tc := range tests {
		if got := lines(changes(tc.old, tc.new)); !slices.Equal(got, tc.want) {
			t.Errorf("%s: changes() =\n%s\nwant\n%s", tc.name, strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
		}
	}
}

// TestApplied checks what is taken as installed when some of the
// changes fail, so that the next sync tries them again.
func TestApplied(t *testing.T) {
	a2 := place("a", "192.168.2.0/24", "10.99.0.2", 2)
	a3 := place("a", "192.168.3.0/24", "10.99.0.2", 2)
	b4 := place("b", "192.168.4.0/24", "10.99.0.4", 4)
	fail := errors.New("refused")
	tests := []struct {
		name     string
		old, new map[placeKey]placement
		failing  string // the start of the line that fails
		want     map[placeKey]placement
	}{
		{"neighbour fails: its routes are not there", nil, places(a2, a3, b4), "neigh replace 10.99.0.2", places(b4)},
		{"fdb fails", nil, places(a2, b4), "bridge fdb replace 02:00:00:00:00:04", places(a2)},
		{"route fails", nil, places(a2, a3), "route replace 192.168.3.0/24", places(a2)},
		{"delete fails: still there", places(a2, a3), places(a3), "route del 192.168.2.0/24", places(a2, a3)},
		{"entry delete fails: forgotten", places(a2), nil, "neigh del", places()},
	}
	for _, tc := range tests {
		cs := changes(tc.old, tc.new)
		errs := make([]error, len(cs))
		for i, l := range lines(cs) {
			if strings.HasPrefix(l, tc.failing) {
				errs[i] = fail
			}
		}
		if got := applied(tc.old, tc.new, cs, errs); !maps.Equal(got, tc.want) {
			t.Errorf("%s: applied() = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestSelected checks which routes of a VRF's table each advertise
// setting sends.
func TestSelected(t *testing.T) {
	r := &router{ctl: control.New()}
	r.run(t, slices.Concat(site("a", "100", "10", "10.99.0.1", "192.168.1.1/24", "2001:db8:1::1/64"), []string{
		"addr add 10.99.9.1/24 dev vx100",
		"route add 10.20.0.0/16 vrf a via 192.168.1.9 dev a1",
		"route add 10.30.0.0/16 vrf a via 192.168.1.9 dev a1 proto static",
		"route add 10.40.0.0/16 vrf a via 192.168.1.9 dev a1 proto bgp",
		"route add 10.50.0.0/16 vrf a via 192.168.1.9 dev a1 proto dhcp",
		"route add unreachable default vrf a metric 4278198272",
		"route add blackhole 10.60.0.0/16 vrf a",
		"bgp set as 65001 router-id 10.99.0.1",
		"bgp vrf add a vni 100 rd 65001:100 rt 65000:100",
	})...)
	tests := []struct {
		advertise string
		want      []string
	}{
		{"connected", []string{"192.168.1.0/24", "2001:db8:1::/64"}},
		{"static", []string{"10.20.0.0/16", "10.30.0.0/16"}},
		{"all", []string{"10.20.0.0/16", "10.30.0.0/16", "192.168.1.0/24", "2001:db8:1::/64"}},
	}
	for _, tc := range tests {
		r.run(t, "bgp vrf del a", "bgp vrf add a vni 100 rd 65001:100 rt 65000:100 advertise "+tc.advertise)
		var got []string
		for k, e := range exports(r.ctl.Snapshot(), func(int) bool { return true }) {
			got = append(got, k.Prefix.String())
			if e.NextHop != netip.MustParseAddr("10.99.0.1") || e.VNI != 100 || e.RD != tag("65001:100") {
				t.Errorf("exports() %s = %+v", k.Prefix, e)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("advertise %s: exports() = %v, want %v", tc.advertise, got, tc.want)
		}
	}
}

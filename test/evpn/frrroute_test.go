package evpn

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// evpnRoute is one type-5 path in an FRR site's EVPN table.
type evpnRoute struct {
	rd, prefix, vni, nextHop string
	comms                    []string // extended communities, sorted, as FRR prints them: RT:65000:100 ET:8 Rmac:...
}

// String prints the route in one line, for messages.
func (r evpnRoute) String() string {
	return fmt.Sprintf("%s %s vni %s via %s [%s]", r.rd, r.prefix, r.vni, r.nextHop, strings.Join(r.comms, " "))
}

// evpnRoutes returns the site's type-5 paths, from `show bgp l2vpn
// evpn route detail type prefix json`: an object of route distinguishers, each
// an object of prefixes ("[5]:[0]:[24]:[192.168.4.0]") whose paths are
// arrays of arrays.
func (s *frrSite) evpnRoutes() []evpnRoute {
	s.lab.t.Helper()
	out := s.vtysh("show bgp l2vpn evpn route detail type prefix json")
	var byRD map[string]json.RawMessage
	if err := json.Unmarshal([]byte(out), &byRD); err != nil {
		s.lab.t.Fatalf("FRR's EVPN table: %v\n%s", err, out)
	}
	type path struct {
		VNI string `json:"vni"`
		Ext struct {
			String string `json:"string"`
		} `json:"extendedCommunity"`
		NextHops []struct {
			IP string `json:"ip"`
		} `json:"nexthops"`
	}
	type entry struct {
		RouteType int      `json:"routeType"`
		IP        string   `json:"ip"`
		IPLen     int      `json:"ipLen"`
		Paths     [][]path `json:"paths"`
	}
	var routes []evpnRoute
	for rd, raw := range byRD {
		var prefixes map[string]json.RawMessage
		if json.Unmarshal(raw, &prefixes) != nil {
			continue // the counters beside the distinguishers
		}
		for _, praw := range prefixes {
			var e entry
			if json.Unmarshal(praw, &e) != nil || e.RouteType != 5 || e.IPLen == 0 {
				continue
			}
			for _, group := range e.Paths {
				for _, p := range group {
					r := evpnRoute{rd: rd, prefix: fmt.Sprintf("%s/%d", e.IP, e.IPLen), vni: p.VNI,
						comms: strings.Fields(p.Ext.String)}
					slices.Sort(r.comms)
					if len(p.NextHops) > 0 {
						r.nextHop = p.NextHops[0].IP
					}
					routes = append(routes, r)
				}
			}
		}
	}
	slices.SortFunc(routes, func(a, b evpnRoute) int { return strings.Compare(a.String(), b.String()) })
	return routes
}

// findRoute returns the site's path for prefix under rd.
func (s *frrSite) findRoute(rd, prefix string) (evpnRoute, bool) {
	for _, r := range s.evpnRoutes() {
		if r.rd == rd && r.prefix == prefix {
			return r, true
		}
	}
	return evpnRoute{}, false
}

// wantType5 returns "" if the route is what a VTEP at nextHop with
// router MAC rmac sends for c's VRF: label c's VNI, RT 65000:<vni>,
// encapsulation VXLAN (ET:8); else what differs.
func wantType5(r evpnRoute, c company, nextHop, rmac string) string {
	want := []string{"ET:8", "RT:65000:" + fmt.Sprint(c.vni), "Rmac:" + rmac}
	slices.Sort(want)
	if r.vni != fmt.Sprint(c.vni) || r.nextHop != nextHop || !slices.Equal(r.comms, want) {
		return fmt.Sprintf("got %v, want vni %d via %s [%s]", r, c.vni, nextHop, strings.Join(want, " "))
	}
	return ""
}

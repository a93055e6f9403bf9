package evpn

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"
)

// bgpPeer is a BGP neighbour of a govrf router.
type bgpPeer struct {
	addr string
	as   int
}

// rd is the route distinguisher of the router's VRF for c: 6500<n>:<vni>,
// unique per router and VRF whatever the AS.
func (r *router) rd(c company) string { return fmt.Sprintf("%d:%d", 65000+r.n, c.vni) }

// bgpConfig runs BGP in AS as with peers, carrying both VRFs with RT
// 65000:<vni> and exporting the routes advertise names (connected,
// static or all).
func (r *router) bgpConfig(as int, advertise string, peers ...bgpPeer) []string {
	lines := []string{fmt.Sprintf("bgp set as %d router-id %s", as, r.addr())}
	for _, p := range peers {
		lines = append(lines, fmt.Sprintf("bgp neighbor add %s remote-as %d", p.addr, p.as))
	}
	for _, c := range companies {
		lines = append(lines, fmt.Sprintf("bgp vrf add %s vni %d rd %s rt 65000:%d advertise %s",
			c.vrf, c.vni, r.rd(c), c.vni, advertise))
	}
	return lines
}

// evpnPair builds the topology: R1 in AS 65001 and R2 in AS
// 65002 over eBGP, each exporting what advertise names, and waits until
// each has the other's sites in both VRFs.
func evpnPair(l *lab, advertise string) (r1, r2 *router) {
	l.t.Helper()
	r1, r2 = l.addRouter(1), l.addRouter(2)
	r1.configure(r1.vxlanConfig()...)
	r2.configure(r2.vxlanConfig()...)
	r1.configure(r1.bgpConfig(65001, advertise, bgpPeer{r2.addr(), 65002})...)
	r2.configure(r2.bgpConfig(65002, advertise, bgpPeer{r1.addr(), 65001})...)
	r1.waitSite(r2, 30*time.Second)
	r2.waitSite(r1, 30*time.Second)
	return r1, r2
}

// kernelRoute is one route of `govrf -j route show`, in iproute2's
// JSON.
type kernelRoute struct {
	Dst      string   `json:"dst"`
	Gateway  string   `json:"gateway"`
	Dev      string   `json:"dev"`
	Protocol string   `json:"protocol"`
	Flags    []string `json:"flags"`
}

// routes returns VRF c's routes of one family ("-4" or "-6").
func (r *router) routes(c company, family string) []kernelRoute {
	r.lab.t.Helper()
	var rs []kernelRoute
	out := r.govrf("-j " + family + " route show vrf " + c.vrf)
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		r.lab.t.Fatalf("%s: route show vrf %s: %v\n%s", r.name, c.vrf, err, out)
	}
	return rs
}

// learned returns VRF c's route to prefix if BGP put it there: proto
// bgp, via the remote VTEP, onlink through c's VXLAN port; "" and what
// the route is otherwise.
func (r *router) learned(c company, prefix, vtep string) (kernelRoute, string) {
	family := "-4"
	if strings.Contains(prefix, ":") {
		family = "-6"
	}
	for _, k := range r.routes(c, family) {
		if k.Dst != prefix {
			continue
		}
		// An IPv6 route over an IPv4 VTEP may say the gateway as
		// ::ffff:10.99.0.2 (FRR's way) or as the IPv4 address.
		if k.Protocol != "bgp" || !strings.HasSuffix(k.Gateway, vtep) || k.Dev != fmt.Sprintf("vx%d", c.vni) || !slices.Contains(k.Flags, "onlink") {
			return k, fmt.Sprintf("%s's route %s in VRF %s is %+v", r.name, prefix, c.vrf, k)
		}
		return k, ""
	}
	return kernelRoute{}, fmt.Sprintf("%s has no route %s in VRF %s", r.name, prefix, c.vrf)
}

// sitePrefixes are the prefixes of router n's sites.
func sitePrefixes(n int) []string {
	return []string{fmt.Sprintf("192.168.%d.0/24", n), fmt.Sprintf("2001:db8:%d::/64", n)}
}

// waitSite waits until r has, in both VRFs, routes through the VXLAN
// to both of other's site prefixes.
func (r *router) waitSite(other *router, d time.Duration) {
	r.lab.t.Helper()
	for _, c := range companies {
		r.waitVRF(other, c, d)
	}
}

// waitVRF waits until r has, in c's VRF, routes through the VXLAN to
// both of other's site prefixes.
func (r *router) waitVRF(other *router, c company, d time.Duration) {
	r.lab.t.Helper()
	for _, p := range sitePrefixes(other.n) {
		r.lab.eventually(d, fmt.Sprintf("%s learning %s in VRF %s", r.name, p, c.vrf), func() string {
			_, msg := r.learned(c, p, other.addr())
			return msg
		})
	}
}

// waitGone waits until VRF c of r has no route to prefix and returns
// how long it took.
func (r *router) waitGone(c company, prefix string, d time.Duration) time.Duration {
	r.lab.t.Helper()
	start := time.Now()
	family := "-4"
	if strings.Contains(prefix, ":") {
		family = "-6"
	}
	r.lab.eventually(d, fmt.Sprintf("%s withdrawing %s from VRF %s", r.name, prefix, c.vrf), func() string {
		for _, k := range r.routes(c, family) {
			if k.Dst == prefix {
				return fmt.Sprintf("still %+v", k)
			}
		}
		return ""
	})
	return time.Since(start)
}

// bgpRoute is one route of `govrf -j bgp route show`.
type bgpRoute struct {
	VRF          string   `json:"vrf"`
	Prefix       string   `json:"prefix"`
	RD           string   `json:"rd"`
	NextHop      string   `json:"nexthop"`
	VNI          int      `json:"vni"`
	RouterMAC    string   `json:"router_mac"`
	RouteTargets []string `json:"route_targets"`
	Best         bool     `json:"best"`
	Local        bool     `json:"local"`
	Peer         string   `json:"peer"`
}

// bgpRoutes returns the type-5 routes of VRF vrf, or of all with "".
func (r *router) bgpRoutes(vrf string) []bgpRoute {
	r.lab.t.Helper()
	line := "-j bgp route show"
	if vrf != "" {
		line += " vrf " + vrf
	}
	var rs []bgpRoute
	out := r.govrf(line)
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		r.lab.t.Fatalf("%s: %s: %v\n%s", r.name, line, err, out)
	}
	return rs
}

// rmac returns the router MAC r exports for c's VRF, from its own
// routes.
func (r *router) rmac(c company) string {
	r.lab.t.Helper()
	for _, b := range r.bgpRoutes(c.vrf) {
		if b.Local {
			return b.RouterMAC
		}
	}
	r.lab.t.Fatalf("%s exports nothing from VRF %s", r.name, c.vrf)
	return ""
}

// bgpNeighbor is one session of `govrf -j bgp show`.
type bgpNeighbor struct {
	Address  string `json:"address"`
	RemoteAS int    `json:"remote_as"`
	State    string `json:"state"`
	Received int    `json:"received"`
	Accepted int    `json:"accepted"`
}

// neighbor returns r's session with addr. `bgp show -j` prints one
// object, in an array as ip's JSON does.
func (r *router) neighbor(addr string) bgpNeighbor {
	r.lab.t.Helper()
	type summary struct {
		Neighbors []bgpNeighbor `json:"neighbors"`
	}
	var s []summary
	out := r.govrf("-j bgp show")
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		var one summary
		if json.Unmarshal([]byte(out), &one) != nil {
			r.lab.t.Fatalf("%s: bgp show: %v\n%s", r.name, err, out)
		}
		s = []summary{one}
	}
	for _, sum := range s {
		for _, n := range sum.Neighbors {
			if n.Address == addr {
				return n
			}
		}
	}
	r.lab.t.Fatalf("%s has no neighbour %s:\n%s", r.name, addr, out)
	return bgpNeighbor{}
}

// savedConfig saves the router's configuration (`govrf save` compacts
// the journal into the file) and returns the file.
func (r *router) savedConfig() string {
	r.lab.t.Helper()
	r.govrf("save")
	b, err := os.ReadFile(r.conf)
	if err != nil {
		r.lab.t.Fatal(err)
	}
	return string(b)
}

package bgp

import "github.com/govrf/govrf/internal/cli"

// BGPNeighbors returns Neighbors as `bgp show` takes them
// (cli.BGPPlane).
func (s *Speaker) BGPNeighbors() []cli.BGPNeighbor {
	var out []cli.BGPNeighbor
	for _, n := range s.Neighbors() {
		out = append(out, cli.BGPNeighbor{Addr: n.Addr, RemoteAS: n.RemoteAS, State: n.State, Since: n.Since,
			Received: n.Received, Accepted: n.Accepted})
	}
	return out
}

// BGPRoutes returns Paths as `bgp route show` takes them
// (cli.BGPPlane).
func (s *Speaker) BGPRoutes() []cli.BGPRoute {
	var out []cli.BGPRoute
	for _, p := range s.Paths() {
		r := cli.BGPRoute{VRF: p.VRF, Prefix: p.Prefix, RD: p.RD.String(), NextHop: p.NextHop, VNI: p.VNI,
			RouterMAC: p.RouterMAC.String(), Best: p.Best, Local: p.Local, Peer: p.Peer}
		for _, t := range p.RTs {
			r.RTs = append(r.RTs, t.String())
		}
		out = append(out, r)
	}
	return out
}

var _ cli.BGPPlane = (*Speaker)(nil)

package bgp

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/govrf/govrf/internal/control"
)

// Neighbor is a session as `bgp show` lists it.
type Neighbor struct {
	Addr     netip.Addr
	RemoteAS uint32
	State    string    // the RFC 4271 state
	Since    time.Time // when it entered the state; zero when unknown
	// Received counts the EVPN routes the neighbour sent; Accepted
	// those of them a VRF imports.
	Received, Accepted int
}

// Path is a type-5 route as `bgp route show` lists it.
type Path struct {
	Route
	VRF   string // the VRF it came from or goes to; "" for none
	Best  bool
	Local bool       // sent by this router
	Peer  netip.Addr // the neighbour it came from
}

// view is the speaker's state as its last sync left it.
type view struct {
	up        bool // GoBGP runs
	neighbors []Neighbor
	paths     []Path
}

// Neighbors returns the configured neighbours' sessions.
func (s *Speaker) Neighbors() []Neighbor {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.view.neighbors)
}

// Paths returns the type-5 routes sent and received, by VRF and prefix.
func (s *Speaker) Paths() []Path {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.view.paths)
}

// publish makes the view of snap's speaker: sessions from GoBGP, routes
// sent and received rs. A nil snap clears it.
func (s *Speaker) publish(snap *control.Snapshot, rs []received) {
	v := view{up: s.srv != nil}
	if snap != nil && s.srv != nil {
		v.neighbors = s.neighborView(snap, rs)
		v.paths = pathView(snap, s.exported, rs)
	}
	s.mu.Lock()
	s.view = v
	s.mu.Unlock()
}

// neighborView lists the sessions, each with the routes of its
// neighbour a VRF imports.
func (s *Speaker) neighborView(snap *control.Snapshot, rs []received) []Neighbor {
	ns, err := s.srv.peers()
	if err != nil {
		s.log.Warn("bgp: listing the neighbors", "err", err)
	}
	for i := range ns {
		for j := range rs {
			if rs[j].Peer == ns[i].Addr && rs[j].Best {
				if _, _, ok := importVRF(snap, &rs[j].Route); ok {
					ns[i].Accepted++
				}
			}
		}
	}
	slices.SortFunc(ns, func(a, b Neighbor) int { return a.Addr.Compare(b.Addr) })
	return ns
}

// pathView lists the routes sent (under the VRF of their RD) and
// received (under the VRF that imports them).
func pathView(snap *control.Snapshot, sent map[routeKey]Route, rs []received) []Path {
	var ps []Path
	b := snap.BGP()
	for _, r := range sent {
		p := Path{Route: r, Best: true, Local: true}
		if b != nil {
			for _, v := range b.VRFs {
				if v.RD == r.RD {
					p.VRF = snap.Link(v.VRF).Name
				}
			}
		}
		ps = append(ps, p)
	}
	for _, r := range rs {
		p := Path{Route: r.Route, Best: r.Best, Peer: r.Peer}
		if v, _, ok := importVRF(snap, &r.Route); ok {
			p.VRF = snap.Link(v.VRF).Name
		}
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b Path) int {
		return cmp.Or(cmp.Compare(a.VRF, b.VRF), a.Prefix.Addr().Compare(b.Prefix.Addr()),
			cmp.Compare(a.Prefix.Bits(), b.Prefix.Bits()), cmp.Compare(a.RD.String(), b.RD.String()), a.Peer.Compare(b.Peer))
	})
	return ps
}

package bgp

import (
	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// advertise originates r in GoBGP's global table.
func (s *Speaker) advertise(r *Route) error {
	p, err := encode(r)
	if err != nil {
		return err
	}
	_, err = s.srv.AddPath(apiutil.AddPathRequest{Paths: []*apiutil.Path{p}})
	return err
}

// withdraw takes r out of GoBGP's global table: its neighbours get a
// withdrawal.
func (s *Speaker) withdraw(r *Route) error {
	p, err := encode(r)
	if err != nil {
		return err
	}
	return s.srv.DeletePath(apiutil.DeletePathRequest{Paths: []*apiutil.Path{p}})
}

// receivedRoutes returns every EVPN path GoBGP holds from a neighbour,
// decoded, with its best flag. What cannot be decoded (another route
// type, a type-5 route without a router MAC) is logged once and left
// out: GoBGP keeps the session up, as RFC 7606 has it for what is well
// formed, and govrf installs nothing of it.
func (s *Speaker) receivedRoutes() []received {
	var rs []received
	err := s.srv.ListPath(apiutil.ListPathRequest{TableType: api.TableType_TABLE_TYPE_GLOBAL, Family: bgp.RF_EVPN},
		func(_ bgp.NLRI, paths []*apiutil.Path) {
			for _, p := range paths {
				if !p.PeerAddress.IsValid() || p.PeerAddress.IsUnspecified() || p.Withdrawal {
					continue // originated here
				}
				r, err := decode(p)
				if err != nil {
					if err != errNotType5 {
						s.ignore(p, err)
					}
					continue
				}
				rs = append(rs, received{Route: r, Peer: p.PeerAddress, Best: p.Best})
			}
		})
	if err != nil {
		s.log.Warn("bgp: listing the received routes", "err", err)
		s.failed = true
	}
	return rs
}

// maxIgnored bounds the routes remembered as logged: past it, the
// memory starts again and a route may be logged twice.
const maxIgnored = 4096

// ignore logs a received path that cannot be installed, once per
// NLRI and reason.
func (s *Speaker) ignore(p *apiutil.Path, err error) {
	key := p.Nlri.String() + " " + err.Error()
	if s.ignored[key] {
		return
	}
	if s.ignored == nil || len(s.ignored) >= maxIgnored {
		s.ignored = map[string]bool{}
	}
	s.ignored[key] = true
	s.log.Warn("bgp: received route ignored", "peer", p.PeerAddress, "nlri", p.Nlri.String(), "err", err)
}

package bgp

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/govrf/govrf/internal/control"
	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// Session timers, in seconds: FRR's data-centre defaults, so that a
// router that goes away is noticed within seconds.
const (
	keepalive    = 3
	holdTime     = 9
	connectRetry = 5
	// idleHold is how long a session that went down waits before it
	// is tried again: a restarted router is back within seconds.
	idleHold = 2
)

// evpnFamily is the only address family the speaker negotiates.
var evpnFamily = &api.Family{Afi: api.Family_AFI_L2VPN, Safi: api.Family_SAFI_EVPN}

// nexthopPolicy keeps the next hop of every route sent, toward eBGP
// neighbours too: the next hop is the VTEP the router MAC belongs to,
// and GoBGP would otherwise put its session address there.
const nexthopPolicy = "govrf-nexthop-unchanged"

// startServer starts GoBGP for b: its server loop runs in the speaker's
// namespace, so that its listeners are there, then the AS and router ID
// are set, and the export policy that keeps next hops.
func (s *Speaker) startServer(b *control.BGP) error {
	srv := server.NewBgpServer(server.LoggerOption(s.log, nil))
	if err := inNetns(s.cfg.Netns, srv.Serve); err != nil {
		return fmt.Errorf("bgp: entering the underlay's namespace %s: %w", s.cfg.Netns, err)
	}
	addrs := s.cfg.ListenAddrs
	if len(addrs) == 0 {
		addrs = []string{"0.0.0.0", "::"}
	}
	ctx := context.Background()
	err := srv.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{
		Asn: b.AS, RouterId: b.RouterID.String(), ListenPort: s.port(), ListenAddresses: addrs,
	}})
	if err == nil {
		err = srv.AddPolicy(ctx, &api.AddPolicyRequest{Policy: &api.Policy{Name: nexthopPolicy,
			Statements: []*api.Statement{{Name: nexthopPolicy, Actions: &api.Actions{
				RouteAction: api.RouteAction_ROUTE_ACTION_ACCEPT, Nexthop: &api.NexthopAction{Unchanged: true}}}}}})
	}
	if err == nil {
		err = srv.AddPolicyAssignment(ctx, &api.AddPolicyAssignmentRequest{Assignment: &api.PolicyAssignment{
			Name: "global", Direction: api.PolicyDirection_POLICY_DIRECTION_EXPORT,
			Policies: []*api.Policy{{Name: nexthopPolicy}}, DefaultAction: api.RouteAction_ROUTE_ACTION_ACCEPT}})
	}
	if err == nil {
		err = srv.WatchEvent(s.ctx, server.WatchEventMessageCallbacks{
			OnBestPath:   func([]*apiutil.Path, time.Time) { s.poke() },
			OnPeerUpdate: func(*apiutil.WatchEventMessage_PeerEvent, time.Time) { s.poke() },
		}, server.WatchBestPath(false), server.WatchPeer())
	}
	if err != nil {
		srv.Stop()
		return fmt.Errorf("bgp: starting AS %d router-id %s: %w", b.AS, b.RouterID, err)
	}
	s.srv, s.running = srv, &control.BGP{AS: b.AS, RouterID: b.RouterID}
	s.log.Info("bgp: speaker started", "as", b.AS, "router_id", b.RouterID, "netns", s.cfg.Netns, "port", s.port())
	return nil
}

// port is the TCP port the speaker listens on and connects to.
func (s *Speaker) port() int32 {
	if s.cfg.Port != 0 {
		return s.cfg.Port
	}
	return 179
}

// stopServer stops GoBGP: its sessions close, and neighbours withdraw
// what they had from it.
func (s *Speaker) stopServer() {
	if s.srv == nil {
		return
	}
	s.srv.Stop()
	s.srv, s.running = nil, nil
	s.log.Info("bgp: speaker stopped")
}

// syncNeighbors adds and deletes GoBGP's peers to match b's neighbours;
// a neighbour whose AS changed is made again.
func (s *Speaker) syncNeighbors(b *control.BGP) {
	ctx := context.Background()
	for _, n := range s.running.Neighbors {
		if !slices.Contains(b.Neighbors, n) {
			if err := s.srv.DeletePeer(ctx, &api.DeletePeerRequest{Address: n.Addr.String()}); err != nil {
				s.log.Warn("bgp: deleting neighbor", "neighbor", n.Addr, "err", err)
			}
		}
	}
	var now []control.BGPNeighbor
	for _, n := range b.Neighbors {
		if slices.Contains(s.running.Neighbors, n) {
			now = append(now, n)
			continue
		}
		if err := s.srv.AddPeer(ctx, &api.AddPeerRequest{Peer: s.peer(n.Addr, n.RemoteAS)}); err != nil {
			s.log.Warn("bgp: adding neighbor", "neighbor", n.Addr, "err", err)
			continue
		}
		now = append(now, n)
	}
	s.running.Neighbors = now
}

// peer is GoBGP's configuration of a neighbour: EVPN only, fast timers,
// and passive when the speaker's sockets live in another namespace than
// the process's (docs/bgp.md, "Where the sessions run").
func (s *Speaker) peer(addr netip.Addr, as uint32) *api.Peer {
	t := &api.Transport{RemotePort: uint32(s.port()), PassiveMode: s.cfg.Netns != ""}
	if s.cfg.LocalAddr.IsValid() {
		t.LocalAddress = s.cfg.LocalAddr.String()
	}
	return &api.Peer{
		Conf:      &api.PeerConf{NeighborAddress: addr.String(), PeerAsn: as},
		Transport: t,
		Timers: &api.Timers{Config: &api.TimersConfig{ConnectRetry: connectRetry, HoldTime: holdTime,
			KeepaliveInterval: keepalive, IdleHoldTimeAfterReset: idleHold}},
		AfiSafis: []*api.AfiSafi{{Config: &api.AfiSafiConfig{Family: evpnFamily, Enabled: true}}},
	}
}

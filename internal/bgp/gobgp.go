package bgp

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"slices"
	"time"

	"github.com/govrf/govrf/internal/control"
	api "github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// gobgp is GoBGP as the speaker drives it: in this process (local), or
// in a child process in the underlay's namespace (remote).
type gobgp interface {
	// setNeighbors adds and deletes peers to match ns.
	setNeighbors(ns []control.BGPNeighbor)
	// advertise originates r; withdraw takes it back.
	advertise(r Route) error
	withdraw(r Route) error
	// received returns the type-5 routes neighbours sent, decoded.
	received() ([]received, error)
	// peers returns the sessions, without Accepted.
	peers() ([]Neighbor, error)
	// stop closes the sessions, with a NOTIFICATION each.
	stop()
	// alive reports whether GoBGP still runs: a child process may die.
	alive() bool
}

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

// StartOpts is how GoBGP starts: the AS and router ID, where it listens
// and where its sessions come from. It crosses to the child process
// (child.go).
type StartOpts struct {
	AS          uint32
	RouterID    string
	Port        int32    // 179 when 0
	ListenAddrs []string // every address when none
	LocalAddr   string   // the kernel's choice when ""
}

// local is GoBGP's server in this process.
type local struct {
	srv       *server.BgpServer
	log       *slog.Logger
	opts      StartOpts
	neighbors []control.BGPNeighbor
	ignored   map[string]bool // received routes logged as ignored (ignore)
}

var _ gobgp = (*local)(nil)

// startLocal starts GoBGP with o, and the export policy that keeps next
// hops; poke is called whenever a best path or a session changes.
func startLocal(ctx context.Context, o StartOpts, log *slog.Logger, poke func()) (*local, error) {
	if o.Port == 0 {
		o.Port = 179
	}
	if len(o.ListenAddrs) == 0 {
		o.ListenAddrs = []string{"0.0.0.0", "::"}
	}
	srv := server.NewBgpServer(server.LoggerOption(log, nil))
	go srv.Serve()
	err := srv.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{
		Asn: o.AS, RouterId: o.RouterID, ListenPort: o.Port, ListenAddresses: o.ListenAddrs,
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
		err = srv.WatchEvent(ctx, server.WatchEventMessageCallbacks{
			OnBestPath:   func([]*apiutil.Path, time.Time) { poke() },
			OnPeerUpdate: func(*apiutil.WatchEventMessage_PeerEvent, time.Time) { poke() },
		}, server.WatchBestPath(false), server.WatchPeer())
	}
	if err != nil {
		srv.Stop()
		return nil, fmt.Errorf("bgp: starting AS %d router-id %s: %w", o.AS, o.RouterID, err)
	}
	return &local{srv: srv, log: log, opts: o}, nil
}

func (l *local) stop()       { l.srv.Stop() }
func (l *local) alive() bool { return true }

func (l *local) setNeighbors(ns []control.BGPNeighbor) {
	ctx := context.Background()
	for _, n := range l.neighbors {
		if !slices.Contains(ns, n) {
			if err := l.srv.DeletePeer(ctx, &api.DeletePeerRequest{Address: n.Addr.String()}); err != nil {
				l.log.Warn("bgp: deleting neighbor", "neighbor", n.Addr, "err", err)
			}
		}
	}
	var now []control.BGPNeighbor
	for _, n := range ns {
		if slices.Contains(l.neighbors, n) {
			now = append(now, n)
			continue
		}
		if err := l.srv.AddPeer(ctx, &api.AddPeerRequest{Peer: l.peer(n.Addr, n.RemoteAS)}); err != nil {
			l.log.Warn("bgp: adding neighbor", "neighbor", n.Addr, "err", err)
			continue
		}
		now = append(now, n)
	}
	l.neighbors = now
}

// peer is GoBGP's configuration of a neighbour: EVPN only, fast timers.
func (l *local) peer(addr netip.Addr, as uint32) *api.Peer {
	return &api.Peer{
		Conf:      &api.PeerConf{NeighborAddress: addr.String(), PeerAsn: as},
		Transport: &api.Transport{RemotePort: uint32(l.opts.Port), LocalAddress: l.opts.LocalAddr},
		Timers: &api.Timers{Config: &api.TimersConfig{ConnectRetry: connectRetry, HoldTime: holdTime,
			KeepaliveInterval: keepalive, IdleHoldTimeAfterReset: idleHold}},
		AfiSafis: []*api.AfiSafi{{Config: &api.AfiSafiConfig{Family: evpnFamily, Enabled: true}}},
	}
}

func (l *local) advertise(r Route) error {
	p, err := encode(&r)
	if err != nil {
		return err
	}
	_, err = l.srv.AddPath(apiutil.AddPathRequest{Paths: []*apiutil.Path{p}})
	return err
}

func (l *local) withdraw(r Route) error {
	p, err := encode(&r)
	if err != nil {
		return err
	}
	return l.srv.DeletePath(apiutil.DeletePathRequest{Paths: []*apiutil.Path{p}})
}

// received returns every EVPN path GoBGP holds from a neighbour,
// decoded, with its best flag. What cannot be decoded (another route
// type, a type-5 route without a router MAC) is logged once and left
// out: GoBGP keeps the session up, as RFC 7606 has it for what is well
// formed, and govrf installs nothing of it.
func (l *local) received() ([]received, error) {
	var rs []received
	err := l.srv.ListPath(apiutil.ListPathRequest{TableType: api.TableType_TABLE_TYPE_GLOBAL, Family: bgp.RF_EVPN},
		func(_ bgp.NLRI, paths []*apiutil.Path) {
			for _, p := range paths {
				if !p.PeerAddress.IsValid() || p.PeerAddress.IsUnspecified() || p.Withdrawal {
					continue // originated here
				}
				r, err := decode(p)
				if err != nil {
					if err != errNotType5 {
						l.ignore(p, err)
					}
					continue
				}
				rs = append(rs, received{Route: r, Peer: p.PeerAddress, Best: p.Best})
			}
		})
	return rs, err
}

// maxIgnored bounds the routes remembered as logged: past it, the
// memory starts again and a route may be logged twice.
const maxIgnored = 4096

// ignore logs a received path that cannot be installed, once per
// NLRI and reason.
func (l *local) ignore(p *apiutil.Path, err error) {
	key := p.Nlri.String() + " " + err.Error()
	if l.ignored[key] {
		return
	}
	if l.ignored == nil || len(l.ignored) >= maxIgnored {
		l.ignored = map[string]bool{}
	}
	l.ignored[key] = true
	l.log.Warn("bgp: received route ignored", "peer", p.PeerAddress, "nlri", p.Nlri.String(), "err", err)
}

// sessionStates names GoBGP's session states as RFC 4271 §8.2.2 does.
var sessionStates = map[api.PeerState_SessionState]string{
	api.PeerState_SESSION_STATE_IDLE: "Idle", api.PeerState_SESSION_STATE_CONNECT: "Connect",
	api.PeerState_SESSION_STATE_ACTIVE: "Active", api.PeerState_SESSION_STATE_OPENSENT: "OpenSent",
	api.PeerState_SESSION_STATE_OPENCONFIRM: "OpenConfirm", api.PeerState_SESSION_STATE_ESTABLISHED: "Established",
}

func (l *local) peers() ([]Neighbor, error) {
	var ns []Neighbor
	err := l.srv.ListPeer(context.Background(), &api.ListPeerRequest{}, func(p *api.Peer) {
		if p.Conf == nil || p.State == nil {
			return
		}
		a, err := netip.ParseAddr(p.Conf.NeighborAddress)
		if err != nil {
			return
		}
		n := Neighbor{Addr: a, RemoteAS: p.Conf.PeerAsn, State: sessionStates[p.State.SessionState]}
		if n.State == "" {
			n.State = "Idle"
		}
		if t := p.Timers.GetState(); t != nil {
			ts := t.GetDowntime()
			if p.State.SessionState == api.PeerState_SESSION_STATE_ESTABLISHED {
				ts = t.GetUptime()
			}
			if ts != nil && ts.GetSeconds() > 0 {
				n.Since = ts.AsTime()
			}
		}
		for _, af := range p.AfiSafis {
			if st := af.GetState(); st != nil && st.Family.GetAfi() == api.Family_AFI_L2VPN && st.Family.GetSafi() == api.Family_SAFI_EVPN {
				n.Received = int(st.Received)
			}
		}
		ns = append(ns, n)
	})
	return ns, err
}

package bgp

import (
	"errors"

	"github.com/govrf/govrf/internal/control"
)

// startServer starts GoBGP for b: in this process when the speaker's
// sessions use the process's namespace, else in a child process that
// lives in that namespace, whose every socket, listening or connecting,
// is made there (docs/bgp.md, "Where the sessions run").
func (s *Speaker) startServer(b *control.BGP) error {
	o := StartOpts{AS: b.AS, RouterID: b.RouterID.String(), Port: s.cfg.Port, ListenAddrs: s.cfg.ListenAddrs}
	if s.cfg.LocalAddr.IsValid() {
		o.LocalAddr = s.cfg.LocalAddr.String()
	}
	var srv gobgp
	var err error
	if s.cfg.Netns == "" {
		srv, err = startLocal(s.ctx, o, s.log, s.poke)
	} else {
		srv, err = startRemote(s.cfg.Netns, o, s.log, s.poke)
	}
	if err != nil {
		return err
	}
	s.srv, s.running = srv, &control.BGP{AS: b.AS, RouterID: b.RouterID}
	s.log.Info("bgp: speaker started", "as", b.AS, "router_id", b.RouterID, "netns", s.cfg.Netns)
	return nil
}

// stopServer stops GoBGP: its sessions close, and neighbours withdraw
// what they had from it.
func (s *Speaker) stopServer() {
	if s.srv == nil {
		return
	}
	s.srv.stop()
	s.srv, s.running = nil, nil
	s.log.Info("bgp: speaker stopped")
}

// errNoServer is what a call to a GoBGP that is gone returns.
var errNoServer = errors.New("bgp: the speaker's GoBGP is not started")

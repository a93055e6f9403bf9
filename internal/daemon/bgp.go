package daemon

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"

	"github.com/govrf/govrf/internal/bgp"
	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
)

// runBGP runs the BGP EVPN speaker (docs/bgp.md) until ctx ends: it is
// fed every snapshot and starts GoBGP while one holds a BGP
// configuration. Its sessions use the default VRF's host stack, the
// underlay, when there is one; the process's own namespace otherwise.
func (d *Daemon) runBGP(ctx context.Context) {
	d.mu.Lock()
	netns := ""
	if st := d.stacks[0]; st != nil {
		netns = st.s.Path()
	}
	d.bgp = bgp.New(bgp.Config{Applier: learnt{d}, Netns: netns, Logger: slog.Default()})
	d.mu.Unlock()
	stop := d.ctl.Subscribe(func(_, s *control.Snapshot) { d.bgp.Update(s) })
	defer stop()
	d.bgp.Update(d.ctl.Snapshot())
	d.bgp.Run(ctx)
}

// learnt is the speaker's Applier: it runs the speaker's command lines
// as requests of govrfd's own, under the daemon's lock, publishing once
// per batch, and journals none of them: what BGP learns is state, made
// again from the sessions after a restart, never configuration.
type learnt struct{ d *Daemon }

func (l learnt) Apply(lines [][]string) []error {
	d := l.d
	d.mu.Lock()
	defer d.mu.Unlock()
	before := d.ctl.Snapshot()
	release := d.ctl.Hold()
	errs := make([]error, len(lines))
	for i, argv := range lines {
		var stderr strings.Builder
		if code := cli.RunWith(d.ctl, planeView{d}, argv, io.Discard, &stderr); code != 0 {
			errs[i] = errors.New(strings.TrimSpace(stderr.String()))
		}
	}
	release()
	if d.ctl.Snapshot().Gen() != before.Gen() {
		for _, err := range d.reconcile(before) {
			slog.Warn("bgp: a port cannot follow a learnt change", "err", err)
		}
		for _, err := range d.syncStacks() {
			slog.Warn("bgp: a host stack cannot follow a learnt change", "err", err)
		}
	}
	return errs
}

// BGPNeighbors implements cli.BGPPlane.
func (v planeView) BGPNeighbors() []cli.BGPNeighbor {
	if v.d.bgp == nil {
		return nil
	}
	var out []cli.BGPNeighbor
	for _, n := range v.d.bgp.Neighbors() {
		out = append(out, cli.BGPNeighbor{Addr: n.Addr, RemoteAS: n.RemoteAS, State: n.State, Since: n.Since,
			Received: n.Received, Accepted: n.Accepted})
	}
	return out
}

// BGPRoutes implements cli.BGPPlane.
func (v planeView) BGPRoutes() []cli.BGPRoute {
	if v.d.bgp == nil {
		return nil
	}
	var out []cli.BGPRoute
	for _, p := range v.d.bgp.Paths() {
		r := cli.BGPRoute{VRF: p.VRF, Prefix: p.Prefix, RD: p.RD.String(), NextHop: p.NextHop, VNI: p.VNI,
			RouterMAC: p.RouterMAC.String(), Best: p.Best, Local: p.Local, Peer: p.Peer}
		for _, t := range p.RTs {
			r.RTs = append(r.RTs, t.String())
		}
		out = append(out, r)
	}
	return out
}

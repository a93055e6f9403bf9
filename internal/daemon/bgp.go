package daemon

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
)

// BGPSpeaker is what govrfd needs of its BGP EVPN speaker
// (internal/bgp.Speaker, docs/bgp.md).
type BGPSpeaker interface {
	// Update hands the speaker the latest snapshot, without blocking.
	Update(*control.Snapshot)
	// Run follows the snapshots until ctx ends.
	Run(ctx context.Context)
	// Refresh makes the speaker look again at the ports' carrier.
	Refresh()
	cli.BGPPlane
}

// NewBGPSpeaker makes the BGP speaker whose sessions use the network
// namespace netns ("" for the process's own), whose learnt changes
// apply runs, and which asks carrier whether a port has carrier. cmd/govrfd sets it, so that GoBGP is linked into govrfd
// alone and not into govrf, which embeds the daemon for its demo; nil
// runs no speaker, and `bgp show` then shows the configuration alone.
var NewBGPSpeaker func(netns string, apply func(lines [][]string) []error, carrier func(link int) bool) BGPSpeaker

// runBGP runs the BGP speaker until ctx ends: it is fed every snapshot
// and starts GoBGP while one holds a BGP configuration. Its sessions use
// the default VRF's host stack, the underlay, when there is one; the
// process's own namespace otherwise.
func (d *Daemon) runBGP(ctx context.Context) {
	if NewBGPSpeaker == nil {
		return
	}
	d.mu.Lock()
	netns := ""
	if st := d.stacks[0]; st != nil {
		netns = st.s.Path()
	}
	sp := NewBGPSpeaker(netns, d.applyLearnt, d.carrier)
	d.bgp = sp
	d.mu.Unlock()
	stop := d.ctl.Subscribe(func(_, s *control.Snapshot) { sp.Update(s) })
	defer stop()
	sp.Update(d.ctl.Snapshot())
	sp.Run(ctx)
}

// carrier reports whether link has carrier: a packet or tap port whose
// interface is up with carrier; any other link has. It takes d.mu.
func (d *Daemon) carrier(link int) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	l := d.ctl.Snapshot().Link(link)
	if l == nil || l.Kind != control.KindPacket && l.Kind != control.KindTap {
		return true
	}
	return planeView{d}.PortState(link).Carrier
}

// portStateChanged tells the monitor and the BGP speaker that the
// interface under port link changed. d.mu is held.
func (d *Daemon) portStateChanged(link int, st cli.PortState) {
	d.feed.portState(link, st)
	if d.bgp != nil {
		d.bgp.Refresh()
	}
}

// applyLearnt runs the speaker's command lines as requests of govrfd's
// own, under the daemon's lock, publishing once per call, and journals
// none of them: what BGP learns is state, made again from the sessions
// after a restart, never configuration. It returns one error per line.
func (d *Daemon) applyLearnt(lines [][]string) []error {
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

// BGPNeighbors implements cli.BGPPlane. d.mu is held.
func (v planeView) BGPNeighbors() []cli.BGPNeighbor {
	if v.d.bgp == nil {
		return nil
	}
	return v.d.bgp.BGPNeighbors()
}

// BGPRoutes implements cli.BGPPlane. d.mu is held.
func (v planeView) BGPRoutes() []cli.BGPRoute {
	if v.d.bgp == nil {
		return nil
	}
	return v.d.bgp.BGPRoutes()
}

package daemon

import (
	"context"
	"log/slog"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/dataplane"
	"github.com/govrf/govrf/internal/metrics"
	"github.com/govrf/govrf/internal/neigh"
)

// openMetrics opens the listener of Config.Metrics, if one is asked for,
// so that a taken address stops the start rather than a scrape later.
func (d *Daemon) openMetrics() error {
	if d.cfg.Metrics == "" {
		return nil
	}
	ln, err := metrics.Listen(d.cfg.Metrics)
	if err != nil {
		return err
	}
	d.metricsLn = ln
	return nil
}

// serveMetrics answers scrapes until ctx ends, then closes done.
func (d *Daemon) serveMetrics(ctx context.Context) (done <-chan struct{}) {
	c := make(chan struct{})
	if d.metricsLn == nil {
		close(c)
		return c
	}
	slog.Info("metrics served", "addr", d.metricsLn.Addr().String(), "path", "/metrics")
	go func() {
		defer close(c)
		if err := metrics.Serve(ctx, d.metricsLn, metrics.Handler(d)); err != nil {
			slog.Error("metrics server failed; the router goes on without it", "err", err)
		}
	}()
	return c
}

// Sample implements metrics.Source. It reads the data plane's atomic
// counters and the current snapshot, and never takes d.mu: a scrape
// during a long batch answers at once.
func (d *Daemon) Sample() metrics.Sample {
	snap := d.ctl.Snapshot()
	s := metrics.Sample{
		Stats:         d.stats(),
		PortVRF:       map[string]string{},
		Neighbours:    map[string]neigh.Census{},
		AcceptedFlows: d.plane.AcceptedFlows(),
		Changes:       d.ctl.Changes(),
		Generation:    snap.Gen(),
		Saved:         d.saved.Load(),
	}
	for l := range snap.Links() {
		c := d.plane.Neighbors(l.Index)
		if c == nil {
			continue
		}
		s.PortVRF[l.Name] = vrfNameOf(snap, l.Index)
		s.Neighbours[l.Name] = c.Census()
	}
	return s
}

// vrfNameOf names the VRF of link index as metrics label it.
func vrfNameOf(snap *control.Snapshot, index int) string {
	if v := snap.VRFOf(index); v != nil {
		return v.Name
	}
	return dataplane.DefaultVRF
}

// noteSaved records that the running configuration is durable in the
// configuration file, for the saved-generation metric. d.mu is held.
func (d *Daemon) noteSaved() {
	if d.disk != nil {
		d.saved.Store(d.ctl.Snapshot().Gen())
	}
}

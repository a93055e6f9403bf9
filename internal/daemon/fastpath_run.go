package daemon

import (
	"context"
	"log/slog"

	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/port/packet"
)

// startFastPath loads the fast path Config.FastPath asks for. A kernel
// that refuses it (no root, no BPF) is told once, and the daemon runs
// the Go data path alone; only a bad flag is an error.
func (d *Daemon) startFastPath() error {
	mode, on, err := parseFastPath(d.cfg.FastPath)
	if err != nil || !on {
		return err
	}
	fp, err := newFastPath(mode, d.ctl)
	if err != nil {
		slog.Warn("fast path off: the kernel refused it; the Go data path forwards everything", "mode", mode.String(), "err", err)
		return nil
	}
	d.fp = fp
	slog.Info("fast path on", "mode", mode.String())
	return nil
}

// runFastPath runs the fast path's compiler until ctx ends; the channel
// closes when it has stopped (at once without a fast path).
func (d *Daemon) runFastPath(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	if d.fp == nil {
		close(done)
		return done
	}
	go func() { d.fp.run(ctx); close(done) }()
	return done
}

// stopFastPath detaches the program from every port left and unloads
// it. The ports are released already. d.mu is held.
func (d *Daemon) stopFastPath() {
	if d.fp == nil {
		return
	}
	if err := d.fp.close(); err != nil {
		slog.Warn("closing the fast path", "err", err)
	}
}

// neighChanged hears the data plane's neighbour changes: monitors are
// told, and the fast path compiles them in.
func (d *Daemon) neighChanged(link int, ev neigh.Event) {
	d.feed.neigh(link, ev)
	if d.fp != nil {
		d.fp.neighChanged(link, ev)
	}
}

// attachFastPath runs the fast path on packet port p of link index,
// bound to interface ifindex. A port that cannot have it runs on the Go
// data path alone, and is told; a port that was opened to receive only
// what a tc program hands over then receives everything again.
func (d *Daemon) attachFastPath(index, ifindex int, p *packet.Port) {
	if d.fp == nil {
		return
	}
	err := d.fp.attach(index, p.Name(), ifindex, p.MAC(), p.MTU(), d.plane.Neighbors(index))
	if err == nil {
		slog.Info("fast path attached", append(d.portAttrs(index), "mode", d.fp.mode.String())...)
		return
	}
	slog.Warn("fast path not attached; the port's packets take the Go data path", append(d.portAttrs(index), "err", err)...)
	if d.fp.mark() != 0 {
		if err := p.AcceptAll(); err != nil {
			slog.Warn("port cannot receive", append(d.portAttrs(index), "err", err)...)
		}
	}
}

package daemon

import (
	"io"
	"log/slog"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
)

// newLogger returns govrfd's logger: structured records (log/slog) to
// w, as text (key=value) or, for log collectors, one JSON object per
// line.
func newLogger(w io.Writer, json bool) *slog.Logger {
	if json {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// loaded logs what the configuration file gave the control plane: how
// many links (the loopback aside), VRFs, ports, addresses, routes (those
// the kernel makes for addresses aside), rules and nexthop objects.
func loaded(file string, s *control.Snapshot) {
	var links, vrfs, ports, addrs, routes, rules int
	for l := range s.Links() {
		if l.Kind == control.KindLoopback {
			continue
		}
		links++
		addrs += len(l.Addrs)
		switch {
		case l.IsVRF():
			vrfs++
		case l.Kind.IsPort():
			ports++
		}
	}
	for _, id := range s.TableIDs() {
		for r := range s.Table(id).All() {
			if r.Proto != fib.ProtoKernel {
				routes++
			}
		}
	}
	for _, f := range []fib.Family{fib.IPv4, fib.IPv6} {
		rules += len(s.Rules(f))
	}
	slog.Info("configuration loaded", "file", file, "links", links, "vrfs", vrfs, "ports", ports,
		"addresses", addrs, "routes", routes, "rules", rules, "nexthops", len(s.Nexthops()))
}

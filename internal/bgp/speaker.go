package bgp

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govrf/govrf/internal/control"
)

// Config says where the speaker's sessions run and how it changes the
// control plane.
type Config struct {
	// Applier runs the routes, neighbour and forwarding entries the
	// speaker learns.
	Applier Applier
	// Netns is the network namespace file whose sockets carry the
	// sessions: the default VRF's host stack, the underlay. "" keeps
	// the process's own; with another, GoBGP runs in a child process
	// started there (docs/bgp.md, "Where the sessions run").
	Netns string
	// Port is the TCP port to listen on and to connect to; 0 is BGP's
	// 179.
	Port int32
	// ListenAddrs are the addresses to listen on; none means every
	// address of both families.
	ListenAddrs []string
	// LocalAddr is the source of the sessions the speaker opens;
	// invalid lets the kernel choose.
	LocalAddr netip.Addr
	// Carrier reports whether port link has carrier; nil means every
	// port has. The subnet of a port without carrier is not sent, as
	// zebra does not redistribute the connected routes of an interface
	// that is down. Call Refresh when a port's carrier changes.
	Carrier func(link int) bool
	// Logger receives the speaker's and GoBGP's messages; nil is
	// slog.Default().
	Logger *slog.Logger
}

// retry is how soon a change that failed is tried again.
const retry = 2 * time.Second

// Speaker is the BGP EVPN speaker: it follows the snapshots it is given
// (Update), runs GoBGP while they hold a BGP configuration, sends the
// carried VRFs' routes and installs those it receives. Its exported
// methods are safe for concurrent use; the work happens on Run's
// goroutine, which alone touches GoBGP.
type Speaker struct {
	cfg Config
	log *slog.Logger
	// carrier is Config.Carrier, or every port has carrier.
	carrier func(link int) bool
	ctx     context.Context
	snap    atomic.Pointer[control.Snapshot]
	wake    chan struct{}

	// Owned by Run's goroutine.
	srv      gobgp
	running  *control.BGP // the AS and router ID srv runs with
	exported map[routeKey]Route
	placed   map[placeKey]placement
	failed   bool   // a change failed: try again after retry
	startErr string // the last start failure, logged once

	mu   sync.Mutex
	view view // what Neighbors and Routes answer
}

// New returns a speaker that does nothing until Run.
func New(cfg Config) *Speaker {
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	carrier := cfg.Carrier
	if carrier == nil {
		carrier = func(int) bool { return true }
	}
	return &Speaker{cfg: cfg, log: log, carrier: carrier, wake: make(chan struct{}, 1),
		exported: map[routeKey]Route{}, placed: map[placeKey]placement{}}
}

// Update hands the speaker the control plane's latest snapshot. It never
// blocks: the speaker catches up with the latest one given.
func (s *Speaker) Update(snap *control.Snapshot) {
	s.snap.Store(snap)
	s.poke()
}

// Refresh makes the speaker look again at what Update gave it, for what
// snapshots do not carry: a port's carrier. It never blocks.
func (s *Speaker) Refresh() { s.poke() }

func (s *Speaker) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run follows the snapshots until ctx ends, then stops GoBGP and takes
// back what it installed.
func (s *Speaker) Run(ctx context.Context) {
	s.ctx = ctx
	t := time.NewTimer(retry)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.stopServer()
			s.install(s.snap.Load(), nil)
			s.publish(nil, nil)
			return
		case <-s.wake:
		case <-t.C:
			if !s.failed {
				t.Reset(retry)
				continue
			}
		}
		s.sync()
		t.Reset(retry)
	}
}

// sync brings GoBGP, the routes sent and the routes installed up to date
// with the latest snapshot.
func (s *Speaker) sync() {
	snap := s.snap.Load()
	if snap == nil {
		return
	}
	s.failed = false
	b := snap.BGP()
	if s.srv != nil && !s.srv.alive() {
		s.log.Error("bgp: the speaker's child process ended; starting it again")
		s.stopServer()
		s.exported = map[routeKey]Route{}
	}
	if s.running != nil && (b == nil || b.AS != s.running.AS || b.RouterID != s.running.RouterID) {
		s.stopServer()
		s.exported = map[routeKey]Route{}
	}
	if b != nil && s.srv == nil {
		if err := s.startServer(b); err != nil {
			if err.Error() != s.startErr {
				s.log.Error("bgp: the speaker cannot start; trying again every 2s", "err", err)
				s.startErr = err.Error()
			}
			s.failed = true
		} else {
			s.startErr = ""
		}
	}
	var rs []received
	if s.srv != nil {
		s.srv.setNeighbors(b.Neighbors)
		s.export(exports(snap, s.carrier))
		var err error
		if rs, err = s.srv.received(); err != nil {
			s.log.Warn("bgp: listing the received routes", "err", err)
			s.failed = true
		}
	}
	s.install(snap, rs)
	s.publish(snap, rs)
}

// export sends the routes of want GoBGP does not have, and withdraws
// those it has that want lacks.
func (s *Speaker) export(want map[routeKey]Route) {
	for k, r := range s.exported {
		if w, ok := want[k]; ok && sameRoute(&w, &r) {
			continue
		}
		if err := s.srv.withdraw(r); err != nil {
			s.log.Warn("bgp: withdrawing", "prefix", r.Prefix, "rd", r.RD, "err", err)
			s.failed = true
			continue
		}
		delete(s.exported, k)
	}
	for k, r := range want {
		if _, ok := s.exported[k]; ok {
			continue
		}
		if err := s.srv.advertise(r); err != nil {
			s.log.Warn("bgp: advertising", "prefix", r.Prefix, "rd", r.RD, "err", err)
			s.failed = true
			continue
		}
		s.exported[k] = r
	}
}

// install runs the changes that take the installed routes to those rs
// places in snap; nil rs takes every one away. A change that fails is
// tried again later.
func (s *Speaker) install(snap *control.Snapshot, rs []received) {
	want := map[placeKey]placement{}
	if snap != nil {
		want = placements(snap, rs)
		s.placed = present(snap, s.placed)
	}
	cs := changes(s.placed, want)
	if len(cs) == 0 {
		return
	}
	lines := make([][]string, len(cs))
	for i, c := range cs {
		lines[i] = c.line
	}
	errs := s.cfg.Applier.Apply(lines)
	for i, err := range errs {
		if err != nil {
			s.log.Warn("bgp: a learnt change failed", "line", strings.Join(lines[i], " "), "err", err)
			s.failed = true
		}
	}
	s.placed = applied(s.placed, want, cs, errs)
}

func sameRoute(a, b *Route) bool {
	return a.Prefix == b.Prefix && a.RD == b.RD && a.VNI == b.VNI && a.RouterMAC == b.RouterMAC &&
		a.NextHop == b.NextHop && slicesEqual(a.RTs, b.RTs)
}

func slicesEqual(a, b []control.BGPTag) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

package daemon

import (
	"context"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/neigh"
)

// pairQueue bounds the publications waiting to be diffed. The control
// plane hands them over under its writer lock and must never wait, so a
// burst beyond this is dropped and reported to every monitor.
const pairQueue = 1024

// pendingWrites bounds the table writes of the publications waiting to
// be diffed: each queued publication keeps its snapshot, and what a
// snapshot holds beyond its predecessor grows with its writes, up to a
// whole table's copy. A bulk load publishing faster than a monitor's
// diff would otherwise pile up copies of a large table; past this bound
// publications are dropped and reported as lost, as a full queue's are.
// A publication is queued whatever its size when nothing waits.
const pendingWrites = 1 << 18

// feed hands the control plane's changes to the `monitor` clients. It
// subscribes to the control plane only while a client watches, so that
// tables track their changes only then. One goroutine diffs each
// publication once and formats it for every client; a client's stream
// queues the events, so a slow client loses events rather than slowing
// the others, the feed or the writer.
type feed struct {
	ctl    *control.Control
	pairs  chan [2]*control.Snapshot
	neighs chan neighEvent
	ports  chan portEvent
	lost   atomic.Uint64 // publications and neighbour events dropped since the feed last said so
	writes atomic.Int64  // table writes of the queued publications
	// maxWrites bounds writes (pendingWrites).
	maxWrites int64
	active    atomic.Bool // someone watches: neighbour events are worth queueing

	mu       sync.Mutex
	watchers map[*watcher]bool
	cancel   func() // the subscription, while anyone watches
}

// watcher is one monitoring client.
type watcher struct {
	m *cli.Monitor
	s *api.Stream
}

// neighEvent is a change to a port's neighbours.
type neighEvent struct {
	link int
	ev   neigh.Event
}

// portEvent is a change of the kernel interface under a port link.
type portEvent struct {
	link int
	st   cli.PortState
}

func newFeed(ctl *control.Control) *feed {
	return &feed{ctl: ctl, pairs: make(chan [2]*control.Snapshot, pairQueue),
		neighs: make(chan neighEvent, pairQueue), ports: make(chan portEvent, pairQueue),
		watchers: map[*watcher]bool{}, maxWrites: pendingWrites}
}

// portState queues a change of the interface under port link, as ip
// monitor hears of the interface's carrier and operational state. The
// daemon calls it under d.mu, so it never waits: an event that finds the
// queue full is counted as lost.
func (f *feed) portState(link int, st cli.PortState) {
	if !f.active.Load() {
		return
	}
	select {
	case f.ports <- portEvent{link, st}:
	default:
		f.lost.Add(1)
	}
}

// neigh queues a neighbour event; the data plane calls it and must not
// wait, so an event that finds the queue full is counted as lost.
func (f *feed) neigh(link int, ev neigh.Event) {
	if !f.active.Load() {
		return
	}
	select {
	case f.neighs <- neighEvent{link, ev}:
	default:
		f.lost.Add(1)
	}
}

// push queues a publication; it runs under the control plane's writer
// lock.
func (f *feed) push(old, new *control.Snapshot) {
	w := int64(new.Writes())
	if len(f.pairs) > 0 && f.writes.Load()+w > f.maxWrites {
		f.lost.Add(1)
		return
	}
	select {
	case f.pairs <- [2]*control.Snapshot{old, new}:
		f.writes.Add(w)
	default:
		f.lost.Add(1)
	}
}

// taken notes that the publication of new left the queue.
func (f *feed) taken(new *control.Snapshot) { f.writes.Add(-int64(new.Writes())) }

// watch adds a client until the returned function is called.
func (f *feed) watch(m *cli.Monitor, s *api.Stream) (stop func()) {
	w := &watcher{m, s}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.watchers) == 0 {
		f.cancel = f.ctl.Subscribe(f.push)
		f.active.Store(true)
	}
	f.watchers[w] = true
	return func() {
		f.mu.Lock()
		defer f.mu.Unlock()
		delete(f.watchers, w)
		if len(f.watchers) == 0 && f.cancel != nil {
			f.cancel()
			f.cancel = nil
			f.active.Store(false)
		}
	}
}

// run diffs and delivers publications until ctx ends.
func (f *feed) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-f.pairs:
			f.taken(p[1])
			f.deliver(p[0], p[1])
		case n := <-f.neighs:
			f.deliverNeigh(n)
		case p := <-f.ports:
			f.deliverPort(p)
		}
	}
}

// deliver formats one publication's changes for every client.
func (f *feed) deliver(old, new *control.Snapshot) {
	var changes []control.Change
	diffed := false
	f.toEach(func(w *watcher) {
		if !diffed { // only when someone listens
			changes, diffed = control.Diff(old, new), true
		}
		w.m.Print(old, new, changes, w.s.Send)
	})
}

// deliverNeigh formats one neighbour event for every client, with the
// link names of the current configuration.
func (f *feed) deliverNeigh(n neighEvent) {
	s := f.ctl.Snapshot()
	f.toEach(func(w *watcher) { w.m.PrintNeigh(s, n.link, n.ev, w.s.Send) })
}

// deliverPort formats one change of a port's interface for every
// client.
func (f *feed) deliverPort(p portEvent) {
	s := f.ctl.Snapshot()
	f.toEach(func(w *watcher) { w.m.PrintPortState(s, p.link, p.st, w.s.Send) })
}

// toEach tells every client first how many events it lost, then prints
// one event for it.
func (f *feed) toEach(print func(*watcher)) {
	f.mu.Lock()
	ws := slices.Collect(maps.Keys(f.watchers))
	f.mu.Unlock()
	if len(ws) == 0 {
		return
	}
	lost := f.lost.Swap(0)
	for _, w := range ws {
		w.s.Lost(lost)
		print(w)
	}
}

// stream answers a streaming request: `monitor` or `capture`
// (capture.go), until the client hangs up or the daemon stops.
func (d *Daemon) stream(ctx context.Context, req api.Request, s *api.Stream) api.Response {
	if cli.IsCapture(req.Argv) {
		return d.capture(ctx, req, s)
	}
	var stderr strings.Builder
	m, code := cli.NewMonitor(req.Argv, &stderr)
	if m == nil {
		return api.Response{Stderr: stderr.String(), Code: code}
	}
	defer d.feed.watch(m, s)()
	<-ctx.Done()
	return api.Response{Stderr: "govrfd: the monitor ends: the daemon is stopping.\n"}
}

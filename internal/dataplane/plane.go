// Package dataplane is govrf's packet pipeline: the stage list of Linux's
// receive, routing and transmit path (netif_receive → ip_rcv →
// l3mdev_ip_rcv → fib_rules → ip_forward / ip_local_deliver / icmp_send →
// neigh_output → dev_queue_xmit), run over batches of frames read from
// ports, with VRFs as the kernel's l3mdev makes them. pipeline.go lists
// the stages.
//
// A Plane reads its configuration from a control.Control: it loads the
// published snapshot once per batch and never waits for the writer. Ports
// are bound to control links with Attach; the link (a dummy today) stands
// for the port in the configuration: its addresses, its VRF, its MTU.
// The data plane owns the dynamic state control does not: one neighbour
// cache per port, the ICMP rate limits, and the counters.
//
// A Plane runs in one of two ways. Poll processes whatever the ports hold
// and the timers that are due, without blocking, for a single goroutine
// stepping a simulated network (it implements sim.Node and sim.Waker).
// Run reads every port in its own goroutine until its context ends.
package dataplane

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/port"
	"github.com/govrf/govrf/internal/vxlan"
)

// Config configures a Plane. The zero Config is Linux's behaviour.
type Config struct {
	// Local takes the packets for the router's own addresses that the
	// pipeline does not answer itself; nil answers them all as a host
	// with no listener does.
	Local LocalDeliver
	// Neigh configures every port's neighbour cache. Its Budget is
	// ignored: the caches share the plane's, sized by the
	// net.govrf.neigh.max_entries and max_queue_bytes sysctls.
	Neigh neigh.Config
	// NeighWatch, when not nil, hears every change to a port's
	// neighbours, with the port's link index (`monitor neigh`). It is
	// called from the data plane's goroutines and must not block.
	NeighWatch func(link int, ev neigh.Event)
}

// Plane is the data plane of one control plane.
type Plane struct {
	ctl   *control.Control
	clock neigh.Clock
	cfg   Config

	mu     sync.Mutex                      // serialises Attach, Detach and Run
	ports  atomic.Pointer[[]*binding]      // by link index; nil where none
	stacks atomic.Pointer[[]*stackBinding] // by VRF index, 0 the default VRF
	// orphans counts answers to packets whose port or host stack has gone
	// since they were queued.
	orphans counters
	vrfs    vrfCounters
	limits  limiter
	poller  *worker                  // Poll's worker; Poll is single-threaded
	workers workerPool               // lent to the readers of Waiter ports (pool.go)
	synced  atomic.Pointer[linkSync] // what syncLinks last covered
	run     *runState                // set while Run runs

	// reasm holds every VRF's reassembly queues (reasm_table.go);
	// fragFlows follows the default stack's fragmented datagrams of
	// accepted flows (reasm_accept.go).
	reasm     reassembler
	fragFlows fragFlows

	// neighBudget caps the neighbour entries and queued bytes of every
	// port together (net.govrf.neigh.max_entries and max_queue_bytes,
	// set by syncLinks).
	neighBudget *neigh.Budget
	// captures are the running captures (capture.go); nil for none.
	captures atomic.Pointer[[]*capture]
	// tracer is &traces while frames remain to be traced, else nil
	// (trace.go).
	tracer atomic.Pointer[tracing]
	traces tracing
	// vxlans finds the VXLAN port of an arriving packet (vxlan.go).
	vxlans atomic.Pointer[vxlanTable]
}

// binding is a port attached to a control link.
type binding struct {
	index  int
	port   port.Port
	poller port.Poller // nil when the port cannot be polled
	mac    header.MAC
	neigh  *neigh.Cache
	stats  counters
	txMu   sync.Mutex    // ports take one writer at a time
	rd     reading       // who reads a Waiter port, under Run (follow.go)
	gone   atomic.Bool   // detached
	link   atomic.Uint64 // master<<1 | up, as last seen; see syncLink
	seen   *control.Link // the link as announce last saw it (timer goroutine only)
	// vx is the port of a VXLAN link, whose frames the plane
	// encapsulates itself (vxlan.go); tun its tunnel as attached.
	vx  *vxlan.Port
	tun control.VXLAN
	// syncMu serialises syncLink, which workers may run at once;
	// syncGen is the snapshot generation it last synced, installed the
	// configured neighbours it put in the cache.
	syncMu    sync.Mutex
	syncGen   uint64
	installed []neigh.Static
}

// Errors Attach returns, wrapped with the port and link.
var (
	ErrNoLink   = errors.New("no such link")
	ErrLinkKind = errors.New("link cannot carry a port")
	ErrAttached = errors.New("link already has a port")
)

// New returns a data plane for ctl with no ports, reading time from clock
// (nil: the system clock).
func New(ctl *control.Control, clock neigh.Clock, cfg Config) *Plane {
	if clock == nil {
		clock = neigh.SystemClock{}
	}
	p := &Plane{ctl: ctl, clock: clock, cfg: cfg}
	p.limits.init()
	sc := ctl.Snapshot().Sysctl()
	p.neighBudget = neigh.NewBudget(int(sc.NeighMaxEntries), int(sc.NeighMaxQueueBytes))
	return p
}

// Attach binds port pt to link index, which must be a port link (not
// the loopback or a VRF) without a port. The plane reads and writes pt
// from then on, with a fresh neighbour cache. While Run runs, the port
// gets its reader goroutine at once.
func (p *Plane) Attach(index int, pt port.Port) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := p.ctl.Snapshot().Link(index)
	switch {
	case l == nil:
		return fmt.Errorf("attach %s to link %d: %w", pt.Name(), index, ErrNoLink)
	case l.Kind == control.KindLoopback || l.Kind == control.KindVRF:
		return fmt.Errorf("attach %s to %s: %w", pt.Name(), l.Name, ErrLinkKind)
	case p.binding(index) != nil:
		return fmt.Errorf("attach %s to %s: %w", pt.Name(), l.Name, ErrAttached)
	}
	nc := p.cfg.Neigh
	nc.IPv4, nc.IPv6 = p.neighParams(p.ctl.Snapshot().Sysctl())
	nc.Budget = p.neighBudget
	if w := p.cfg.NeighWatch; w != nil {
		nc.Watch = func(ev neigh.Event) { w(index, ev) }
	}
	b := &binding{index: index, port: pt, mac: pt.MAC(), neigh: neigh.New(nc, p.clock)}
	b.poller, _ = pt.(port.Poller)
	b.link.Store(linkState(l))
	if vp, ok := pt.(*vxlan.Port); ok {
		if l.VXLAN == nil {
			return fmt.Errorf("attach %s to %s: %w", pt.Name(), l.Name, ErrLinkKind)
		}
		b.vx, b.tun = vp, *l.VXLAN
		b.poller = nil // never read: its frames come in encapsulated
	}
	old := p.all()
	ports := make([]*binding, max(len(old), index+1))
	copy(ports, old)
	ports[index] = b
	p.ports.Store(&ports)
	p.indexVXLAN(ports)
	if p.run != nil {
		p.run.start(p, b)
	}
	return nil
}

// Detach unbinds the port of link index and returns it; false if there
// was none. Its neighbour cache goes with it, closed: its entries leave
// net.govrf.neigh.max_entries' count. The caller owns the port
// again; under Run its reader stops once its current Read returns,
// which closing the port hastens.
func (p *Plane) Detach(index int) (port.Port, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := p.binding(index)
	if b == nil {
		return nil, false
	}
	b.gone.Store(true)
	b.neigh.Close()
	ports := append([]*binding(nil), p.all()...)
	ports[index] = nil
	p.ports.Store(&ports)
	p.indexVXLAN(ports)
	return b.port, true
}

// Neighbors returns the neighbour cache of link index's port, for `ip
// neigh` and tests; nil if no port is attached.
func (p *Plane) Neighbors(index int) *neigh.Cache {
	if b := p.binding(index); b != nil {
		return b.neigh
	}
	return nil
}

// Stats returns the counters of every attached port and of every VRF
// that has seen traffic, named as the current snapshot names them.
func (p *Plane) Stats() Stats {
	s := p.ctl.Snapshot()
	st := Stats{Ports: map[string]Counters{}, VRFs: map[string]Counters{}, Stacks: map[string]Counters{}}
	for _, b := range p.all() {
		if b != nil {
			st.Ports[linkName(s, b.index)] = b.stats.load()
		}
	}
	for i, c := range p.vrfs.all() {
		if c != nil {
			st.VRFs[vrfName(s, i)] = c.load()
		}
	}
	for _, sb := range p.allStacks() {
		if sb != nil {
			st.Stacks[vrfName(s, sb.vrf)] = sb.stats.load()
		}
	}
	return st
}

// vrfName returns the name of VRF index, DefaultVRF for 0.
func vrfName(s *control.Snapshot, index int) string {
	if index == 0 {
		return DefaultVRF
	}
	return linkName(s, index)
}

// linkName returns a link's name, or its index for a deleted link.
func linkName(s *control.Snapshot, index int) string {
	if l := s.Link(index); l != nil {
		return l.Name
	}
	return fmt.Sprintf("if%d", index)
}

// all returns the bindings by link index.
func (p *Plane) all() []*binding {
	if s := p.ports.Load(); s != nil {
		return *s
	}
	return nil
}

// binding returns the port attached to link index, or nil.
func (p *Plane) binding(index int) *binding {
	if s := p.all(); index > 0 && index < len(s) {
		return s[index]
	}
	return nil
}

// linkState packs what syncLink watches of a link.
func linkState(l *control.Link) uint64 {
	s := uint64(l.Master) << 1
	if l.Up {
		s |= 1
	}
	return s
}

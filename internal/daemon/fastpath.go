package daemon

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fastpath"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

// fastPath is the eBPF fast path (internal/fastpath, docs/fastpath.md)
// as govrfd runs it: the program attached to every packet port's
// interface, and its maps kept true to the published snapshot and the
// ports' neighbours.
//
// A compilation is valid until the snapshot changes. A publication that
// changed only routes, each of whose prefixes compiles on its own, is
// applied at once key by key (catchUp, fastpath_incr.go). One
// that reaches some L3 domains only suspends those at once and the
// compiler rebuilds them (fastpath_vrf.go). Otherwise the maps are
// emptied at once (suspend): every packet goes to the Go data path,
// which sees the change, until the next compilation is applied. The compiler waits after each compilation as long as it
// took, and at least compileEvery, so that while changes flow it compiles at most
// once per compileEvery and takes at most half a processor; it always
// compiles after the last change.
//
// A neighbour change rewrites only the nexthops to that neighbour, in
// place (fastpath_neigh.go); the rest of the maps keep forwarding. The
// same goroutine reports what the program forwarded to DELAY and PROBE
// neighbours to their caches as uses.
//
// Its methods are safe for concurrent use: attach and detach run under
// the daemon's mutex, stale and neighChanged from the control plane's
// writer and the data plane's goroutines, the compiler and the
// neighbour writer in their own goroutines, hold from captures, and
// addTo from any reader of the statistics.
type fastPath struct {
	mode  fastpath.Mode
	path  *fastpath.Path
	ctl   *control.Control
	kick  chan struct{} // a compilation is wanted
	check chan struct{} // the maps may have to be suspended
	stop  func()        // ends the snapshot subscription
	// holds counts the captures running: while any runs, the maps stay
	// suspended, so that every packet passes the capture.
	holds atomic.Int32

	// mu serialises attach, detach and applying; ctr, taken after it,
	// guards the counters, so that reading them never waits for an
	// Apply. ports changes under both.
	mu    sync.Mutex
	ctr   sync.Mutex
	ports map[int]*fpPort // attached ports by link index
	gen   uint64          // bumped by attach and detach
	// vrfs accumulates what the fast path counted per VRF link index
	// (0: the default VRF), as the data plane's VRF counters do.
	vrfs map[int]fastpath.Counters
	// lastErr is the last compilation's error, told once.
	lastErr string
	// applied is the snapshot of the compilation in the maps, nil when
	// they are suspended; compiled is the last full compilation applied,
	// for the ports of gen appliedGen, which catchUp updates key by key.
	applied    *control.Snapshot
	compiled   *fastpath.Compiled
	appliedGen uint64
	// steps are the publications recorded for catchUp, in order, under
	// smu; incremental counts the ones applied key by key.
	smu         sync.Mutex
	steps       []*routeStep
	incremental atomic.Int64
	// suspensions counts the times the maps were emptied for a change.
	suspensions atomic.Int64
	// vrf is what per-VRF rebuilds owe the maps (fastpath_vrf.go).
	vrf perVRF
	// full asks the compiler for a full compilation even if the maps
	// are current (a port, a neighbour, a capture's end).
	full atomic.Bool
	// neighs are the neighbours of the applied compilation's nexthops
	// (fastpath_neigh.go); nil when suspended. Replaced whole under mu.
	neighs atomic.Pointer[nhNeighbours]
	// changed holds the neighbours whose nexthops must be rewritten;
	// nkick asks the neighbour writer to.
	nmu     sync.Mutex
	changed map[fastpath.NeighbourKey]bool
	nkick   chan struct{}
	// xstop ends the watch of the ports' xdp-features (XDP).
	xstop chan struct{}
}

// fpPort is a port the program is attached to.
type fpPort struct {
	fastpath.Port
	attached link.Link
	behind   link.Link         // XDP: the tc program behind it
	vrf      int               // its VRF when last compiled
	last     fastpath.Counters // its slot's counters when last read
	total    fastpath.Counters // what it counted since it was attached
}

// compileEvery is the shortest time between two compilations while
// changes flow: a burst (a batch of a million routes, a neighbour
// storm) costs a compilation per compileEvery, not one per change.
const compileEvery = 100 * time.Millisecond

// parseFastPath reads -fastpath: auto (tc), xdp, tc or off (false).
func parseFastPath(s string) (fastpath.Mode, bool, error) {
	switch s {
	case "auto", "tc":
		return fastpath.TC, true, nil
	case "xdp":
		return fastpath.XDP, true, nil
	case "off", "":
		return 0, false, nil
	}
	return 0, false, fmt.Errorf("-fastpath %q: want auto, xdp, tc or off", s)
}

// newFastPath loads the program for mode. Its error says why the kernel
// refused; the daemon then runs without a fast path.
func newFastPath(mode fastpath.Mode, ctl *control.Control) (*fastPath, error) {
	p, err := fastpath.NewWith(mode, fastpath.Options{Handover: true})
	if err != nil {
		return nil, err
	}
	f := &fastPath{mode: mode, path: p, ctl: ctl, kick: make(chan struct{}, 1), check: make(chan struct{}, 1),
		ports: map[int]*fpPort{}, vrfs: map[int]fastpath.Counters{},
		changed: map[fastpath.NeighbourKey]bool{}, nkick: make(chan struct{}, 1), xstop: make(chan struct{})}
	if mode == fastpath.XDP {
		f.watchXmit()
	}
	f.stop = ctl.Subscribe(func(old, new *control.Snapshot) {
		f.record(old, new)
		f.stale()
	})
	return f, nil
}

// mark is the skb mark a packet port must accept only, for the tc
// handover (fastpath.Options.Handover: the tc program, alone or behind
// XDP); 0 for none. Nil f has none.
func (f *fastPath) mark() uint32 {
	if f == nil {
		return 0
	}
	return fastpath.HandoverMark
}

// attach attaches the program to interface ifname, index ifindex, the
// port of link index with MAC mac and MTU mtu, whose neighbours are nc.
// In XDP mode the tc program runs behind the XDP program, and the port's
// xdp-features say whether XDP may redirect to it (fastpath_xmit.go).
func (f *fastPath) attach(index int, ifname string, ifindex int, mac header.MAC, mtu int, nc *neigh.Cache) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	used := map[int]bool{}
	for _, p := range f.ports {
		used[p.Slot] = true
	}
	slot := 0
	for used[slot] {
		slot++
	}
	if slot >= fastpath.MaxPorts {
		return fmt.Errorf("the fast path runs on %d ports at most", fastpath.MaxPorts)
	}
	// The tc program behind XDP first: a frame XDP passes before it is
	// there would miss the port's socket, which takes marked frames only.
	var l, behind link.Link
	var err error
	if b := f.path.Behind(); b != nil {
		if behind, err = link.AttachTCX(link.TCXOptions{Interface: ifindex, Program: b, Attach: ebpf.AttachTCXIngress}); err != nil {
			return fmt.Errorf("attach the tc program behind XDP to %s: %w", ifname, err)
		}
	}
	if f.mode == fastpath.TC {
		l, err = link.AttachTCX(link.TCXOptions{Interface: ifindex, Program: f.path.Program(), Attach: ebpf.AttachTCXIngress})
	} else {
		l, err = link.AttachXDP(link.XDPOptions{Interface: ifindex, Program: f.path.Program(), Flags: link.XDPDriverMode})
	}
	switch {
	case err != nil && behind != nil:
		// A driver without native XDP, say: tc alone, as in tc mode.
		slog.Warn("XDP not attached; the tc program forwards alone", "device", ifname, "err", err)
		l, behind = behind, nil
	case err != nil:
		return fmt.Errorf("attach the %s program to %s: %w", f.mode, ifname, err)
	}
	last, _ := f.path.Counters(slot) // a slot used before keeps its counts
	f.ctr.Lock()
	f.ports[index] = &fpPort{Port: fastpath.Port{Link: index, Ifindex: ifindex, Slot: slot, MAC: mac, MTU: mtu, Neigh: nc},
		attached: l, behind: behind, last: last}
	f.ctr.Unlock()
	if f.mode == fastpath.XDP {
		f.readXmit(ifindex)
	}
	f.gen++
	f.want()
	return nil
}

// detach detaches the program from the port of link index, if it runs
// there, after counting what it forwarded. The interface may be gone
// already, and the program with it.
func (f *fastPath) detach(index int) {
	if f == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	p, ok := f.ports[index]
	if !ok {
		return
	}
	f.ctr.Lock()
	f.fold()
	delete(f.ports, index)
	f.ctr.Unlock()
	p.close()
	f.path.SetXmit(p.Slot, false) // the slot's next port is read afresh
	f.gen++
	f.want()
}

// close detaches every port and unloads the program.
func (f *fastPath) close() error {
	f.stop()
	close(f.xstop)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ctr.Lock()
	defer f.ctr.Unlock()
	var errs []error
	for index, p := range f.ports {
		errs = append(errs, p.close())
		delete(f.ports, index)
	}
	return errors.Join(append(errs, f.path.Close())...)
}

// close detaches the port's programs.
func (p *fpPort) close() error {
	err := p.attached.Close()
	if p.behind != nil {
		err = errors.Join(err, p.behind.Close())
	}
	return err
}

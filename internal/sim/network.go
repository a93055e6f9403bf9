package sim

import (
	"sync"
	"time"
)

// Mode says what drives a Network's hosts.
type Mode uint8

const (
	// Stepped networks are driven by the goroutine that uses them: a
	// host's client call (Ping, Probe, ...) polls every node in turn
	// until its answer has come, and when no node has work left moves
	// the manual clock to the next deadline. Runs are deterministic.
	Stepped Mode = iota
	// Concurrent networks run a goroutine per host on the system clock,
	// for a router that runs its own goroutines.
	Concurrent
)

// String returns "stepped" or "concurrent".
func (m Mode) String() string {
	if m == Concurrent {
		return "concurrent"
	}
	return "stepped"
}

// Node is anything a Stepped network polls: its hosts, and the router
// under test.
type Node interface {
	// Poll does the work pending now without blocking (reads what its
	// ports hold, answers, forwards) and returns how much it did; 0
	// means it is idle.
	Poll() int
}

// Waker is a Node with timers: work that falls due at a time rather
// than when a frame arrives, such as neighbour retransmissions. A quiet
// Stepped network moves its clock to the earliest wake so the Node can
// do that work.
type Waker interface {
	Node
	// NextWake returns when the node next has timed work, and false if
	// it has none.
	NextWake() (time.Time, bool)
}

// maxBusyRounds bounds the polling rounds a Stepped network runs without
// going quiet; more means frames circulate for ever.
const maxBusyRounds = 1 << 20

// Network is a set of simulated hosts and the nodes between them. A
// Stepped network belongs to one goroutine; a Concurrent one may be used
// from several.
type Network struct {
	mode   Mode
	clock  Clock
	manual *manualClock // the clock of a Stepped network

	mu    sync.Mutex
	nodes []Node // polled in the order they were added
	hosts []*Host
	macs  uint16 // addresses handed out so far

	wg        sync.WaitGroup // host goroutines
	done      chan struct{}  // closed by Close
	closeOnce sync.Once
}

// NewNetwork returns an empty network driven as m says.
func NewNetwork(m Mode) *Network {
	n := &Network{mode: m, clock: systemClock{}, done: make(chan struct{})}
	if m == Stepped {
		n.manual = &manualClock{now: epoch}
		n.clock = n.manual
	}
	return n
}

// Mode returns how the network is driven.
func (n *Network) Mode() Mode { return n.mode }

// Clock returns the network's clock, for the router under test.
func (n *Network) Clock() Clock { return n.clock }

// Add makes a Stepped network poll node, after the nodes already added.
// It panics on a Concurrent network, whose nodes drive themselves.
func (n *Network) Add(node Node) {
	if n.mode != Stepped {
		panic("sim: Add on a concurrent network")
	}
	n.mu.Lock()
	n.nodes = append(n.nodes, node)
	n.mu.Unlock()
}

// Settle polls a Stepped network until no node has work left, without
// moving the clock, and returns the work done. A Concurrent network
// returns 0.
func (n *Network) Settle() int {
	if n.mode != Stepped {
		return 0
	}
	total := 0
	for rounds := 0; ; rounds++ {
		w := n.poll()
		if w == 0 {
			return total
		}
		total += w
		if rounds == maxBusyRounds {
			panic("sim: network never goes quiet")
		}
	}
}

// Run lets d pass. A Stepped network settles, then moves its clock from
// wake to wake, settling at each, until d has passed; a Concurrent one
// sleeps.
func (n *Network) Run(d time.Duration) {
	if n.mode != Stepped {
		time.Sleep(d)
		return
	}
	end := n.clock.Now().Add(d)
	for {
		n.Settle()
		now := n.clock.Now()
		if !now.Before(end) {
			return
		}
		t := end
		if w, ok := n.nextWake(now); ok && w.Before(t) {
			t = w
		}
		n.manual.set(t)
	}
}

// Close closes every host's port (a mem pair closes both its ends) and
// waits for the hosts' goroutines; client calls in progress fail. It
// returns nil.
func (n *Network) Close() error {
	n.closeOnce.Do(func() {
		close(n.done)
		n.mu.Lock()
		hosts := n.hosts
		n.mu.Unlock()
		for _, h := range hosts {
			h.port.Close()
		}
	})
	n.wg.Wait()
	return nil
}

// poll gives every node one turn and returns the work done.
func (n *Network) poll() int {
	n.mu.Lock()
	nodes := n.nodes
	n.mu.Unlock()
	w := 0
	for _, node := range nodes {
		w += node.Poll()
	}
	return w
}

// nextWake returns the earliest wake of any node that falls after now.
func (n *Network) nextWake(now time.Time) (time.Time, bool) {
	n.mu.Lock()
	nodes := n.nodes
	n.mu.Unlock()
	var first time.Time
	found := false
	for _, node := range nodes {
		wk, ok := node.(Waker)
		if !ok {
			continue
		}
		if t, ok := wk.NextWake(); ok && t.After(now) && (!found || t.Before(first)) {
			first, found = t, true
		}
	}
	return first, found
}

// closed reports whether Close has been called.
func (n *Network) closed() bool {
	select {
	case <-n.done:
		return true
	default:
		return false
	}
}

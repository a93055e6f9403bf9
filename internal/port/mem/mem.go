// Package mem provides in-memory port pairs: two ports joined like the two
// ends of a veth, so that whatever one end writes the other reads. Tests,
// the simulator (package sim) and programs that embed govrf use them to run
// the data plane without a kernel.
//
// Each end has a bounded receive queue. A writer never waits for the
// reader: a frame that finds the queue full is dropped and counted, as veth
// drops what the peer's backlog cannot take. Frames are copied in and out,
// so both sides may reuse their buffers at once; after the queues have
// grown to their working size, reading and writing allocate nothing.
// Delivery is FIFO and deterministic, and an optional hook may lose or
// duplicate frames for tests.
package mem

import (
	"sync"
	"sync/atomic"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port"
)

// Defaults for the zero fields of a Config.
const (
	DefaultMTU       = 1500
	DefaultBatchSize = 64
	// DefaultQueueLen is the kernel's default netdev_max_backlog, the
	// per-CPU queue veth delivers into.
	DefaultQueueLen = 1000
)

// Config describes one end of a pair.
type Config struct {
	Name      string
	MAC       header.MAC
	MTU       int // 0 means DefaultMTU
	BatchSize int // 0 means DefaultBatchSize
	QueueLen  int // frames this end can hold unread; 0 means DefaultQueueLen

	// Impair, when set, decides the fate of every frame this end writes:
	// it returns how many copies reach the peer, 0 to lose the frame, 2
	// to duplicate it. It runs inside Write, in write order, with the
	// peer's queue locked, so it must not call into either port; a
	// deterministic hook keeps the pair deterministic.
	Impair func(frame []byte) (copies int)
}

// Port is one end of a pair. Its methods are safe for concurrent use.
type Port struct {
	name     string
	mac      header.MAC
	mtu      int
	batch    int
	maxFrame int // longest frame the link carries
	impair   func([]byte) int

	peer  *Port
	link  *link
	ready chan struct{} // a frame arrived; capacity 1, so a wakeup is never lost

	mu sync.Mutex
	q  queue // frames waiting for Read

	stats port.Meter
}

var (
	_ port.Port     = (*Port)(nil)
	_ port.Poller   = (*Port)(nil)
	_ port.Counters = (*Port)(nil)
)

// link is the state the two ends share: like a veth pair, the pair goes
// down as a whole.
type link struct {
	once   sync.Once
	closed atomic.Bool
	done   chan struct{} // closed by Close, waking blocked readers
}

// Pair returns two ports joined to each other.
func Pair(a, b Config) (*Port, *Port) {
	l := &link{done: make(chan struct{})}
	pa, pb := newPort(a, l), newPort(b, l)
	pa.peer, pb.peer = pb, pa
	return pa, pb
}

func newPort(c Config, l *link) *Port {
	p := &Port{
		name:   c.Name,
		mac:    c.MAC,
		mtu:    orDefault(c.MTU, DefaultMTU),
		batch:  orDefault(c.BatchSize, DefaultBatchSize),
		impair: c.Impair,
		link:   l,
		ready:  make(chan struct{}, 1),
		q:      newQueue(orDefault(c.QueueLen, DefaultQueueLen)),
	}
	// The kernel forwards a frame over a veth only if it fits the MTU
	// plus the hardware header and one VLAN tag (is_skb_forwardable).
	p.maxFrame = p.mtu + header.EthernetLen + header.VLANTagLen
	return p
}

func orDefault(v, def int) int {
	if v <= 0 {
		return def
	}
	return v
}

// Name returns the name from the port's Config.
func (p *Port) Name() string { return p.name }

// MAC returns the address from the port's Config.
func (p *Port) MAC() header.MAC { return p.mac }

// MTU returns the port's MTU.
func (p *Port) MTU() int { return p.mtu }

// BatchSize returns the port's batch size.
func (p *Port) BatchSize() int { return p.batch }

// Peer returns the other end of the pair.
func (p *Port) Peer() *Port { return p.peer }

// Close closes both ends of the pair, as deleting one end of a veth
// deletes the other: blocked reads return, frames still queued are
// discarded, and later calls fail with port.ErrClosed. Closing again
// returns nil.
func (p *Port) Close() error {
	p.link.once.Do(func() {
		p.link.closed.Store(true)
		close(p.link.done)
		p.discard()
		p.peer.discard()
	})
	return nil
}

func (p *Port) discard() {
	p.mu.Lock()
	p.q.reset()
	p.mu.Unlock()
}

func (p *Port) closedError(op string) error {
	return &port.OpError{Op: op, Port: p.name, Err: port.ErrClosed}
}

package dataplane

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govrf/govrf/internal/header"
)

// net.ipv4.tcp_l3mdev_accept and udp_l3mdev_accept (docs/dataplane.md):
// in Linux an unbound socket then takes what comes in through any VRF
// (inet_bound_dev_eq), and an accepted connection stays bound to the VRF
// it came in by (inet_request_bound_dev_if). govrf's unbound sockets live
// in the default VRF's host stack, so a flow that no socket of its own
// VRF's stack would take, but one of the default stack would, is
// accepted into the default stack: recorded here, its packets written
// there, and the default stack's answers routed back in the flow's VRF.
//
// Overlapping VRFs may bring the default stack two flows with one
// 4-tuple (A1 and B1 both 192.168.1.10:40000 to 192.168.1.1:5000); the
// later one's client port is rewritten to a free one, as the default
// stack sees it, and back on the way out.

// Lifetimes of an accepted flow, measured from its last packet, in the
// manner of conntrack's: a TCP flow ends at a reset, or a FIN each way
// and a linger for the last ACK and retransmissions, or after two idle
// hours — one minute until the client has acknowledged anything, so
// that a SYN flood cannot hold the table for hours; a UDP flow after
// 30 idle seconds.
const (
	acceptTCPIdle    = 2 * time.Hour
	acceptTCPOpening = time.Minute
	acceptTCPLinger  = 10 * time.Second
	acceptUDPIdle    = 30 * time.Second
	// acceptSweep is how often the timers look for ended flows.
	acceptSweep = time.Second
	// maxAccepted bounds the flows the default stack takes from VRFs;
	// beyond it new ones are dropped (ReasonAcceptFull).
	maxAccepted = 65536
	// maxPortTries bounds the search for a free client port.
	maxPortTries = 4096
)

// ListenerChecker is a Stack that can say whether one of its sockets
// would take a new flow: for l3mdev accept, the data plane asks a VRF's
// stack and the default VRF's before it accepts a flow of the VRF into
// the default stack.
type ListenerChecker interface {
	// HasListener reports whether a socket listens on (TCP) or is
	// bound to (UDP) addr or the wildcard address, port port; proto is
	// header.ProtoTCP or header.ProtoUDP.
	HasListener(proto uint8, addr netip.Addr, port uint16) (bool, error)
}

// stackAccept is what a host stack keeps for l3mdev accept.
type stackAccept struct {
	listeners ListenerChecker // nil: the stack says nothing
	known     listenCache
	flows     *flowTable // the default stack's: the flows it took
}

// init readies a for the stack s of VRF vrf.
func (a *stackAccept) init(vrf int, s Stack) {
	a.listeners, _ = s.(ListenerChecker)
	if vrf == 0 {
		a.flows = newFlowTable(maxAccepted)
	}
}

// flowKey is an accepted flow as its VRF sees it.
type flowKey struct {
	vrf    int
	proto  uint8
	client netip.AddrPort
	server netip.AddrPort
}

// innerKey is an accepted flow as the default stack sees it: the client
// port is the flow's own, or the one it was given.
type innerKey struct {
	proto  uint8
	client netip.AddrPort
	server netip.AddrPort
}

// TCP events an accepted flow has seen.
const (
	flowAcked  uint32 = 1 << iota // the client sent an ACK: past the handshake
	flowFinIn                     // the client sent a FIN
	flowFinOut                    // the server sent a FIN
	flowReset                     // either sent a RST
)

// flow is one accepted flow. Its fields beyond key and port change
// under a read lock, hence atomics.
type flow struct {
	key    flowKey
	port   uint16       // the client port the default stack sees
	seen   atomic.Int64 // the last packet, in Unix nanoseconds
	events atomic.Uint32
}

// inner returns f's key in the default stack.
func (f *flow) inner() innerKey {
	return innerKey{f.key.proto, netip.AddrPortFrom(f.key.client.Addr(), f.port), f.key.server}
}

// expires returns when f ends if no packet comes.
func (f *flow) expires() int64 {
	seen := f.seen.Load()
	if f.key.proto == header.ProtoUDP {
		return seen + int64(acceptUDPIdle)
	}
	switch ev := f.events.Load(); {
	case ev&flowReset != 0:
		return seen
	case ev&(flowFinIn|flowFinOut) == flowFinIn|flowFinOut:
		return seen + int64(acceptTCPLinger)
	case ev&flowAcked == 0:
		return seen + int64(acceptTCPOpening)
	}
	return seen + int64(acceptTCPIdle)
}

// ended reports whether f's TCP connection is over (a reset, or a FIN
// each way), its entry only lingering.
func (f *flow) ended() bool {
	ev := f.events.Load()
	return ev&flowReset != 0 || ev&(flowFinIn|flowFinOut) == flowFinIn|flowFinOut
}

// observe records a packet of f at now with TCP flags (0 for UDP), sent
// by the client (in) or the server. A SYN from the client clears what
// the flow saw: its handshake starts again.
func (f *flow) observe(now int64, flags header.TCPFlags, in bool) {
	f.seen.Store(now)
	if f.key.proto != header.ProtoTCP {
		return
	}
	var ev uint32
	switch {
	case flags&header.TCPFlagRST != 0:
		ev = flowReset
	case in && flags&(header.TCPFlagSYN|header.TCPFlagACK) == header.TCPFlagSYN:
		f.events.Store(0)
		return
	case in && flags&header.TCPFlagFIN != 0:
		ev = flowAcked | flowFinIn
	case in && flags&header.TCPFlagACK != 0:
		ev = flowAcked
	case flags&header.TCPFlagFIN != 0:
		ev = flowFinOut
	default:
		return
	}
	if f.events.Load()&ev != ev {
		f.events.Or(ev)
	}
}

// flowTable holds the flows the default stack took, by both keys.
// Lookups share a read lock and allocate nothing; adding and expiring
// take the write lock.
type flowTable struct {
	mu    sync.RWMutex
	out   map[flowKey]*flow
	in    map[innerKey]*flow
	n     atomic.Int32 // len(out), read without the lock
	limit int
	swept atomic.Int64 // the last sweep, in Unix nanoseconds
}

func newFlowTable(limit int) *flowTable {
	return &flowTable{out: map[flowKey]*flow{}, in: map[innerKey]*flow{}, limit: limit}
}

// lookup returns the flow of k, or nil.
func (t *flowTable) lookup(k flowKey) *flow {
	if t.n.Load() == 0 {
		return nil
	}
	t.mu.RLock()
	f := t.out[k]
	t.mu.RUnlock()
	return f
}

// lookupInner returns the flow the default stack knows as k, or nil.
func (t *flowTable) lookupInner(k innerKey) *flow {
	if t.n.Load() == 0 {
		return nil
	}
	t.mu.RLock()
	f := t.in[k]
	t.mu.RUnlock()
	return f
}

// add records a new flow k at now, giving it a client port no other flow
// holds towards its server in the default stack, and returns it; the
// flow already there if another worker added it first; nil when the
// table is full or no port is free.
func (t *flowTable) add(k flowKey, now int64) *flow {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f := t.out[k]; f != nil {
		return f
	}
	if len(t.out) >= t.limit {
		return nil
	}
	port, ok := t.freePort(k)
	if !ok {
		return nil
	}
	f := &flow{key: k, port: port}
	f.seen.Store(now)
	t.out[k] = f
	t.in[f.inner()] = f
	t.n.Store(int32(len(t.out)))
	return f
}

// remove forgets f.
func (t *flowTable) remove(f *flow) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.out[f.key] == f {
		delete(t.out, f.key)
		delete(t.in, f.inner())
		t.n.Store(int32(len(t.out)))
	}
}

// freePort returns k's client port if no flow uses it towards k's server
// in the default stack, else the next free one above 1023.
func (t *flowTable) freePort(k flowKey) (uint16, bool) {
	ik := innerKey{k.proto, k.client, k.server}
	p := k.client.Port()
	for range maxPortTries {
		if _, taken := t.in[ik]; !taken {
			return p, true
		}
		if p++; p < 1024 {
			p = 1024
		}
		ik.client = netip.AddrPortFrom(k.client.Addr(), p)
	}
	return 0, false
}

// expire removes the flows that ended by now, once per acceptSweep: a
// walk of the whole table under the write lock, which holds at most
// maxAccepted flows.
func (t *flowTable) expire(now int64) {
	if t.n.Load() == 0 || now-t.swept.Load() < int64(acceptSweep) {
		return
	}
	t.swept.Store(now)
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, f := range t.out {
		if f.expires() <= now {
			delete(t.out, k)
			delete(t.in, f.inner())
		}
	}
	t.n.Store(int32(len(t.out)))
}

// len returns the number of flows.
func (t *flowTable) len() int { return int(t.n.Load()) }

package dataplane

import (
	"fmt"
	"sync/atomic"

	"github.com/govrf/govrf/internal/control"
)

// Stack is the host stack of one L3 domain (docs/hoststacks.md): the
// sockets of a VRF, or of the default VRF, living in a kernel of their
// own behind an L3 device. It carries bare IP packets. The data plane writes into it
// what the router's addresses of its domain receive and does not answer
// itself, and sends what it reads from it as the domain's own output
// (ip_local_out with the VRF as oif).
type Stack interface {
	// Read blocks until at least one packet has come out of the stack
	// or the stack is closed, then copies up to len(bufs) IP packets
	// into bufs[i][offset:] with their lengths in sizes[i].
	Read(bufs [][]byte, sizes []int, offset int) (int, error)
	// Write hands one IP packet to the stack's sockets. It must not
	// keep pkt, and must not block for long: a stack that cannot take
	// the packet drops it and says so.
	Write(pkt []byte) (int, error)
	// Close releases the stack and wakes a blocked Read.
	Close() error
}

// StackPoller is a Stack that can also be read without blocking, for
// Poll.
type StackPoller interface {
	Stack
	// TryRead is Read without the wait.
	TryRead(bufs [][]byte, sizes []int, offset int) (int, error)
}

// stackBinding is a host stack attached to an L3 domain.
type stackBinding struct {
	vrf    int // the VRF's link index; 0 for the default VRF
	stack  Stack
	poller StackPoller // nil when the stack cannot be polled
	stats  counters    // Rx: packets it sent; Tx: packets it was given
	gone   atomic.Bool
	accept stackAccept // l3mdev accept: its listeners; the default stack's flows
}

// MaxStackMTU is the largest packet a host stack may send: its device's
// MTU must not exceed it. Every buffer a stack's reader uses holds one,
// with the Ethernet header the pipeline puts in front.
const MaxStackMTU = 9216

// stackBatchSize is how many packets one Read of a host stack takes.
const stackBatchSize = 32

// AttachStack binds s as the host stack of VRF vrf (a VRF's link index,
// or 0 for the default VRF), which must not have one. From then on the
// packets for the domain's addresses that the pipeline does not answer
// go to s rather than to Config.Local, and what s sends is routed in the
// domain. While Run runs, the stack gets its reader goroutine at once.
func (p *Plane) AttachStack(vrf int, s Stack) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if vrf != 0 {
		if l := p.ctl.Snapshot().Link(vrf); l == nil || l.Kind != control.KindVRF {
			return fmt.Errorf("attach host stack to link %d: %w", vrf, ErrNoLink)
		}
	}
	if p.stack(vrf) != nil {
		return fmt.Errorf("attach host stack to link %d: %w", vrf, ErrAttached)
	}
	sb := &stackBinding{vrf: vrf, stack: s}
	sb.poller, _ = s.(StackPoller)
	sb.accept.init(vrf, s)
	old := p.allStacks()
	stacks := make([]*stackBinding, max(len(old), vrf+1))
	copy(stacks, old)
	stacks[vrf] = sb
	p.stacks.Store(&stacks)
	if p.run != nil {
		p.run.startStack(p, sb)
	}
	return nil
}

// DetachStack unbinds the host stack of VRF vrf and returns it; false if
// there was none. The caller owns it again.
func (p *Plane) DetachStack(vrf int) (Stack, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	sb := p.stack(vrf)
	if sb == nil {
		return nil, false
	}
	sb.gone.Store(true)
	stacks := append([]*stackBinding(nil), p.allStacks()...)
	stacks[vrf] = nil
	p.stacks.Store(&stacks)
	return sb.stack, true
}

// allStacks returns the host stacks by VRF index.
func (p *Plane) allStacks() []*stackBinding {
	if s := p.stacks.Load(); s != nil {
		return *s
	}
	return nil
}

// stack returns the host stack of VRF vrf, or nil.
func (p *Plane) stack(vrf int) *stackBinding {
	if s := p.allStacks(); vrf >= 0 && vrf < len(s) {
		return s[vrf]
	}
	return nil
}

// toStack writes an IP packet into the host stack of VRF vrf, and
// reports whether there was one to take it. A packet the stack refuses
// is counted against it. An ICMP error about a flow accepted into the
// default stack goes there instead (acceptedError).
func (w *worker) toStack(vrf int, ip []byte) bool {
	if vrf != 0 && w.acceptedError(vrf, ip) {
		vrf = 0
	}
	sb := w.p.stack(vrf)
	if sb == nil || sb.gone.Load() {
		return false
	}
	if _, err := sb.stack.Write(ip); err != nil {
		sb.stats.txDrop(ReasonTxError, 1)
		w.p.vrfs.get(vrf).txDrop(ReasonTxError, 1)
		return true
	}
	sb.stats.addTx(1, uint64(len(ip)))
	return true
}

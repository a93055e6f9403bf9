package neigh

import (
	"sync"

	"github.com/govrf/govrf/internal/header"
)

// Packet is a frame held while its next hop is resolved. The cache copies
// frames into Packets drawn from a pool shared by all caches, so queueing
// allocates nothing once the pool is warm; a Packet handed out in an
// Action goes back to the pool with Release.
type Packet struct {
	b []byte
}

// maxPooledCap is the largest buffer kept for reuse: an IPv4 or IPv6
// packet of 65535 octets plus its link-layer header fits. Larger buffers
// (GSO-sized frames) are left to the garbage collector.
const maxPooledCap = 1 << 17

var packetPool = sync.Pool{New: func() any { return new(Packet) }}

// newPacket copies frame into a pooled Packet.
func newPacket(frame []byte) *Packet {
	p := packetPool.Get().(*Packet)
	p.b = append(p.b[:0], frame...)
	return p
}

// Bytes returns the frame, as given to Resolve. The caller may modify it
// (to write the destination MAC) until it calls Release.
func (p *Packet) Bytes() []byte { return p.b }

// Release returns p to the pool. Neither p nor its Bytes may be used
// afterwards.
func (p *Packet) Release() {
	if cap(p.b) > maxPooledCap {
		p.b = nil
	}
	p.b = p.b[:0]
	packetPool.Put(p)
}

// enqueue appends a copy of frame to e's queue, first dropping the oldest
// packets while the entry's bounds (unres_qlen, unres_qlen_bytes) or the
// table's (QueueBytesTotal) would be exceeded, as __neigh_event_send does.
// When the table's bound cannot be met by dropping e's own packets, or the
// Budget refuses the bytes, the new frame is the one dropped. Every drop
// counts in UnresDiscards.
func (t *table) enqueue(e *entry, frame []byte) {
	n := len(frame)
	for len(e.queue) > 0 && (len(e.queue) >= t.p.QueueLen ||
		e.queueBytes+n > t.p.QueueBytes ||
		t.queueBytes+n > t.p.QueueBytesTotal) {
		t.dequeue(e).Release()
		t.stats.UnresDiscards++
	}
	if t.queueBytes+n > t.p.QueueBytesTotal || t.p.QueueLen <= 0 || !t.budget.takeBytes(t.queueBytes, n) {
		t.stats.UnresDiscards++
		return
	}
	e.queue = append(e.queue, newPacket(frame))
	e.queueBytes += n
	t.queueBytes += n
}

// dequeue removes and returns e's oldest packet; e's queue is not empty.
func (t *table) dequeue(e *entry) *Packet {
	p := e.queue[0]
	copy(e.queue, e.queue[1:])
	e.queue[len(e.queue)-1] = nil
	e.queue = e.queue[:len(e.queue)-1]
	e.queueBytes -= len(p.b)
	t.queueBytes -= len(p.b)
	t.budget.releaseBytes(len(p.b))
	return p
}

// drain hands e's queued packets over as Actions of kind op, oldest
// first; OpTransmit carries e's MAC.
func (t *table) drain(acts []Action, e *entry, op Op) []Action {
	var mac header.MAC
	if op == OpTransmit {
		mac = e.mac
	}
	for i, p := range e.queue {
		acts = append(acts, Action{Op: op, Addr: e.addr, MAC: mac, Packet: p})
		e.queue[i] = nil
	}
	t.forget(e)
	return acts
}

// purge releases e's queued packets unsent.
func (t *table) purge(e *entry) {
	for i, p := range e.queue {
		p.Release()
		e.queue[i] = nil
	}
	t.forget(e)
}

// forget empties e's queue after its packets were handed on.
func (t *table) forget(e *entry) {
	e.queue = e.queue[:0]
	t.queueBytes -= e.queueBytes
	t.budget.releaseBytes(e.queueBytes)
	e.queueBytes = 0
}

package dataplane

import (
	"container/heap"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// fragKey names a datagram being reassembled, as Linux keys its queues,
// with the VRF always: IPv4 by (source, destination, ID, protocol, VRF)
// (ip4_frag_compare_key's vif), IPv6 by (source, destination, ID, VRF),
// and by the ingress port too for a link-local or multicast destination
// (fq_find's iif).
type fragKey struct {
	vrf      int
	iif      int
	src, dst netip.Addr
	id       uint32
	proto    uint8
}

// fragDir is what one VRF's queues of one family hold (struct fqdir's
// mem): every VRF has its own budget of ipfrag_high_thresh octets, as a
// network namespace has in Linux, so a flood in one VRF cannot take the
// reassembly of another (I5).
type fragDir struct {
	vrf int
	v6  bool
}

// Costs charged against a VRF's reassembly budget. Linux charges each
// fragment its buffer's true size (the data plus struct sk_buff and
// skb_shared_info, 576 octets on 64-bit builds) and each queue its
// struct; govrf charges the fragment's IP length plus fragCost, and
// queueCost per queue.
const (
	fragCost  = 576
	queueCost = 256
)

// reassembler holds every VRF's reassembly queues. One mutex guards it:
// fragments for the router are rare next to forwarded traffic, and a
// fragment's work under the lock is a copy of its data.
type reassembler struct {
	mu     sync.Mutex
	queues map[fragKey]*fragQueue
	mem    map[fragDir]int
	total  int // the sum of mem
	timers fragHeap
	peers  map[fragPeerKey]*fragPeer // IPv4 sources with queues (reasm_peer.go)
	n      atomic.Int32              // len(queues), read without the lock
}

// find returns k's queue, made when new with its timer at expires
// (inet_frag_find: the timer is armed once, when the queue is made) and,
// for IPv4 when peers is set, its source's fragment counter. It returns
// nil, as inet_frag_find does, while the VRF's queues of k's family hold
// more than high octets, or when high is 0; and while every VRF's queues
// together hold more than capped allows (govrf's own cap, 0 for none):
// up to 7/8 of it anyone may take, the last eighth only a VRF and family
// holding less than its fair share (the cap divided by one more than
// those holding anything), so that flooded VRFs stop at 7/8 and quiet
// ones still reassemble.
func (r *reassembler) find(k fragKey, high, capped int, expires int64, peers bool) *fragQueue {
	d := fragDir{k.vrf, k.src.Is6()}
	if high == 0 || r.mem[d] > high {
		return nil
	}
	if capped > 0 && r.total > capped-capped/8 && (r.total > capped || r.mem[d] >= capped/(len(r.mem)+1)) {
		return nil
	}
	if q := r.queues[k]; q != nil {
		return q
	}
	if r.queues == nil {
		r.queues, r.mem = map[fragKey]*fragQueue{}, map[fragDir]int{}
	}
	q := &fragQueue{key: k, expires: expires}
	r.queues[k] = q
	heap.Push(&r.timers, q)
	r.n.Store(int32(len(r.queues)))
	r.charge(q, queueCost)
	if peers && k.src.Is4() {
		r.join(q)
	}
	return q
}

// charge adds n octets to q's cost, its VRF's budget and the total.
func (r *reassembler) charge(q *fragQueue, n int) {
	q.cost += n
	r.mem[fragDir{q.key.vrf, q.key.src.Is6()}] += n
	r.total += n
}

// kill ends q (inet_frag_kill), giving back what it held.
func (r *reassembler) kill(q *fragQueue) {
	if r.queues[q.key] != q {
		return
	}
	d := fragDir{q.key.vrf, q.key.src.Is6()}
	if r.mem[d] -= q.cost; r.mem[d] == 0 {
		delete(r.mem, d)
	}
	r.total -= q.cost
	delete(r.queues, q.key)
	heap.Remove(&r.timers, q.index)
	r.leave(q)
	r.n.Store(int32(len(r.queues)))
}

// expired ends the queues whose timers are due at now and appends them to
// out.
func (r *reassembler) expired(now int64, out []*fragQueue) []*fragQueue {
	if r.n.Load() == 0 {
		return out
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for len(r.timers) > 0 && r.timers[0].expires <= now {
		q := r.timers[0]
		r.kill(q)
		out = append(out, q)
	}
	return out
}

// next returns when the first queue times out; false when none is held.
func (r *reassembler) next() (time.Time, bool) {
	if r.n.Load() == 0 {
		return time.Time{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.timers) == 0 {
		return time.Time{}, false
	}
	return time.Unix(0, r.timers[0].expires), true
}

// fragHeap orders queues by expiry (container/heap).
type fragHeap []*fragQueue

func (h fragHeap) Len() int           { return len(h) }
func (h fragHeap) Less(i, j int) bool { return h[i].expires < h[j].expires }
func (h fragHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}

// Push adds a queue; for container/heap.
func (h *fragHeap) Push(x any) {
	q := x.(*fragQueue)
	q.index = len(*h)
	*h = append(*h, q)
}

// Pop removes the last queue; for container/heap.
func (h *fragHeap) Pop() any {
	old := *h
	q := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return q
}

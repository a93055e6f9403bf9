package dataplane

import (
	"container/heap"
	"net/netip"
)

// fragPeerKey names a source of IPv4 fragments in a VRF (inet_peer, keyed
// by address and l3mdev).
type fragPeerKey struct {
	vrf int
	src netip.Addr
}

// fragPeer counts the fragments a source sent into a VRF (inet_peer's
// rid) while any of its datagrams is being reassembled; queues holds
// how many are.
type fragPeer struct {
	rid    uint32
	queues int
}

// join gives new IPv4 queue q its source's counter, made when new
// (ip4_frag_init takes one only while ipfrag_max_dist is not 0).
func (r *reassembler) join(q *fragQueue) {
	k := fragPeerKey{q.key.vrf, q.key.src}
	p := r.peers[k]
	if p == nil {
		if r.peers == nil {
			r.peers = map[fragPeerKey]*fragPeer{}
		}
		p = &fragPeer{}
		r.peers[k] = p
	}
	p.queues++
	q.peer = p
}

// leave gives back q's hold on its source's counter.
func (r *reassembler) leave(q *fragQueue) {
	if q.peer == nil {
		return
	}
	if q.peer.queues--; q.peer.queues == 0 {
		delete(r.peers, fragPeerKey{q.key.vrf, q.key.src})
	}
	q.peer = nil
}

// tooFar is ip_frag_too_far: it counts a fragment of q's source and
// reports whether more than maxDist of the source's fragments arrived
// since q's previous one, a sign that q's missing fragments were lost
// and its ID may soon be reused.
func (q *fragQueue) tooFar(maxDist int) bool {
	if q.peer == nil || maxDist <= 0 {
		return false
	}
	start := q.rid
	q.peer.rid++
	q.rid = q.peer.rid
	return len(q.runs) > 0 && q.rid-start > uint32(maxDist)
}

// reinit is ip_frag_reinit: q forgets its fragments, gives back what they
// held, and starts its time again, to expires.
func (r *reassembler) reinit(q *fragQueue, expires int64) {
	d := fragDir{q.key.vrf, q.key.src.Is6()}
	r.mem[d] -= q.cost - queueCost
	r.total -= q.cost - queueCost
	q.cost = queueCost
	q.runs, q.parts, q.first = q.runs[:0], nil, nil
	q.length, q.meat, q.last, q.ecn, q.iif = 0, 0, false, 0, 0
	q.expires = expires
	heap.Fix(&r.timers, q.index)
}

package dataplane

import "slices"

// fragRun is a run of fragments received back to back: [start, end) of
// the datagram's data, the unit inet_frag_queue_insert compares a new
// fragment with.
type fragRun struct{ start, end int }

// fragPart is the data of one fragment kept, at its offset. A queue holds
// only what was received, so its memory is what its fragments brought,
// however far apart they lie.
type fragPart struct {
	off  int
	data []byte
}

// fragQueue is one datagram being reassembled (inet_frag_queue): the
// data received so far, placed at its offsets, and what Linux keeps to
// decide when it is whole and what it is when it is.
type fragQueue struct {
	key     fragKey
	runs    []fragRun  // sorted by start; they never overlap
	parts   []fragPart // the data, in the order received
	length  int        // the datagram's length, as far as known (q.len)
	meat    int        // octets received (q.meat)
	last    bool       // the final fragment arrived (INET_FRAG_LAST_IN)
	first   []byte     // the first fragment as received, once it arrived (INET_FRAG_FIRST_IN)
	head    int        // the length of the first fragment's headers in first
	ecn     uint8      // the ECN codepoints seen, one bit each (ip4_frag_ecn)
	maxSize int        // the largest fragment, headers included (q.max_size)
	maxDF   int        // the largest fragment with DF set (max_df_size)
	cost    int        // what the queue holds of its VRF's budget
	iif     int        // the link the last fragment came in by (qp->iif)
	dom     domain     // the VRF delivering it, which routes Time Exceeded
	l2      pktType    // the first fragment's link-layer destination kind
	local   bool       // the first fragment's destination is the router's (RTCF_LOCAL)
	group   bool       // ... or a broadcast or multicast address
	peer    *fragPeer  // IPv4: its source's fragment counter (ipfrag_max_dist)
	rid     uint32     // the counter at its last fragment
	expires int64      // when it times out, in Unix nanoseconds
	index   int        // its place in the expiry heap
}

// Outcomes of fragQueue.add.
const (
	fragQueued  = iota // kept
	fragDup            // a duplicate, dropped; the queue goes on
	fragOverlap        // overlaps what the queue holds: the queue dies (RFC 5722)
	fragBad            // contradicts what the queue knows: the queue dies
)

// maxDatagram is the largest offset plus length a queue takes: an IPv4
// or IPv6 fragment's offset and length fields can reach no further.
const maxDatagram = 0xfff8 + 0xffff

// add places data at offset (ip_frag_queue, ip6_frag_queue up to the
// insertion, which share Linux's checks): a final fragment (more unset)
// fixes the length, and one that disagrees with the length known kills
// the queue; a non-final fragment's end is cut to a multiple of 8 (IPv6
// fragments were refused before for that). An empty fragment kills the
// queue too. Then inet_frag_queue_insert: a fragment wholly within a run
// already held is a duplicate; one that overlaps anything held otherwise
// kills the queue.
func (q *fragQueue) add(offset int, data []byte, more bool) int {
	end := offset + len(data)
	if end > maxDatagram {
		return fragBad
	}
	if !more {
		if end < q.length || q.last && end != q.length {
			return fragBad
		}
		q.last, q.length = true, end
	} else {
		end &^= 7
		if end > q.length {
			if q.last {
				return fragBad
			}
			q.length = end
		}
	}
	if end <= offset {
		return fragBad
	}
	if r := q.insert(offset, end); r != fragQueued {
		return r
	}
	q.parts = append(q.parts, fragPart{offset, slices.Clone(data[:end-offset])})
	q.meat += end - offset
	return fragQueued
}

// whole reports whether the datagram is complete: its first and final
// fragments in and every octet between.
func (q *fragQueue) whole() bool { return q.last && q.first != nil && q.meat == q.length }

// insert records [offset, end) among the runs, as inet_frag_queue_insert
// does: after the last fragment, appended to its run when contiguous;
// elsewhere a run of its own, unless it lies within a run (a duplicate)
// or crosses one (an overlap).
func (q *fragQueue) insert(offset, end int) int {
	n := len(q.runs)
	if n == 0 || q.runs[n-1].end < end {
		switch {
		case n == 0 || offset > q.runs[n-1].end:
			q.runs = append(q.runs, fragRun{offset, end})
		case offset == q.runs[n-1].end:
			q.runs[n-1].end = end
		default:
			return fragOverlap
		}
		return fragQueued
	}
	i, _ := slices.BinarySearchFunc(q.runs, offset, func(r fragRun, off int) int { return r.end - off - 1 })
	// q.runs[i] is the first run ending after offset.
	if i < n && q.runs[i].start < end {
		if q.runs[i].start <= offset && end <= q.runs[i].end {
			return fragDup
		}
		return fragOverlap
	}
	q.runs = slices.Insert(q.runs, i, fragRun{offset, end})
	return fragQueued
}

// copyTo writes the octets the queue holds into d at their offsets.
func (q *fragQueue) copyTo(d []byte) {
	for _, p := range q.parts {
		copy(d[p.off:], p.data)
	}
}

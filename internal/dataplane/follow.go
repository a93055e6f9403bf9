package dataplane

import (
	"sync"
	"sync/atomic"

	"github.com/govrf/govrf/internal/port"
)

// Following: the answer to a frame sent on a port often arrives on that
// port within microseconds, before its own reader could wake up. A veth
// peer's kernel answers an echo, forwards a packet or acknowledges a
// segment in the softirq that the send itself runs (dev_direct_xmit,
// then the peer's receive path), so the answer is queued on the port's
// socket by the time the send returns, while the port's reader, parked,
// would take tens to hundreds of microseconds to run again for it.
// So a reader of Run, after a batch, reads each port the batch sent to,
// once, without waiting, and runs what it finds through the pipeline
// with the same worker, following the answers from port to port up to
// maxFollow reads. A port whose answers did not come at once
// followMisses times in a row (a NIC, a host far away) is followed only
// one time in followProbe after that: a read that finds nothing costs a
// system call.
//
// A port is read by its own reader and by the workers that follow it,
// never two at once: reading.mu is held around each read and the
// batch it feeds, which also keeps the port's frames in order.

// maxFollow is how many ports a reader reads after a batch, the ports
// its batch sent to and those their batches sent to, before it goes
// back to its own port.
const maxFollow = 8

// followProbe is how often a port whose answers did not come at once is
// followed all the same, to find out whether they do now.
const followProbe = 16

// followMisses is how many reads in a row that find nothing stop
// following a port.
const followMisses = 4

// reading is the read side of a Waiter port under Run.
type reading struct {
	mu     sync.Mutex
	misses atomic.Int32  // reads in a row that found nothing, up to followMisses
	probe  atomic.Uint32 // counts the chances to follow while misses is at followMisses
}

// readBatch reads a batch from port b into w and runs it, holding b's
// read lock: waiting for it if wait is set, else giving up when another
// worker reads b. It returns the number of frames read.
func readBatch(w *worker, b *binding, wt port.Waiter, wait bool) (int, error) {
	if wait {
		b.rd.mu.Lock()
	} else if !b.rd.mu.TryLock() {
		return 0, nil
	}
	defer b.rd.mu.Unlock()
	w.sent = w.sent[:0]
	w.grow(b.port.BatchSize(), frameLen(b))
	n, err := wt.TryRead(w.bufs, w.sizes, 0)
	if err != nil || n == 0 {
		return 0, err
	}
	w.batch(b, n)
	return n, nil
}

// follow reads the ports w's last batch from b sent to, and the ports
// those batches sent to, each once, up to maxFollow reads; see
// "Following". b itself is left to its reader, which reads it next.
func (r *runState) follow(w *worker, b *binding) {
	var seen [maxFollow + 1]*binding
	seen[0] = b
	head, tail := 1, 1
	for {
		for _, x := range w.sent {
			if tail < len(seen) && !contains(seen[:tail], x) {
				seen[tail] = x
				tail++
			}
		}
		w.sent = w.sent[:0]
		if head == tail {
			return
		}
		x := seen[head]
		head++
		wt, ok := x.port.(port.Waiter)
		if !ok || x.gone.Load() || !x.rd.worthFollowing() {
			continue
		}
		n, err := readBatch(w, x, wt, false)
		x.rd.followed(n > 0 && err == nil)
	}
}

func contains(bs []*binding, b *binding) bool {
	for _, x := range bs {
		if x == b {
			return true
		}
	}
	return false
}

// worthFollowing reports whether to follow the port now.
func (rd *reading) worthFollowing() bool {
	return rd.misses.Load() < followMisses || rd.probe.Add(1)%followProbe == 0
}

// followed records what following the port found.
func (rd *reading) followed(found bool) {
	if found {
		rd.misses.Store(0)
	} else if rd.misses.Load() < followMisses {
		rd.misses.Add(1)
	}
}

package dataplane

import (
	"runtime"
	"sync"
)

// workerPool lends workers, with their buffers, to the readers of ports
// that can wait without buffers (port.Waiter). It holds a fixed number
// of workers, made as first needed, and a reader waits for one when all
// are lent: buffers then follow the processors, not the ports, and
// thousands of idle TAP ports cost no buffers at all.
type workerPool struct {
	once sync.Once
	free chan *worker // idle workers; nil stands for one not yet made
}

// poolWorkers is how many workers a pool lends at most: a few per
// processor, so that a reader preempted in the middle of a batch does
// not stall the others.
func poolWorkers() int { return max(8, 4*runtime.GOMAXPROCS(0)) }

// get returns a worker of plane p, waiting for one if all are lent.
func (wp *workerPool) get(p *Plane) *worker {
	wp.once.Do(func() {
		n := poolWorkers()
		wp.free = make(chan *worker, n)
		for range n {
			wp.free <- nil
		}
	})
	w := <-wp.free
	if w == nil {
		w = newWorker(p)
	}
	return w
}

// put takes back a worker between batches, which has forgotten the
// batch's snapshot (worker.forget).
func (wp *workerPool) put(w *worker) {
	w.forget()
	wp.free <- w
}

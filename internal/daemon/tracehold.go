package daemon

import (
	"sync"
	"time"
)

// traceHold keeps the fast path aside while a trace runs, as a capture
// does: the frames the eBPF program forwards never reach the stages a
// trace records, so while `trace add` waits for frames every frame
// takes the Go data path, and the trace sees them all.
type traceHold struct {
	mu      sync.Mutex
	release func() // the fast path's hold while a trace runs; nil else
	gen     int    // which trace the watcher serves
}

// traceWatch is how often a running trace is checked for its end.
const traceWatch = 100 * time.Millisecond

// start holds the fast path for a new trace until its last frame came
// (left falls to 0) or stop is called. A trace replacing another keeps
// the hold it had.
func (h *traceHold) start(d *Daemon) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.release == nil {
		h.release = d.fp.hold()
	}
	h.gen++
	gen := h.gen
	go func() {
		for {
			time.Sleep(traceWatch)
			if _, left := d.plane.Traces(); left > 0 {
				continue
			}
			h.mu.Lock()
			if h.gen == gen {
				h.stopLocked()
			}
			h.mu.Unlock()
			return
		}
	}()
}

// stop gives the fast path back (trace clear).
func (h *traceHold) stop() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.gen++
	h.stopLocked()
}

func (h *traceHold) stopLocked() {
	if h.release != nil {
		h.release()
		h.release = nil
	}
}

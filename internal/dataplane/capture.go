package dataplane

import (
	"slices"
	"time"
)

// Captured is one frame a capture saw: a copy, owned by the receiver.
type Captured struct {
	Link  int       // the port's link index
	Out   bool      // sent by the port, rather than received
	Time  time.Time // when the data plane read or wrote it
	Frame []byte
}

// capture is one running capture: the frames of VRF vrf's ports (0: the
// default VRF's) go to fn.
type capture struct {
	vrf int
	fn  func(Captured)
}

// StartCapture copies every frame that enters or leaves a port of VRF
// vrf (0 for the default VRF) to fn, received frames as they arrive
// (before the pipeline touches them) and sent ones as they leave, until
// stop is called. fn is called from the data plane's goroutines and must
// not block. While no capture runs, the data path pays one atomic load
// per batch for this.
func (p *Plane) StartCapture(vrf int, fn func(Captured)) (stop func()) {
	c := &capture{vrf: vrf, fn: fn}
	p.editCaptures(func(cs []*capture) []*capture { return append(cs, c) })
	return func() {
		p.editCaptures(func(cs []*capture) []*capture {
			return slices.DeleteFunc(cs, func(x *capture) bool { return x == c })
		})
	}
}

// editCaptures replaces the capture list with edit's result, copy on
// write; no list is stored when it is empty.
func (p *Plane) editCaptures(edit func([]*capture) []*capture) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var cs []*capture
	if old := p.captures.Load(); old != nil {
		cs = slices.Clone(*old)
	}
	if cs = edit(cs); len(cs) == 0 {
		p.captures.Store(nil)
	} else {
		p.captures.Store(&cs)
	}
}

// captureFrames hands copies of frames, sent or received by port link
// of VRF vrf, to the captures of that VRF.
func (w *worker) captureFrames(cs []*capture, link, vrf int, out bool, frames [][]byte) {
	now := w.p.clock.Now()
	for _, c := range cs {
		if c.vrf != vrf {
			continue
		}
		for _, f := range frames {
			c.fn(Captured{Link: link, Out: out, Time: now, Frame: slices.Clone(f)})
		}
	}
}

// captureRx hands the n frames of the batch just read from b, in VRF
// vrf, to the running captures, if any.
func (w *worker) captureRx(b *binding, vrf, n int) {
	cs := w.p.captures.Load()
	if cs == nil {
		return
	}
	frames := make([][]byte, n)
	for i := range n {
		frames[i] = w.bufs[i][:w.sizes[i]]
	}
	w.captureFrames(*cs, b.index, vrf, false, frames)
}

package dataplane

import (
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/gso"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

// minBufLen is the smallest receive buffer: room for an IPv6 error of the
// minimum MTU built in place of the packet it quotes, Ethernet header
// included.
const minBufLen = 2048

// worker is the state of one goroutine of the pipeline: its buffers, its
// route lookups, the frames it will write at the end of the batch. Nothing
// in it is shared, so the per-packet path takes no lock and, once the
// buffers have grown to their working size, allocates nothing.
type worker struct {
	p      *Plane
	snap   *control.Snapshot // loaded once per batch
	router control.Router
	in     control.Input        // the input route Router.Input last decided (routecache.go)
	routes *routeCache          // recent flows' input routes, made at first use (routecache.go)
	hops   [1 << hopBits]hopRef // the batch's next hops (hopref.go)

	bufs  [][]byte // receive buffers, all of one length
	sizes []int

	pk    packet    // the frame in flight
	errPk packet    // a queued frame being answered after failed resolution
	rx    rxBatch   // the ingress port's counts for this batch
	vrfIn *counters // the ingress VRF's counters

	// expired holds the reassembly queues a tick timed out (reasm_path.go).
	expired []*fragQueue

	tx      []txQueue // frames to write, by egress port; ntx in use
	ntx     int
	scratch [][]byte // buffers for fragments and solicitations; nscr in use
	nscr    int
	held    []*neigh.Packet // queued frames in tx, released after the write
	acts    []neigh.Action
	ipID    uint16    // identification of the IPv4 datagrams the router originates
	tracer  *tracing  // the plane's, loaded once per batch: nil unless tracing
	decap   bool      // a decapsulated frame is in flight (vxlan.go)
	mark    superMark // how a super-frame's first segment left (super.go)

	// sent lists the ports flush wrote to, when follow is set: a
	// reader of Run then reads them for the answers (follow.go).
	sent   []*binding
	follow bool
}

// txQueue is what one egress port will send at the end of the batch.
type txQueue struct {
	b      *binding
	frames [][]byte
	// whole: the last of frames, the first segment of super, stands
	// for super, which leaves whole in its place (super.go).
	whole bool
	super gso.Super
}

// domain is an L3 domain: a VRF, or the default VRF (index 0).
type domain struct {
	vrf   int
	table fib.TableID
}

func newWorker(p *Plane) *worker { return &worker{p: p} }

// grow makes room for batches of n frames of up to frameLen octets.
func (w *worker) grow(n, frameLen int) {
	size := max(frameLen, minBufLen)
	if len(w.bufs) >= n && (len(w.bufs) == 0 || len(w.bufs[0]) >= size) {
		return
	}
	if len(w.bufs) > 0 {
		size = max(size, len(w.bufs[0]))
	}
	n = max(n, len(w.bufs))
	w.bufs = make([][]byte, n)
	for i := range w.bufs {
		w.bufs[i] = make([]byte, size)
	}
	w.sizes = make([]int, n)
}

// batch runs the pipeline over n frames read from b into w.bufs, then
// writes what they produced.
func (w *worker) batch(b *binding, n int) {
	w.snap = w.p.ctl.Snapshot()
	w.syncLinks()
	l := w.snap.Link(b.index)
	dom := w.domainOf(b.index)
	w.vrfIn = w.p.vrfs.get(dom.vrf)
	w.captureRx(b, dom.vrf, n)
	w.tracer = w.p.tracer.Load()
	src, super := w.superOffered(b)
	last := n
	if super {
		last = n - 1
	}
	for i := range last {
		w.receive(b, l, dom, w.bufs[i], w.sizes[i])
	}
	if super {
		w.receiveSuper(src, b, l, dom, last)
	}
	b.stats.addRx(&w.rx)
	w.vrfIn.addRx(&w.rx)
	w.rx = rxBatch{}
	w.flush()
	w.forget()
}

// forget drops the batch's snapshot and what refers to it, so that a
// worker waiting for its next batch, however long, keeps no old state
// alive: a snapshot published midway through a bulk load holds a copy of
// its tables.
func (w *worker) forget() {
	w.snap, w.vrfIn = nil, nil
	w.router.Forget()
	w.hops = [1 << hopBits]hopRef{}
}

// domainOf returns the L3 domain of a link in the batch's snapshot.
func (w *worker) domainOf(index int) domain {
	if v := w.snap.VRFOf(index); v != nil {
		return domain{v.Index, v.Table}
	}
	return domain{}
}

// queueFrom is queue for a frame that came in by link iif (0: made by the
// router): a VXLAN port encapsulates it at once, and answers iif when
// the tunnel's path is too small for it.
func (w *worker) queueFrom(b *binding, frame []byte, iif int) {
	if b.vx != nil {
		w.vxlanXmit(b, frame, iif)
		return
	}
	w.queue(b, frame)
}

// queue adds a frame to its egress port's batch (dev_queue_xmit). The
// frame must stay untouched until flush; a VXLAN port's frame is
// encapsulated at once instead.
func (w *worker) queue(b *binding, frame []byte) {
	if b.vx != nil {
		w.vxlanXmit(b, frame, 0)
		return
	}
	for i := range w.ntx {
		if w.tx[i].b == b {
			w.tx[i].frames = append(w.tx[i].frames, frame)
			return
		}
	}
	if w.ntx == len(w.tx) {
		w.tx = append(w.tx, txQueue{})
	}
	q := &w.tx[w.ntx]
	w.ntx++
	q.b = b
	q.frames = append(q.frames, frame)
}

// flush writes every egress port's batch, once per port, counts it, and
// frees the batch's buffers for the next.
func (w *worker) flush() {
	for i := range w.ntx {
		q := &w.tx[i]
		w.xmit(q)
		if w.follow {
			w.sent = append(w.sent, q.b)
		}
		clear(q.frames)
		q.frames = q.frames[:0]
		q.b = nil
		q.whole, q.super = false, gso.Super{}
	}
	w.ntx = 0
	for i, p := range w.held {
		p.Release()
		w.held[i] = nil
	}
	w.held = w.held[:0]
	w.nscr = 0
}

// xmit writes one port's batch. A port takes one writer at a time, and
// workers of other ports may be sending to it too.
func (w *worker) xmit(q *txQueue) {
	b := q.b
	dom := w.domainOf(b.index)
	frames := q.frames
	if q.whole {
		frames = frames[:len(frames)-1]
	}
	if cs := w.p.captures.Load(); cs != nil {
		// Before the write, as the kernel's taps see frames leave
		// (dev_queue_xmit_nit): an answer cannot be seen before the
		// frame it answers.
		w.captureFrames(*cs, b.index, dom.vrf, true, frames)
	}
	vrf := w.p.vrfs.get(dom.vrf)
	if len(frames) > 0 {
		b.txMu.Lock()
		n, err := b.port.Write(frames, 0)
		b.txMu.Unlock()
		var bytes uint64
		for _, f := range frames[:n] {
			bytes += uint64(len(f))
		}
		b.stats.addTx(uint64(n), bytes)
		vrf.addTx(uint64(n), bytes)
		if err != nil {
			lost := uint64(len(frames) - n)
			b.stats.txDrop(ReasonTxError, lost)
			vrf.txDrop(ReasonTxError, lost)
		}
	}
	if q.whole {
		w.xmitSuper(q, vrf)
	}
}

// buffer returns a scratch buffer of n octets for the rest of the batch.
func (w *worker) buffer(n int) []byte {
	if w.nscr == len(w.scratch) {
		w.scratch = append(w.scratch, nil)
	}
	b := w.scratch[w.nscr]
	if cap(b) < n {
		b = make([]byte, max(n, minBufLen))
		w.scratch[w.nscr] = b
	}
	w.nscr++
	return b[:n]
}

// nextID returns an identification for a datagram the router originates
// (RFC 6864 §4: atomic datagrams may carry any value).
func (w *worker) nextID() uint16 {
	w.ipID++
	return w.ipID
}

// Accounting: every received frame ends in exactly one of these.

func (w *worker) forwarded() { w.rx.forwarded++ }
func (w *worker) delivered() { w.rx.delivered++ }

func (w *worker) drop(pk *packet, r Reason) {
	pk.stats.drop(r, 1)
	pk.vrf.drop(r, 1)
	if pk.tr != nil {
		pk.tr.Verdict = "dropped: " + r.String()
	}
}

func (w *worker) answered(pk *packet, r Reason) {
	pk.stats.answer(r)
	pk.vrf.answer(r)
	if pk.tr != nil {
		pk.tr.Verdict = "answered: " + r.String()
	}
}

// txDrop counts a frame lost after it was counted as forwarded or made
// by the router, against a port (if any) and a VRF.
func (w *worker) txDrop(b *binding, vrf int, r Reason) {
	if b != nil {
		b.stats.txDrop(r, 1)
	}
	w.p.vrfs.get(vrf).txDrop(r, 1)
}

// ethernet is the EtherType of an IP packet's family.
func ethernet(ip []byte) uint16 {
	if len(ip) > 0 && ip[0]>>4 == 6 {
		return header.EtherTypeIPv6
	}
	return header.EtherTypeIPv4
}

// syncLinks brings every port's neighbour cache in line with its link in
// the batch's snapshot before any of them is used: a port that changed
// VRF or went down since must be flushed before this batch resolves a
// next hop through it, not when a frame next arrives on it (that would
// flush what this batch queued).
//
// Every port is visited only when the snapshot or the set of ports has
// changed since the last visit, so a batch costs the same with four ports
// as with four thousand.
func (w *worker) syncLinks() { w.p.SyncLinks(w.snap) }

// SyncLinks brings every port's neighbour cache and VRF counters in
// line with snap at once (syncLink), as each batch does before it runs.
// The daemon calls it after a command published snap, so that a
// neighbour set or a link cycled reaches the caches, and the fast path
// that follows them, before the command is answered, not when a frame
// next takes the Go data path. Safe beside the workers: an older
// snapshot than the last synced changes nothing.
func (p *Plane) SyncLinks(snap *control.Snapshot) {
	ports := p.ports.Load()
	gen := snap.Gen()
	if s := p.synced.Load(); s != nil && s.gen == gen && s.ports == ports {
		return
	}
	sc := snap.Sysctl()
	p.neighBudget.SetMax(int(sc.NeighMaxEntries))
	p.neighBudget.SetMaxQueueBytes(int(sc.NeighMaxQueueBytes))
	last := p.synced.Load()
	params := last == nil || last.neigh != sc.Neigh
	if ports != nil {
		for _, x := range *ports {
			if x == nil {
				continue
			}
			if params {
				p.setNeighParams(x.neigh, sc)
			}
			if l := snap.Link(x.index); l != nil {
				x.syncLink(l, gen)
			}
		}
	}
	p.vrfs.prune(snap)
	p.synced.Store(&linkSync{gen, ports, sc.Neigh})
}

// linkSync records the snapshot generation and the port list a visit of
// syncLinks covered.
type linkSync struct {
	gen   uint64
	ports *[]*binding
	neigh [2]control.NeighSysctl // the neighbour sysctls the caches have
}

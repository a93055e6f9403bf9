package dataplane

import (
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/gso"
	"github.com/govrf/govrf/internal/header"
)

// Whole super-frames. A packet port hands a TCP super-frame out as its
// segments, but one that could leave whole (gso.Segmenter.Whole) ends a
// read batch with its first segment, and the port keeps the rest. The
// worker runs that segment through the pipeline like any other; if it
// was simply forwarded — once, at once, to another packet port of the
// same VRF, with no capture or trace running — every other segment would
// have gone the same way (the route, the multipath hash and the TTL are
// the same for all, and the first segment is the longest), so the worker
// takes the super-frame from the port in their place, gives it the
// segment's new Ethernet header and TTL, and sends it whole, counted as
// its segments (docs/dataplane.md, "Super-frames").

// superSource is a port that can hand out a super-frame whole: a packet
// port.
type superSource interface {
	SuperPending() bool
	TakeSuper() (gso.Super, bool)
}

// superSink is a port that can send a super-frame whole.
type superSink interface {
	WriteSuper(gso.Super) error
}

// superMark records how the frame in flight left, while a super-frame's
// first segment runs through the pipeline: set by neighOutput when it
// queues a forwarded frame at once.
type superMark struct {
	armed bool
	n     int // frames queued at once
	b     *binding
	frame []byte
}

// superOffered reports whether the last frame of the batch just read
// from b may stand for a super-frame forwarded whole.
func (w *worker) superOffered(b *binding) (superSource, bool) {
	src, ok := b.port.(superSource)
	if !ok || !src.SuperPending() || w.tracer != nil || w.p.captures.Load() != nil {
		return nil, false
	}
	return src, true
}

// receiveSuper runs the first segment of a super-frame, w.bufs[i], through
// the pipeline and, if it was forwarded as every other segment would be,
// queues the super-frame whole in its place.
func (w *worker) receiveSuper(src superSource, b *binding, l *control.Link, dom domain, i int) {
	fw, dl, scr, held := w.rx.forwarded, w.rx.delivered, w.nscr, len(w.held)
	w.mark = superMark{armed: true}
	w.receive(b, l, dom, w.bufs[i], w.sizes[i])
	m := w.mark
	w.mark = superMark{}
	if m.n != 1 || w.rx.forwarded != fw+1 || w.rx.delivered != dl || w.nscr != scr || len(w.held) != held ||
		m.b == b || m.b.vx != nil || w.domainOf(m.b.index).vrf != dom.vrf {
		return
	}
	if _, ok := m.b.port.(superSink); !ok {
		return
	}
	q := w.txOf(m.b)
	if q == nil || len(q.frames) == 0 || !sameFrame(q.frames[len(q.frames)-1], m.frame) {
		return
	}
	s, ok := src.TakeSuper()
	if !ok {
		return
	}
	rewriteSuper(s.Frame, m.frame)
	q.whole, q.super = true, s
	rest := uint64(s.Segments - 1)
	w.rx.packets += rest
	w.rx.bytes += uint64(s.Octets - w.sizes[i])
	w.rx.forwarded += rest
}

// txOf returns b's queue in this batch, or nil.
func (w *worker) txOf(b *binding) *txQueue {
	for i := range w.ntx {
		if w.tx[i].b == b {
			return &w.tx[i]
		}
	}
	return nil
}

// sameFrame reports whether a and b are the same bytes.
func sameFrame(a, b []byte) bool {
	return len(a) == len(b) && len(a) > 0 && &a[0] == &b[0]
}

// rewriteSuper gives the super-frame sf what forwarding changed in its
// first segment, first: the Ethernet header and the TTL or hop limit, and
// in IPv4 the header checksum, computed over sf's own header since its
// total length is the super-frame's. The TCP checksum stays left to the
// device: it holds the pseudo-header sum, which neither change touches.
func rewriteSuper(sf, first []byte) {
	copy(sf[:header.EthernetLen], first[:header.EthernetLen])
	ip, fip := sf[header.EthernetLen:], first[header.EthernetLen:]
	if ethernet(ip) == header.EtherTypeIPv6 {
		ip[7] = fip[7]
		return
	}
	v := header.IPv4(ip)
	v[8] = fip[8]
	v.SetHeaderChecksum(v.CalculateChecksum())
}

// xmitSuper sends q's super-frame and counts it as its segments.
func (w *worker) xmitSuper(q *txQueue, vrf *counters) {
	b := q.b
	s := q.super
	b.txMu.Lock()
	err := b.port.(superSink).WriteSuper(s)
	b.txMu.Unlock()
	n := uint64(s.Segments)
	if err != nil {
		b.stats.txDrop(ReasonTxError, n)
		vrf.txDrop(ReasonTxError, n)
		return
	}
	b.stats.addTx(n, uint64(s.Octets))
	vrf.addTx(n, uint64(s.Octets))
}

// marked records, while a super-frame's first segment is in flight, that
// neighOutput queued frame, forwarded from link iif, to b at once.
func (w *worker) marked(b *binding, frame []byte, iif int) {
	if w.mark.armed && iif != 0 {
		w.mark.n++
		w.mark.b, w.mark.frame = b, frame
	}
}

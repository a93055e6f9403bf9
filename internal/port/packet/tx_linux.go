package packet

import (
	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/gso"
	"github.com/govrf/govrf/internal/header"
)

// Write sends the frames with sendmmsg(2), a batch per call; see
// port.Port. Unless Config.NoCoalesce is set, runs of adjacent segments
// of one TCP flow leave as super-frames (see the package documentation);
// the counters count the frames given all the same. A frame the link
// cannot carry, or that finds the driver's queue full, is a TX drop; a
// frame the kernel refuses otherwise (the interface is down, say) is a TX
// error.
func (p *Port) Write(bufs [][]byte, offset int) (int, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed.Load() {
		return 0, p.closedError("write")
	}
	t := &p.tx
	for _, b := range bufs {
		f := b[offset:]
		if len(f) > p.maxFrame || len(f) < header.EthernetLen {
			p.stats.TxDropped.Add(1)
			continue
		}
		if t.frames = append(t.frames, f); len(t.frames) == t.limit {
			p.flush()
		}
	}
	p.flush()
	return len(bufs), nil
}

// zeroVnet is the vnet header in front of every frame sent as it is: no
// checksum left to the kernel, no segmentation. The kernel only reads
// it, so every port shares it.
var zeroVnet [vnetLen]byte

// txState is the writer's sendmmsg(2) vector, built once so that writing
// allocates nothing. A message is the vnet header PACKET_VNET_HDR
// expects and a frame given to Write, or, for a super-frame, its header
// in the message's slot of vnet, the super-frame's head, and the
// payloads of its segments, straight from the writer's buffers.
type txState struct {
	limit    int // frames per flush
	coalesce bool
	co       gso.Coalescer
	frames   [][]byte  // of the batch being sent
	runs     []gso.Run // the batch's frames one by one, when not coalescing
	msgs     []unix.Mmsghdr
	iovs     []unix.Iovec // 2 per message and 1 per segment merged: 3 per frame at most
	vnet     []byte       // vnetLen per message

	// The segments of a super-frame the kernel refused, sent one by one.
	plainMsgs []unix.Mmsghdr
	plainIovs []unix.Iovec
	plainRuns []gso.Run

	// pause counts the batches still to send without coalescing after
	// the kernel refused a super-frame.
	pause int

	// cut holds the segments of a super-frame WriteSuper had to cut,
	// made at the first.
	cut [][]byte

	sent   uint64                // messages the kernel took, for tests
	mangle func(gso.Hdr) gso.Hdr // set by tests, to have super-frames refused
}

// refusedPause is how many batches a port sends without coalescing after
// the kernel refused a super-frame: long enough that a device which
// cannot take super-frames costs a wasted send only once in that many,
// short enough that one whose offloads are turned on again is soon used.
const refusedPause = 1024

// uioMaxIov is the most iovecs a message may have (UIO_MAXIOV); a
// super-frame takes two more than its segments.
const uioMaxIov = 1024

func (t *txState) init(batch int, coalesce bool) {
	t.limit, t.coalesce = min(batch, uioMaxIov-2), coalesce
	t.frames = make([][]byte, 0, batch)
	t.runs = make([]gso.Run, 0, batch)
	t.msgs = make([]unix.Mmsghdr, batch)
	t.iovs = make([]unix.Iovec, 3*batch)
	t.vnet = make([]byte, batch*vnetLen)
	t.plainMsgs = make([]unix.Mmsghdr, batch)
	t.plainIovs = make([]unix.Iovec, 2*batch)
	t.plainRuns = make([]gso.Run, 0, batch)
}

// flush sends the frames gathered in t.frames and forgets them.
func (p *Port) flush() {
	t := &p.tx
	if len(t.frames) == 0 {
		return
	}
	var runs []gso.Run
	if t.coalesce && t.pause == 0 {
		runs = t.co.Coalesce(t.frames)
	} else {
		t.pause = max(t.pause-1, 0)
		runs = t.runs[:0]
		for i := range t.frames {
			runs = append(runs, gso.Run{Start: i, N: 1})
		}
	}
	k := 0 // iovecs used
	for i, r := range runs {
		m := &t.msgs[i].Hdr
		m.Iov = &t.iovs[k]
		if r.Head == nil {
			setIovec(&t.iovs[k], zeroVnet[:])
			setIovec(&t.iovs[k+1], t.frames[r.Start])
			m.SetIovlen(2)
			k += 2
			continue
		}
		h := r.Hdr
		if t.mangle != nil {
			h = t.mangle(h)
		}
		slot := t.vnet[i*vnetLen : (i+1)*vnetLen]
		h.Encode(slot)
		setIovec(&t.iovs[k], slot)
		setIovec(&t.iovs[k+1], r.Head)
		for j, f := range t.frames[r.Start : r.Start+r.N] {
			setIovec(&t.iovs[k+2+j], f[len(r.Head):])
		}
		m.SetIovlen(2 + r.N)
		k += 2 + r.N
	}
	p.transmit(t.msgs[:len(runs)], runs)
	clear(t.frames)
	t.frames = t.frames[:0]
}

// transmit sends msgs, message i standing for the frames of runs[i]. It
// reports whether it found the queue full, dropping what was left.
func (p *Port) transmit(msgs []unix.Mmsghdr, runs []gso.Run) (full bool) {
	sent := 0
	retried := false
	for sent < len(msgs) {
		n, err := sendmmsg(p.fd, msgs[sent:], unix.MSG_DONTWAIT)
		for _, r := range runs[sent : sent+n] {
			p.countSent(r)
		}
		p.tx.sent += uint64(n)
		sent += n
		switch {
		case err == nil, err == unix.EINTR:
		case err == unix.ENETDOWN && !retried:
			// The link went down since the last call, maybe up
			// again: the socket reports that once, failing the
			// frame at hand (sock_alloc_send_pskb), so try it again.
			retried = true
		case err == unix.EAGAIN, err == unix.ENOBUFS && runs[sent].Head == nil:
			p.dropFrom(runs[sent:])
			return true
		case runs[sent].Head != nil:
			// The kernel refused a super-frame. A device that
			// cannot take it whole (no TSO) is the usual reason:
			// PACKET_QDISC_BYPASS hands frames to the driver with
			// dev_direct_xmit, which drops, as ENOBUFS, a frame it
			// would have to segment. The segments go as they came.
			if p.transmitPlain(runs[sent]) {
				p.dropFrom(runs[sent+1:])
				return true
			}
			p.tx.pause = refusedPause
			sent++
		case err == unix.EMSGSIZE:
			p.stats.TxDropped.Add(1)
			sent++
		default:
			p.stats.TxErrors.Add(1)
			sent++
		}
	}
	return false
}

// transmitPlain sends the segments of the super-frame r one by one, and
// reports whether it found the queue full.
func (p *Port) transmitPlain(r gso.Run) (full bool) {
	t := &p.tx
	runs := t.plainRuns[:0]
	for i := range r.N {
		m := &t.plainMsgs[i].Hdr
		m.Iov = &t.plainIovs[2*i]
		m.SetIovlen(2)
		setIovec(&t.plainIovs[2*i], zeroVnet[:])
		setIovec(&t.plainIovs[2*i+1], t.frames[r.Start+i])
		runs = append(runs, gso.Run{Start: r.Start + i, N: 1})
	}
	return p.transmit(t.plainMsgs[:r.N], runs)
}

// dropFrom counts the frames of runs as TX drops.
func (p *Port) dropFrom(runs []gso.Run) {
	for _, r := range runs {
		p.stats.TxDropped.Add(uint64(r.N))
	}
}

// countSent counts the frames of r as sent.
func (p *Port) countSent(r gso.Run) {
	n := 0
	for _, f := range p.tx.frames[r.Start : r.Start+r.N] {
		n += len(f)
	}
	p.stats.TxPackets.Add(uint64(r.N))
	p.stats.TxBytes.Add(uint64(n))
}

// WriteSuper sends s, a TCP super-frame received whole (gso.Super), whole
// behind its vnet header: the kernel passes it on to a device with TSO or
// cuts it as gso.Segmenter would. The counters count the segments it
// stands for, as if they had been written one by one. If the kernel
// refuses it, the port cuts it itself and sends the segments, as Write
// does a merged super-frame the kernel refused.
func (p *Port) WriteSuper(s gso.Super) error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed.Load() {
		return p.closedError("write")
	}
	p.flush()
	t := &p.tx
	if s.First > p.maxFrame || s.First < header.EthernetLen {
		p.stats.TxDropped.Add(uint64(s.Segments))
		return nil
	}
	if t.pause > 0 {
		p.writeCut(s)
		return nil
	}
	h := s.Hdr
	if t.mangle != nil {
		h = t.mangle(h)
	}
	slot := t.vnet[:vnetLen]
	h.Encode(slot)
	setIovec(&t.iovs[0], slot)
	setIovec(&t.iovs[1], s.Frame)
	m := &t.msgs[0].Hdr
	m.Iov = &t.iovs[0]
	m.SetIovlen(2)
	retried := false
	for {
		n, err := sendmmsg(p.fd, t.msgs[:1], unix.MSG_DONTWAIT)
		switch {
		case n == 1:
			t.sent++
			p.stats.TxPackets.Add(uint64(s.Segments))
			p.stats.TxBytes.Add(uint64(s.Octets))
			return nil
		case err == unix.EINTR:
		case err == unix.ENETDOWN && !retried:
			retried = true
		case err == unix.EAGAIN:
			p.stats.TxDropped.Add(uint64(s.Segments))
			return nil
		default:
			t.pause = refusedPause
			p.writeCut(s)
			return nil
		}
	}
}

// writeCut sends the segments of the super-frame s one by one.
func (p *Port) writeCut(s gso.Super) {
	t := &p.tx
	var seg gso.Segmenter
	if seg.Reset(s.Frame, s.Hdr) != nil {
		p.stats.TxErrors.Add(uint64(s.Segments))
		return
	}
	if len(t.cut) < t.limit {
		t.cut = make([][]byte, t.limit)
		for i := range t.cut {
			t.cut[i] = make([]byte, p.maxFrame)
		}
	}
	for seg.More() {
		n, err := seg.Next(t.cut[len(t.frames)])
		if err != nil {
			p.stats.TxDropped.Add(1)
			continue
		}
		if t.frames = append(t.frames, t.cut[len(t.frames)][:n]); len(t.frames) == t.limit {
			p.flush()
		}
	}
	p.flush()
}

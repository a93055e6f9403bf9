package packet

import (
	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/gso"
	"github.com/govrf/govrf/internal/header"
)

// The receive path, for one batch:
//
//  1. Frames carried over from the last call are delivered first.
//  2. recvmmsg reads each frame into the caller's buffer, spilling what
//     does not fit into the message's spill slot.
//  3. Frames that fit are re-tagged and their checksums finished in
//     place, as they arrived.
//  4. From the first that did not fit — a super-frame, or a frame longer
//     than an ordinary one — every frame of the batch moves whole into
//     its spill slot, which frees the caller's buffers, and the
//     super-frames are cut into them. What finds no buffer waits for the
//     next call (step 1).
//  5. A TCP super-frame that could leave whole (gso.Segmenter.Whole)
//     ends the batch with its first segment: the data plane, having
//     forwarded that segment, may take the whole super-frame instead of
//     the rest of its segments (TakeSuper).

// TryRead receives the frames pending, at most one batch, and returns at
// once; see port.Poller. Super-frames come out as the segments they stand
// for.
func (p *Port) TryRead(bufs [][]byte, sizes []int, offset int) (int, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed.Load() {
		return 0, p.closedError("read")
	}
	bufs = bufs[:min(len(bufs), p.batch)]
	n, err := p.tryRead(bufs, sizes, offset)
	if n > 0 && (n == len(bufs) || p.rx.offer) && p.holding() {
		p.wake.Wake() // see Wait
	}
	return n, err
}

// holding reports whether frames wait in the port's memory for the next
// TryRead.
func (p *Port) holding() bool {
	return p.rx.seg.More() || p.rx.next < p.rx.end
}

// tryRead is TryRead under p.mu, for at most a batch.
func (p *Port) tryRead(bufs [][]byte, sizes []int, offset int) (int, error) {
	if len(bufs) == 0 {
		return 0, nil
	}
	p.rx.offer = false
	if n := p.drain(bufs, sizes, offset, 0); n > 0 {
		return n, nil
	}
	r := &p.rx
	for i := range bufs {
		r.prepare(i, bufs[i][offset:])
	}
	got, err := recvmmsg(p.fd, r.msgs[:len(bufs)], unix.MSG_DONTWAIT)
	switch err {
	case unix.EAGAIN, unix.EINTR:
		return 0, nil
	case unix.ENETDOWN:
		// The link went down, or was down at Open (packet_do_bind):
		// the error is reported once, and frames flow again when
		// the link comes back up.
		return 0, nil
	case unix.EINVAL:
		// packet_rcv_vnet found a super-frame that no vnet header
		// describes (a UDP tunnel's, say) and freed it.
		p.stats.RxErrors.Add(1)
		return 0, nil
	}
	if err != nil {
		return 0, p.opError("read", err)
	}
	n := 0
	for i := range got {
		size, h, ok := p.received(i)
		if !ok {
			continue
		}
		if h.GSOType != gso.GSONone || size > r.roomLen(i) {
			p.hold(i, got, bufs, offset)
			return p.drain(bufs, sizes, offset, n), nil
		}
		room := bufs[i][offset:]
		if size, ok = p.finish(i, room, size, h); !ok {
			continue
		}
		if n != i { // an earlier frame was dropped: close the gap
			if size > len(bufs[n])-offset {
				p.stats.RxErrors.Add(1)
				continue
			}
			copy(bufs[n][offset:], room[:size])
		}
		sizes[n] = size
		p.count(bufs[n][offset : offset+size])
		n++
	}
	return n, nil
}

// received returns the length and the vnet header of received frame i,
// or false for a frame that must not reach the reader.
func (p *Port) received(i int) (int, gso.Hdr, bool) {
	r := &p.rx
	if r.names[i].Pkttype == unix.PACKET_OUTGOING {
		return 0, gso.Hdr{}, false
	}
	size := int(r.msgs[i].Len) - vnetLen
	if r.msgs[i].Hdr.Flags&unix.MSG_TRUNC != 0 || size < 0 {
		p.stats.RxErrors.Add(1)
		return 0, gso.Hdr{}, false
	}
	return size, r.vnetHdr(i), true
}

// finish re-tags frame i, whole in room[:size], and finishes the checksum
// its sender left to hardware, as the kernel does before forwarding
// (skb_checksum_help). It returns the frame's new length, or false for a
// frame to drop.
func (p *Port) finish(i int, room []byte, size int, h gso.Hdr) (int, bool) {
	if tci, tpid, tagged := p.rx.vlan(i); tagged {
		var ok bool
		if size, ok = retag(room, size, tci, tpid); !ok {
			p.stats.RxErrors.Add(1)
			return 0, false
		}
		h.CsumStart += header.VLANTagLen
	}
	if h.CompleteChecksum(room[:size]) != nil {
		p.stats.RxErrors.Add(1)
		return 0, false
	}
	return size, true
}

// hold moves frames i to got-1 whole into their spill slots, re-tagged,
// so that they no longer need the caller's buffers; drain delivers them.
func (p *Port) hold(i, got int, bufs [][]byte, offset int) {
	r := &p.rx
	r.next, r.end = i, got
	for j := i; j < got; j++ {
		f := &r.held[j]
		*f = heldFrame{}
		size, h, ok := p.received(j)
		if !ok {
			continue
		}
		slot := r.slot(j)
		k := min(size, r.roomLen(j))
		f.start, f.end = r.head-k, r.head-k+size
		copy(slot[f.start:r.head], bufs[j][offset:offset+k])
		if tci, tpid, tagged := r.vlan(j); tagged {
			if f.start, ok = retagFront(slot, f.start, f.end, tci, tpid); !ok {
				p.stats.RxErrors.Add(1)
				continue
			}
			h.CsumStart += header.VLANTagLen
		}
		f.h, f.ok = h, true
	}
}

// drain fills bufs[n:] with the frames held over, cutting super-frames
// into segments, and returns the new count of frames in bufs.
func (p *Port) drain(bufs [][]byte, sizes []int, offset, n int) int {
	r := &p.rx
	for n < len(bufs) {
		whole := false
		if !r.seg.More() {
			if r.next == r.end {
				break
			}
			j := r.next
			r.next++
			f := &r.held[j]
			if !f.ok {
				continue
			}
			if r.seg.Reset(r.slot(j)[f.start:f.end], f.h) != nil {
				p.stats.RxErrors.Add(1)
				continue
			}
			whole = r.seg.Whole()
		}
		if whole {
			r.super = r.seg.Super()
		}
		size, err := r.seg.Next(bufs[n][offset:])
		if err != nil {
			p.stats.RxErrors.Add(1)
			continue
		}
		sizes[n] = size
		p.count(bufs[n][offset : offset+size])
		n++
		if whole {
			r.offer = true
			break
		}
	}
	return n
}

// TakeSuper returns the super-frame whose first segment was the last
// frame the last read handed out, if it may leave whole (see the receive
// path, step 5), and drops the segments of it not yet handed out,
// counting them received as if they had been. The frame stays valid
// until the next read. Without such a frame it returns false.
func (p *Port) TakeSuper() (gso.Super, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	r := &p.rx
	if !r.offer || p.closed.Load() {
		return gso.Super{}, false
	}
	r.offer = false
	n, octets := r.seg.Skip()
	p.stats.RxPackets.Add(uint64(n))
	p.stats.RxBytes.Add(uint64(octets))
	if header.Ethernet(r.super.Frame).Dst().IsMulticast() {
		p.stats.Multicast.Add(uint64(n))
	}
	s := r.super
	r.super = gso.Super{}
	return s, true
}

// SuperPending reports whether the last frame the last read handed out
// is the first segment of a super-frame TakeSuper would return.
func (p *Port) SuperPending() bool { return p.rx.offer }

// count counts a frame handed to the reader.
func (p *Port) count(f []byte) {
	p.stats.RxPackets.Add(1)
	p.stats.RxBytes.Add(uint64(len(f)))
	if len(f) >= header.EthernetLen && header.Ethernet(f).Dst().IsMulticast() {
		p.stats.Multicast.Add(1)
	}
}

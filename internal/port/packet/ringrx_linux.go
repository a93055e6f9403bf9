package packet

import (
	"github.com/govrf/govrf/internal/gso"
	"github.com/govrf/govrf/internal/header"
	"golang.org/x/sys/unix"
)

// The receive path through the ring, for one batch:
//
//  1. The segments left of a super-frame cut by the last call come
//     first.
//  2. Frames are taken from the blocks the kernel handed over, in order.
//     An ordinary frame is copied into the caller's buffer, re-tagged
//     and its checksum finished there; a super-frame is re-tagged in the
//     ring and cut from it into the caller's buffers, its block kept
//     until its last segment is delivered (step 1).
//  3. A block is given back once its frames are read.

// ringRead is TryRead through the ring.
func (p *Port) ringRead(bufs [][]byte, sizes []int, offset int) int {
	r, g := &p.rx, p.ring
	n := 0
	for n < len(bufs) {
		if r.seg.More() {
			size, err := r.seg.Next(bufs[n][offset:])
			if err != nil {
				p.stats.RxErrors.Add(1)
				continue
			}
			sizes[n] = size
			p.count(bufs[n][offset : offset+size])
			n++
			continue
		}
		f, block, bad, ok := g.next(true)
		p.stats.RxErrors.Add(uint64(bad))
		if !ok {
			break
		}
		if size, ok := p.ringFrame(&f, block, bufs[n][offset:]); ok {
			sizes[n] = size
			p.count(bufs[n][offset : offset+size])
			n++
		}
	}
	return n
}

// ringFrame delivers frame f of block into room and returns its length,
// or starts cutting it if it is a super-frame. It returns false when
// nothing was delivered: a frame dropped, or a super-frame whose
// segments step 1 of ringRead delivers.
func (p *Port) ringFrame(f *ringFrame, block, room []byte) (int, bool) {
	if f.pkttype == unix.PACKET_OUTGOING {
		return 0, false
	}
	if f.truncated() {
		p.stats.RxErrors.Add(1)
		return 0, false
	}
	h, _ := gso.ParseHdr(block[f.vnet:f.start])
	tci, tpid, tagged := f.vlan()
	size := f.end - f.start
	if h.GSOType != gso.GSONone {
		start := f.start
		if tagged {
			// The tag goes over the vnet header, read already.
			var ok bool
			if start, ok = retagFront(block, start, f.end, tci, tpid); !ok {
				p.stats.RxErrors.Add(1)
				return 0, false
			}
			h.CsumStart += header.VLANTagLen
		}
		if p.rx.seg.Reset(block[start:f.end], h) != nil {
			p.stats.RxErrors.Add(1)
		}
		return 0, false
	}
	if size > len(room) {
		p.stats.RxErrors.Add(1)
		return 0, false
	}
	copy(room, block[f.start:f.end])
	if tagged {
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

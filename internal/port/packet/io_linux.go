package packet

import (
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port"
)

// Read receives frames, waiting for one if none is pending; see
// port.Port. Tags the kernel moved into auxdata are back in the frames.
func (p *Port) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	for {
		n, err := p.TryRead(bufs, sizes, offset)
		if n > 0 || err != nil || len(bufs) == 0 {
			return n, err
		}
		if err := p.wait(); err != nil {
			return 0, err
		}
	}
}

// wait sleeps until the socket is readable or Close has begun.
func (p *Port) wait() error {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed.Load() {
		return p.closedError("read")
	}
	return p.opError("read", p.wake.Wait(p.fd))
}

// TryRead receives the frames pending, at most one batch, and returns at
// once; see port.Poller.
func (p *Port) TryRead(bufs [][]byte, sizes []int, offset int) (int, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed.Load() {
		return 0, p.closedError("read")
	}
	m := min(len(bufs), p.batch)
	if m == 0 {
		return 0, nil
	}
	r := &p.rx
	for i := range m {
		r.prepare(i, bufs[i][offset:])
	}
	got, err := recvmmsg(p.fd, r.msgs[:m], unix.MSG_DONTWAIT)
	switch err {
	case unix.EAGAIN, unix.EINTR:
		return 0, nil
	case unix.ENETDOWN:
		// The link went down, or was down at Open (packet_do_bind):
		// the error is reported once, and frames flow again when
		// the link comes back up.
		return 0, nil
	}
	if err != nil {
		return 0, p.opError("read", err)
	}
	n := 0
	for i := range got {
		size, ok := p.accept(i, bufs[i][offset:])
		if !ok {
			continue
		}
		if n != i { // an earlier frame was dropped: close the gap
			if size > len(bufs[n])-offset {
				p.stats.rxErrors.Add(1)
				continue
			}
			copy(bufs[n][offset:], bufs[i][offset:offset+size])
		}
		sizes[n] = size
		p.stats.rxPackets.Add(1)
		p.stats.rxBytes.Add(uint64(size))
		if size >= header.EthernetLen && header.Ethernet(bufs[n][offset:]).Dst().IsMulticast() {
			p.stats.multicast.Add(1)
		}
		n++
	}
	return n, nil
}

// accept checks received frame i, now in room, re-tags it, and returns
// its length, or false for a frame that must not reach the reader.
func (p *Port) accept(i int, room []byte) (int, bool) {
	r := &p.rx
	if r.names[i].Pkttype == unix.PACKET_OUTGOING {
		return 0, false
	}
	size := int(r.msgs[i].Len)
	if r.msgs[i].Hdr.Flags&unix.MSG_TRUNC != 0 {
		p.stats.rxErrors.Add(1)
		return 0, false
	}
	if tci, tpid, tagged := r.vlan(i); tagged {
		var ok bool
		if size, ok = retag(room, size, tci, tpid); !ok {
			p.stats.rxErrors.Add(1)
			return 0, false
		}
	}
	if r.csumNotReady(i) {
		// The sender left the checksum to hardware; finish it, as the
		// kernel does before forwarding (skb_checksum_help).
		header.CompleteChecksum(room[:size])
	}
	return size, true
}

// Write sends the frames with sendmmsg(2), a batch per call; see
// port.Port. A frame the link cannot carry, or that finds the driver's
// queue full, is a TX drop; a frame the kernel refuses otherwise (the
// interface is down, say) is a TX error.
func (p *Port) Write(bufs [][]byte, offset int) (int, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if p.closed.Load() {
		return 0, p.closedError("write")
	}
	k := 0
	for _, b := range bufs {
		f := b[offset:]
		if len(f) > p.maxFrame || len(f) < header.EthernetLen {
			p.stats.txDropped.Add(1)
			continue
		}
		p.tx.set(k, f)
		if k++; k == p.batch {
			p.flush(k)
			k = 0
		}
	}
	p.flush(k)
	return len(bufs), nil
}

// flush sends the first k frames of the writer's vector.
func (p *Port) flush(k int) {
	msgs := p.tx.msgs[:k]
	retried := false
	for len(msgs) > 0 {
		n, err := sendmmsg(p.fd, msgs, unix.MSG_DONTWAIT)
		for _, m := range msgs[:n] {
			p.stats.txPackets.Add(1)
			p.stats.txBytes.Add(uint64(m.Hdr.Iov.Len))
		}
		msgs = msgs[n:]
		switch {
		case err == nil, err == unix.EINTR:
		case err == unix.ENETDOWN && !retried:
			// The link went down since the last call, maybe up
			// again: the socket reports that once, failing the
			// frame at hand (sock_alloc_send_pskb), so try it again.
			retried = true
		case err == unix.EAGAIN, err == unix.ENOBUFS:
			p.stats.txDropped.Add(uint64(len(msgs)))
			return
		case err == unix.EMSGSIZE:
			p.stats.txDropped.Add(1)
			msgs = msgs[1:]
		default:
			p.stats.txErrors.Add(1)
			msgs = msgs[1:]
		}
	}
}

func (p *Port) opError(op string, err error) error {
	if err == nil {
		return nil
	}
	return &port.OpError{Op: op, Port: p.name, Err: err}
}

// counters are the port's statistics, atomic so Stats may run beside
// Read and Write.
type counters struct {
	rxPackets, rxBytes, rxErrors, rxDropped, multicast atomic.Uint64
	txPackets, txBytes, txErrors, txDropped            atomic.Uint64
}

// Stats returns the port's counters; see port.Counters. RxDropped counts
// the frames the kernel dropped because the socket's receive queue was
// full (PACKET_STATISTICS tp_drops), as of the last call to Stats before
// Close.
func (p *Port) Stats() port.Stats {
	c := &p.stats
	p.mu.RLock()
	if !p.closed.Load() {
		// Reading PACKET_STATISTICS resets it, so the drops accumulate.
		if st, err := unix.GetsockoptTpacketStats(p.fd, unix.SOL_PACKET, unix.PACKET_STATISTICS); err == nil {
			c.rxDropped.Add(uint64(st.Drops))
		}
	}
	p.mu.RUnlock()
	return port.Stats{
		RxPackets: c.rxPackets.Load(),
		RxBytes:   c.rxBytes.Load(),
		RxErrors:  c.rxErrors.Load(),
		RxDropped: c.rxDropped.Load(),
		Multicast: c.multicast.Load(),
		TxPackets: c.txPackets.Load(),
		TxBytes:   c.txBytes.Load(),
		TxErrors:  c.txErrors.Load(),
		TxDropped: c.txDropped.Load(),
	}
}

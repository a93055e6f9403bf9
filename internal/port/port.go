// Package port defines the seam between govrf's data plane and the links it
// forwards on. A Port moves whole Ethernet frames in batches, in the style of
// wireguard-go's tun.Device: the data plane hands it a batch of buffers, and
// each buffer keeps offset octets of headroom in front of its frame, so that
// a stage may prepend a header in place instead of copying the frame.
//
// The implementations live in sibling packages: port/mem (in-memory pairs
// for tests, the simulator and embedding) and, later, AF_PACKET and TAP
// ports. They all assert that they satisfy Port.
package port

import "github.com/govrf/govrf/internal/header"

// Port is one Ethernet link the data plane reads frames from and writes
// frames to. A Port is safe for one reader and one writer at a time, which
// may be different goroutines; Close may be called from any goroutine and
// wakes a blocked Read.
type Port interface {
	// Read blocks until at least one frame has arrived or the port is
	// closed, then copies up to len(bufs) frames, the frame i into
	// bufs[i][offset:] and its length into sizes[i], and returns how many
	// it copied. sizes must be at least as long as bufs. A frame longer
	// than its buffer's room is dropped and counted as an RX error, as a
	// NIC drops a frame longer than its receive buffer. After Close, Read
	// returns an error wrapping ErrClosed.
	Read(bufs [][]byte, sizes []int, offset int) (n int, err error)

	// Write sends the frames bufs[i][offset:] and returns how many it
	// took. A port never blocks its writer for long and never waits for
	// the far side: a frame it cannot send (too long for the link, or no
	// room in a queue) is dropped and counted as a TX drop, as a kernel
	// driver does, and still counts as taken. Write does not keep the
	// buffers, so the caller may reuse them as soon as it returns. After
	// Close, Write returns an error wrapping ErrClosed.
	Write(bufs [][]byte, offset int) (int, error)

	// BatchSize returns the number of frames Read and Write handle best
	// at once; callers size their batches to it. It does not change.
	BatchSize() int

	// MTU returns the largest IP packet the link carries, the Ethernet
	// header not included (the kernel's dev->mtu).
	MTU() int

	// MAC returns the port's own Ethernet address: the source of the
	// frames the data plane sends and the unicast destination it accepts.
	MAC() header.MAC

	// Name returns the interface name the control plane knows the port
	// by.
	Name() string

	// Close releases the port. Pending frames are discarded. Closing a
	// closed port returns nil.
	Close() error
}

// Poller is a Port that can also be read without blocking. A data plane
// driven step by step — one goroutine polling the router and every
// simulated host in turn, on a manual clock, as deterministic pipeline
// tests do — reads its ports through TryRead.
type Poller interface {
	Port

	// TryRead is Read without the wait: when no frame is pending it
	// returns 0 and a nil error at once.
	TryRead(bufs [][]byte, sizes []int, offset int) (n int, err error)
}

// Waiter is a Poller that can wait for a frame without buffers to read it
// into: a data plane with thousands of mostly idle ports then lends
// buffers only to the ports that have frames pending.
type Waiter interface {
	Poller

	// Wait returns once a frame may be pending, or with an error once
	// the port is closed. TryRead may still find nothing.
	Wait() error
}

// Counters is a Port that counts its traffic; `ip -s link` shows the
// counts.
type Counters interface {
	// Stats returns a snapshot of the counters. It may be called from any
	// goroutine, concurrently with Read and Write.
	Stats() Stats
}

// Stats are a port's traffic counters, named after the kernel's
// rtnl_link_stats64 fields that `ip -s link` prints.
type Stats struct {
	RxPackets uint64 // frames handed to the reader
	RxBytes   uint64 // their octets, Ethernet header included
	RxErrors  uint64 // frames dropped because the reader's buffer was too short, or super-frames that could not be cut
	RxDropped uint64 // frames dropped on arrival
	Multicast uint64 // received frames sent to a group address, broadcast included
	TxPackets uint64 // frames sent
	TxBytes   uint64 // their octets, Ethernet header included
	TxErrors  uint64 // frames that failed to go out
	TxDropped uint64 // frames dropped on the way out: too long, or no room
}

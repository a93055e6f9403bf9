package packet

import (
	"fmt"
	"sync/atomic"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Ring geometry: see docs/ports.md, "Receive ring". A block must hold a
// whole super-frame (64 KiB, its headers and the vnet header), or the
// kernel would cut it (tpacket_rcv clamps a frame to max_frame_len), and
// the kernel allocates each block as a power of two of pages.
const (
	ringBlockSize = 256 << 10
	ringBlocks    = 8
	// ringTimeout is tp_retire_blk_tov, in milliseconds: how long the
	// kernel keeps a block that is not full before handing it over.
	ringTimeout = 1
)

// rxRing is a TPACKET_V3 receive ring mapped into the process, and
// where its reader is. Only the reader touches it, under Port.mu held
// shared; Close unmaps it under Port.mu held exclusively.
type rxRing struct {
	mem    []byte
	size   int // of a block
	cur    int // the block being read
	frames blockReader
	inUse  bool // cur is handed over and frames walks it
}

// setupRing gives socket fd a receive ring. It must come after
// PACKET_VNET_HDR (which the kernel refuses once a ring exists) and
// before bind, so that no frame is queued the old way first.
func setupRing(fd int) (*rxRing, error) {
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VERSION, unix.TPACKET_V3); err != nil {
		return nil, fmt.Errorf("setsockopt PACKET_VERSION: %w", err)
	}
	req := unix.TpacketReq3{
		Block_size:     ringBlockSize,
		Block_nr:       ringBlocks,
		Frame_size:     ringBlockSize, // V3 frames vary; the kernel wants a divisor of the block
		Frame_nr:       ringBlocks,
		Retire_blk_tov: ringTimeout,
	}
	if err := unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &req); err != nil {
		return nil, fmt.Errorf("setsockopt PACKET_RX_RING: %w", err)
	}
	mem, err := unix.Mmap(fd, 0, ringBlockSize*ringBlocks, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
	if err != nil {
		// Frames would go to a ring nobody reads: take it down.
		unix.SetsockoptTpacketReq3(fd, unix.SOL_PACKET, unix.PACKET_RX_RING, &unix.TpacketReq3{})
		return nil, fmt.Errorf("mmap rx ring: %w", err)
	}
	return &rxRing{mem: mem, size: ringBlockSize}, nil
}

// status returns the address of block i's block_status.
func (g *rxRing) status(i int) *uint32 {
	return (*uint32)(unsafe.Pointer(&g.mem[i*g.size+blkStatusOff]))
}

// block returns block i.
func (g *rxRing) block(i int) []byte { return g.mem[i*g.size : (i+1)*g.size] }

// next returns the next frame the kernel has handed over, and the block
// that holds it, which stays the reader's until the following call. It
// gives back each block once its frames are read, skips the slots the
// kernel dropped (tp_drops counts them), and gives up what is left of a
// block whose headers are malformed, counting it in bad. It returns
// false when no frame is pending.
func (g *rxRing) next(vnet bool) (f ringFrame, block []byte, bad int, ok bool) {
	for {
		if !g.inUse {
			if atomic.LoadUint32(g.status(g.cur))&tpStatusUser == 0 {
				return ringFrame{}, nil, bad, false
			}
			r, err := openBlock(g.block(g.cur), vnet)
			g.frames, g.inUse = r, true
			if err != nil {
				bad++
			}
		}
		if !g.frames.more() {
			g.release()
			continue
		}
		f, err := g.frames.next()
		switch {
		case err != nil:
			bad++
		case f.written():
			return f, g.frames.b, bad, true
		}
	}
}

// pending reports whether a frame the kernel handed over waits to be
// read.
func (g *rxRing) pending() bool {
	i := g.cur
	if g.inUse {
		if g.frames.more() {
			return true
		}
		i = (i + 1) % (len(g.mem) / g.size)
	}
	return atomic.LoadUint32(g.status(i))&tpStatusUser != 0
}

// release gives the block being read back to the kernel.
func (g *rxRing) release() {
	atomic.StoreUint32(g.status(g.cur), unix.TP_STATUS_KERNEL)
	g.cur = (g.cur + 1) % (len(g.mem) / g.size)
	g.frames, g.inUse = blockReader{}, false
}

// close unmaps the ring.
func (g *rxRing) close() error {
	if g.mem == nil {
		return nil
	}
	err := unix.Munmap(g.mem)
	g.mem = nil
	return err
}

package packet

import (
	"encoding/binary"
	"errors"

	"github.com/govrf/govrf/internal/gso"
)

// A TPACKET_V3 receive ring is a run of blocks the kernel fills with
// frames and hands over whole (linux/if_packet.h, tpacket_rcv and
// prb_close_block in net/packet/af_packet.c). A block starts with a
// tpacket_block_desc; its frames follow, each a tpacket3_hdr, a
// sockaddr_ll, and the frame itself at tp_mac, with the vnet header
// right in front of it. The kernel writes everything but the block's
// status, which the reader gives back; the parser nonetheless trusts
// no offset or length it reads, so that a block the kernel did not
// write as documented costs an RX error, never a crash.
const (
	// tpacket_block_desc with its tpacket_hdr_v1.
	blkStatusOff = 8  // block_status
	blkNumOff    = 12 // num_pkts
	blkFirstOff  = 16 // offset_to_first_pkt
	blkLenOff    = 20 // blk_len
	blkDescLen   = 48

	// tpacket3_hdr, then sockaddr_ll at TPACKET_ALIGN(48).
	tpNextOff     = 0  // tp_next_offset
	tpSnaplenOff  = 12 // tp_snaplen
	tpLenOff      = 16 // tp_len
	tpStatusOff   = 20 // tp_status
	tpMacOff      = 24 // tp_mac
	tpVlanTCIOff  = 32 // hv1.tp_vlan_tci
	tpVlanTPIDOff = 36 // hv1.tp_vlan_tpid
	tpPkttypeOff  = 48 + 10
	tpHdrLen      = 48 + 20 // the header and the sockaddr_ll

	tpStatusUser      = 1 << 0 // TP_STATUS_USER
	tpStatusVlanValid = 1 << 4 // TP_STATUS_VLAN_VALID
	tpStatusTPIDValid = 1 << 6 // TP_STATUS_VLAN_TPID_VALID
)

// errBlock reports a block or frame header whose offsets or lengths do
// not fit the block.
var errBlock = errors.New("malformed TPACKET_V3 block")

// ringFrame is one frame of a block, as the block's header describes it.
type ringFrame struct {
	start, end int    // the captured frame, block[start:end]
	vnet       int    // offset of its vnet header; valid when asked for
	origLen    int    // its length on the wire (tp_len)
	status     uint32 // tp_status
	pkttype    uint8  // sll_pkttype
	tci, tpid  uint16 // the VLAN tag, when status says it is valid
}

// written reports whether the kernel finished the frame: a slot it
// dropped (a vnet header it could not write, say) keeps a status
// without TP_STATUS_USER.
func (f *ringFrame) written() bool { return f.status&tpStatusUser != 0 }

// truncated reports whether the block holds less than the whole frame.
func (f *ringFrame) truncated() bool { return f.end-f.start < f.origLen }

// vlan returns the tag the kernel moved out of the frame, if it did.
func (f *ringFrame) vlan() (tci, tpid uint16, ok bool) {
	if f.status&tpStatusVlanValid == 0 {
		return 0, 0, false
	}
	if f.status&tpStatusTPIDValid != 0 {
		tpid = f.tpid
	}
	return f.tci, tpid, true
}

// blockReader walks the frames of one block the kernel handed over.
type blockReader struct {
	b    []byte
	off  int // of the next frame's header
	left int // frames not yet read
	vnet bool
}

// openBlock reads block b's descriptor. vnet says whether frames carry
// a vnet header.
func openBlock(b []byte, vnet bool) (blockReader, error) {
	if len(b) < blkDescLen {
		return blockReader{}, errBlock
	}
	num := binary.NativeEndian.Uint32(b[blkNumOff:])
	first := binary.NativeEndian.Uint32(b[blkFirstOff:])
	if num == 0 {
		return blockReader{b: b, vnet: vnet}, nil
	}
	if first < blkDescLen || uint64(first) >= uint64(len(b)) || uint64(num) > uint64(len(b))/tpHdrLen {
		return blockReader{}, errBlock
	}
	return blockReader{b: b, off: int(first), left: int(num), vnet: vnet}, nil
}

// more reports whether frames are left.
func (r *blockReader) more() bool { return r.left > 0 }

// next returns the next frame. After an error the rest of the block is
// given up.
func (r *blockReader) next() (ringFrame, error) {
	if r.left == 0 {
		return ringFrame{}, errBlock
	}
	f, next, err := parseFrame(r.b, r.off, r.vnet)
	if err != nil || (next == 0 && r.left > 1) {
		r.left = 0
		return ringFrame{}, errBlock
	}
	r.left--
	r.off = next
	return f, nil
}

// parseFrame reads the frame whose header is at b[off:] and returns it
// with the offset of the next header (0 for the last).
func parseFrame(b []byte, off int, vnet bool) (ringFrame, int, error) {
	if off < 0 || off > len(b)-tpHdrLen {
		return ringFrame{}, 0, errBlock
	}
	h := b[off:]
	f := ringFrame{
		origLen: int(binary.NativeEndian.Uint32(h[tpLenOff:])),
		status:  binary.NativeEndian.Uint32(h[tpStatusOff:]),
		pkttype: h[tpPkttypeOff],
		tci:     uint16(binary.NativeEndian.Uint32(h[tpVlanTCIOff:])),
		tpid:    binary.NativeEndian.Uint16(h[tpVlanTPIDOff:]),
	}
	mac := uint64(binary.NativeEndian.Uint16(h[tpMacOff:]))
	snap := uint64(binary.NativeEndian.Uint32(h[tpSnaplenOff:]))
	front := uint64(tpHdrLen)
	if vnet {
		front += gso.HdrLen
	}
	// A dropped slot's header is whatever the block held before; only
	// its link to the next frame, written when the slot was taken,
	// counts.
	if f.written() {
		if mac < front || uint64(off)+mac+snap > uint64(len(b)) || snap > uint64(f.origLen) {
			return ringFrame{}, 0, errBlock
		}
		f.start = off + int(mac)
		f.end = f.start + int(snap)
		f.vnet = f.start - gso.HdrLen
	}
	step := uint64(binary.NativeEndian.Uint32(h[tpNextOff:]))
	if step == 0 {
		return f, 0, nil
	}
	if step < tpHdrLen || uint64(off)+step > uint64(len(b)-tpHdrLen) {
		return ringFrame{}, 0, errBlock
	}
	return f, off + int(step), nil
}

package packet

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/govrf/govrf/internal/gso"
)

// ringSlot is a frame for buildBlock to lay out as tpacket_rcv would.
type ringSlot struct {
	frame   []byte
	origLen int    // 0: len(frame)
	status  uint32 // tp_status; TP_STATUS_USER unless dropped
	tci     uint16
}

// buildBlock lays frames out in a block of size octets as the kernel
// does for a socket with a vnet header: each header on a 16-octet
// boundary, the frame at tp_mac with the vnet header before it.
func buildBlock(size int, slots ...ringSlot) []byte {
	b := make([]byte, size)
	ne := binary.NativeEndian
	ne.PutUint32(b[blkStatusOff:], tpStatusUser)
	ne.PutUint32(b[blkNumOff:], uint32(len(slots)))
	ne.PutUint32(b[blkFirstOff:], blkDescLen)
	off := blkDescLen
	for i, s := range slots {
		h := b[off:]
		mac := 96 + gso.HdrLen - 14 // netoff (96 + vnet) less the Ethernet header
		orig := s.origLen
		if orig == 0 {
			orig = len(s.frame)
		}
		ne.PutUint32(h[tpSnaplenOff:], uint32(len(s.frame)))
		ne.PutUint32(h[tpLenOff:], uint32(orig))
		ne.PutUint32(h[tpStatusOff:], s.status)
		ne.PutUint16(h[tpMacOff:], uint16(mac))
		ne.PutUint32(h[tpVlanTCIOff:], uint32(s.tci))
		copy(h[mac:], s.frame)
		step := (mac + len(s.frame) + 15) &^ 15
		if i < len(slots)-1 {
			ne.PutUint32(h[tpNextOff:], uint32(step))
		}
		off += step
	}
	ne.PutUint32(b[blkLenOff:], uint32(off))
	return b
}

func TestBlockReader(t *testing.T) {
	f1, f2, f3 := bytes.Repeat([]byte{1}, 60), bytes.Repeat([]byte{2}, 1514), bytes.Repeat([]byte{3}, 60)
	b := buildBlock(8192,
		ringSlot{frame: f1, status: tpStatusUser},
		ringSlot{frame: f2, status: tpStatusUser | tpStatusVlanValid, tci: 10},
		ringSlot{frame: f3}, // dropped: never written
		ringSlot{frame: f3[:20], origLen: 60, status: tpStatusUser}, // cut short
	)
	r, err := openBlock(b, true)
	if err != nil {
		t.Fatalf("openBlock() = %v", err)
	}
	type want struct {
		frame     []byte
		written   bool
		truncated bool
		tci       uint16
		tagged    bool
	}
	for i, w := range []want{{f1, true, false, 0, false}, {f2, true, false, 10, true}, {nil, false, false, 0, false}, {f3[:20], true, true, 0, false}} {
		f, err := r.next()
		if err != nil {
			t.Fatalf("frame %d: next() = %v", i, err)
		}
		tci, _, tagged := f.vlan()
		if f.written() != w.written || (w.written && (!bytes.Equal(b[f.start:f.end], w.frame) || f.truncated() != w.truncated)) || tci != w.tci || tagged != w.tagged {
			t.Errorf("frame %d = written %v, % x, truncated %v, tag %v %d; want %v, % x, %v, %v %d",
				i, f.written(), b[f.start:f.end], f.truncated(), tagged, tci, w.written, w.frame, w.truncated, w.tagged, w.tci)
		}
	}
	if r.more() {
		t.Errorf("more() after the last frame = true")
	}
}

func TestBlockReaderMalformed(t *testing.T) {
	good := func() []byte { return buildBlock(4096, ringSlot{frame: make([]byte, 60), status: tpStatusUser}) }
	ne := binary.NativeEndian
	for _, tt := range []struct {
		name   string
		break_ func(b []byte) []byte
	}{
		{"short block", func(b []byte) []byte { return b[:20] }},
		{"first frame outside", func(b []byte) []byte { ne.PutUint32(b[blkFirstOff:], 5000); return b }},
		{"first frame in the descriptor", func(b []byte) []byte { ne.PutUint32(b[blkFirstOff:], 8); return b }},
		{"too many frames", func(b []byte) []byte { ne.PutUint32(b[blkNumOff:], 1<<30); return b }},
		{"frame past the end", func(b []byte) []byte { ne.PutUint32(b[blkDescLen+tpSnaplenOff:], 8000); return b }},
		{"mac inside the header", func(b []byte) []byte { ne.PutUint16(b[blkDescLen+tpMacOff:], 20); return b }},
		{"snaplen over len", func(b []byte) []byte { ne.PutUint32(b[blkDescLen+tpLenOff:], 10); return b }},
		{"missing next", func(b []byte) []byte { ne.PutUint32(b[blkNumOff:], 2); return b }},
		{"next past the end", func(b []byte) []byte {
			ne.PutUint32(b[blkNumOff:], 2)
			ne.PutUint32(b[blkDescLen+tpNextOff:], 4090)
			return b
		}},
	} {
		b := tt.break_(good())
		r, err := openBlock(b, true)
		if err == nil {
			for r.more() && err == nil {
				_, err = r.next()
			}
		}
		if err == nil {
			t.Errorf("%s: read without an error", tt.name)
		}
	}
}

// FuzzBlockReader feeds arbitrary blocks to the parser: it must never
// panic, and every frame it returns lies within the block, after its
// header and vnet header.
func FuzzBlockReader(f *testing.F) {
	f.Add(buildBlock(4096, ringSlot{frame: make([]byte, 60), status: tpStatusUser}, ringSlot{frame: make([]byte, 100), status: tpStatusUser | tpStatusVlanValid, tci: 3}))
	f.Add(buildBlock(2048, ringSlot{frame: make([]byte, 60)}, ringSlot{frame: make([]byte, 1000), origLen: 2000, status: tpStatusUser}))
	f.Add(make([]byte, blkDescLen))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := openBlock(b, true)
		if err != nil {
			return
		}
		for r.more() {
			off := r.off
			fr, err := r.next()
			if err != nil {
				return
			}
			if !fr.written() {
				continue
			}
			if fr.start < off+tpHdrLen+gso.HdrLen || fr.end > len(b) || fr.start > fr.end || fr.vnet != fr.start-gso.HdrLen || fr.end-fr.start > fr.origLen {
				t.Fatalf("frame at %d: [%d:%d], vnet %d, len %d in a %d-octet block", off, fr.start, fr.end, fr.vnet, fr.origLen, len(b))
			}
		}
	})
}

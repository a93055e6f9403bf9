package packet

import (
	"bytes"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/gso"
	"github.com/govrf/govrf/internal/netnstest"
)

// Legacy ethtool commands for checksum offloads (linux/ethtool.h).
const (
	ethtoolSRXCSUM = 0x15
	ethtoolSTXCSUM = 0x17
)

// cutSegments returns the segments of an injected stream's super-frame
// carrying n octets, cut as a port's reader cuts them.
func cutSegments(t *testing.T, n, mss int) [][]byte {
	t.Helper()
	h, f := tcpFrame(1000, n, mss, nil)
	var s gso.Segmenter
	if err := s.Reset(f, h); err != nil {
		t.Fatal(err)
	}
	var segs [][]byte
	for s.More() {
		buf := make([]byte, bufLen)
		n, err := s.Next(buf)
		if err != nil {
			t.Fatal(err)
		}
		segs = append(segs, buf[:n])
	}
	return segs
}

// TestIntegrationCoalesce writes the segments of a super-frame, between
// two other frames, through a port, twice, and reads them with a port on
// the other end of the veth: they must arrive as written, in order, in
// as many messages as the test expects, and be counted as written. With
// TSO the super-frame crosses whole and the reader cuts it. Without, or
// with a header the kernel refuses, the writer sends the segments one by
// one, and goes on so for a while.
func TestIntegrationCoalesce(t *testing.T) {
	segs := cutSegments(t, 64000, 1448)
	plain := uint64(2 + len(segs))
	for _, tt := range []struct {
		name   string
		cfg    Config
		noTSO  bool
		refuse bool
		msgs   [2]uint64 // sent by each Write
		paused bool
	}{
		{"tso", Config{}, false, false, [2]uint64{3, 3}, false},
		{"no tso", Config{}, true, false, [2]uint64{plain, plain}, true},
		{"refused", Config{}, false, true, [2]uint64{plain, plain}, true},
		{"off", Config{NoCoalesce: true}, false, false, [2]uint64{plain, plain}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			netnstest.Enter(t)
			netnstest.IP(t, "link", "add", "va", "type", "veth", "peer", "name", "vb")
			tt.cfg.MAC, tt.cfg.Quiesce = macB, true
			a, b := open(t, "va", tt.cfg), open(t, "vb", Config{MAC: macA, Quiesce: true})
			if tt.noTSO {
				if err := setOffload("va", ethtoolSTSO, false); err != nil {
					t.Fatal(err)
				}
			}
			netnstest.IP(t, "link", "set", "va", "up")
			netnstest.IP(t, "link", "set", "vb", "up")
			if tt.refuse {
				// No such GSO type: virtio_net_hdr_to_skb refuses it.
				a.tx.mangle = func(h gso.Hdr) gso.Hdr { h.GSOType = 2; return h }
			}
			sent := append([][]byte{frame(macA, macB, 0)}, segs...)
			sent = append(sent, frame(macA, macB, 1))
			var octets uint64
			for _, f := range sent {
				octets += uint64(len(f))
			}
			for w, msgs := range tt.msgs {
				before := a.tx.sent
				if n, err := a.Write(buffers(0, sent...), offset); n != len(sent) || err != nil {
					t.Fatalf("Write(%d frames) = %d, %v", len(sent), n, err)
				}
				if got := a.tx.sent - before; got != msgs {
					t.Errorf("Write #%d of %d frames sent %d messages, want %d", w, len(sent), got, msgs)
				}
				got := readBack(t, b, len(sent))
				for i := range sent {
					if !bytes.Equal(got[i], sent[i]) {
						t.Fatalf("Write #%d, frame %d:\n% x\nwant\n% x", w, i, got[i][:min(len(got[i]), 80)], sent[i][:min(len(sent[i]), 80)])
					}
				}
				n := uint64(w + 1)
				if st := a.Stats(); st.TxPackets != n*uint64(len(sent)) || st.TxBytes != n*octets || st.TxErrors != 0 || st.TxDropped != 0 {
					t.Errorf("after Write #%d: Stats() = %+v, want %d TxPackets, %d TxBytes and no errors or drops", w, st, n*uint64(len(sent)), n*octets)
				}
			}
			if paused := a.tx.pause > 0; paused != tt.paused {
				t.Errorf("coalescing paused = %v, want %v", paused, tt.paused)
			}
		})
	}
}

// TestIntegrationKernelSegments hands a super-frame of the Coalescer's
// to the kernel to segment (tcp_gso_segment), through a packet socket
// that goes by the qdisc, on a veth without TSO: segmenting patches the
// checksum the Coalescer left, which must hold the pseudo-header sum the
// kernel expects, since the reader completes each segment's checksum
// from it and checks it.
func TestIntegrationKernelSegments(t *testing.T) {
	_, b := vethPair(t)
	if err := setOffload("va", ethtoolSTSO, false); err != nil {
		t.Fatal(err)
	}
	inject := injector(t, "va")
	segs := cutSegments(t, 30000, 1000)
	var c gso.Coalescer
	runs := c.Coalesce(segs)
	if len(runs) != 1 || runs[0].N != len(segs) {
		t.Fatalf("Coalesce(%d segments) = %+v, want one run", len(segs), runs)
	}
	super := append([]byte(nil), runs[0].Head...)
	for _, s := range segs {
		super = append(super, s[len(runs[0].Head):]...)
	}
	inject(runs[0].Hdr, super)
	got := readBack(t, b, len(segs))
	for i := range segs {
		if !bytes.Equal(got[i], segs[i]) {
			t.Fatalf("segment %d:\n% x\nwant\n% x", i, got[i][:min(len(got[i]), 80)], segs[i][:min(len(segs[i]), 80)])
		}
	}
}

// readBack reads from p until want test frames or injected segments have
// arrived, checking the segments' checksums, and returns them in order.
func readBack(t *testing.T, p *Port, want int) [][]byte {
	t.Helper()
	bufs, sizes := buffers(p.BatchSize()), make([]int, p.BatchSize())
	var got [][]byte
	for deadline := time.Now().Add(waitLimit); len(got) < want; {
		if time.Now().After(deadline) {
			t.Fatalf("read %d frames, want %d; Stats() = %+v", len(got), want, p.Stats())
		}
		n, err := p.TryRead(bufs, sizes, offset)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			f := bufs[i][offset : offset+sizes[i]]
			_, ok, err := injected(p, f)
			if err != nil {
				t.Fatal(err)
			}
			if ok || isTest(f) {
				got = append(got, bytes.Clone(f))
			}
		}
		if n == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	return got
}

// Writing segments must not allocate either, once the port is warm.
func TestIntegrationCoalesceAllocs(t *testing.T) {
	a, _ := vethPair(t)
	segs := cutSegments(t, 20000, 1448)
	out := buffers(0, segs...)
	a.Write(out, offset)
	if allocs := testing.AllocsPerRun(100, func() { a.Write(out, offset) }); allocs != 0 {
		t.Errorf("Write(%d segments) allocates %v times, want 0", len(segs), allocs)
	}
	if st := a.Stats(); st.TxPackets != 102*uint64(len(segs)) || a.tx.sent != 102 {
		t.Errorf("after 102 writes of %d segments: %d messages, Stats() = %+v", len(segs), a.tx.sent, st)
	}
}

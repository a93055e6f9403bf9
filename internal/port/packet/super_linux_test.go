package packet

import (
	"bytes"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/gso"
	"github.com/govrf/govrf/internal/header"
)

// TestIntegrationSuperWhole injects a TCP super-frame across a veth: the
// reader's batch must end with its first segment, TakeSuper must return
// the super-frame, counting all its segments received, and WriteSuper
// must send it on whole (or, with the kernel refusing it, cut), so that
// the port at the far end reads the very segments cutting gives,
// counted as sent. A read instead of TakeSuper hands out the rest of the
// segments as before (readBack, at the far end).
func TestIntegrationSuperWhole(t *testing.T) {
	for _, noTSO := range []bool{false, true} {
		t.Run(map[bool]string{false: "tso", true: "no tso"}[noTSO], func(t *testing.T) {
			a, b := vethPair(t)
			if noTSO {
				if err := setOffload("vb", ethtoolSTSO, false); err != nil {
					t.Fatal(err)
				}
			}
			segs := cutSegments(t, 30000, 1448)
			var octets uint64
			for _, s := range segs {
				octets += uint64(len(s))
			}
			inject := injector(t, "va")
			h, f := tcpFrame(1000, 30000, 1448, nil)
			inject(h, f)

			bufs, sizes := buffers(b.BatchSize()), make([]int, b.BatchSize())
			var first []byte
			for deadline := time.Now().Add(waitLimit); first == nil; time.Sleep(time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("no super-frame read; Stats() = %+v", b.Stats())
				}
				n, err := b.TryRead(bufs, sizes, offset)
				if err != nil {
					t.Fatal(err)
				}
				if n > 0 && b.SuperPending() {
					first = bytes.Clone(bufs[n-1][offset : offset+sizes[n-1]])
				}
			}
			if !bytes.Equal(first, segs[0]) {
				t.Fatalf("first segment:\n% x\nwant\n% x", first[:80], segs[0][:80])
			}
			s, ok := b.TakeSuper()
			if !ok || !bytes.Equal(s.Frame, f) || s.Segments != len(segs) || uint64(s.Octets) != octets || s.First != len(segs[0]) {
				t.Fatalf("TakeSuper() = %d octets, %d segments of %d octets, first %d, %v; want the frame injected, %d segments of %d octets",
					len(s.Frame), s.Segments, s.Octets, s.First, ok, len(segs), octets)
			}
			if _, ok := b.TakeSuper(); ok || b.SuperPending() {
				t.Fatal("TakeSuper twice")
			}
			if st := b.Stats(); st.RxPackets < uint64(len(segs)) || st.RxBytes < octets || st.RxErrors != 0 {
				t.Errorf("Stats() = %+v after the super-frame was taken, want its %d segments counted", st, len(segs))
			}
			if n, _ := b.TryRead(bufs, sizes, offset); n != 0 {
				t.Errorf("read %d frames after TakeSuper, want none", n)
			}

			// A TTL one lower, as forwarding leaves it.
			ip := header.IPv4(s.Frame[header.EthernetLen:])
			ip.DecTTL()
			var cut gso.Segmenter
			if err := cut.Reset(bytes.Clone(s.Frame), s.Hdr); err != nil {
				t.Fatal(err)
			}
			var want [][]byte
			for cut.More() {
				buf := make([]byte, bufLen)
				n, err := cut.Next(buf)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, buf[:n])
			}
			if err := b.WriteSuper(s); err != nil {
				t.Fatal(err)
			}
			msgs := uint64(1)
			if noTSO {
				msgs = uint64(len(segs))
			}
			if b.tx.sent != msgs || (b.tx.pause > 0) != noTSO {
				t.Errorf("WriteSuper sent %d messages, paused %v; want %d, %v", b.tx.sent, b.tx.pause > 0, msgs, noTSO)
			}
			if st := b.Stats(); st.TxPackets != uint64(len(segs)) || st.TxBytes != octets || st.TxDropped != 0 || st.TxErrors != 0 {
				t.Errorf("Stats() = %+v after WriteSuper, want %d TxPackets, %d TxBytes", st, len(segs), octets)
			}
			got := readBack(t, a, len(want))
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("segment %d:\n% x\nwant\n% x", i, got[i][:80], want[i][:80])
				}
			}
		})
	}
}

package packet

import (
	"bytes"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestIntegrationRing runs the receive tests again with every port
// reading through a TPACKET_V3 ring: frames in batches, VLAN tags from
// tp_vlan_tci, vnet headers and super-frames cut from the ring, the
// segments carried over to the next read, waiting and closing.
func TestIntegrationRing(t *testing.T) {
	withRing = true
	t.Cleanup(func() { withRing = false })
	for _, tt := range []struct {
		name string
		test func(*testing.T)
	}{
		{"Batch", TestIntegrationBatch},
		{"VLAN", TestIntegrationVLAN},
		{"Injected", TestIntegrationInjected},
		{"CarryOver", TestIntegrationCarryOver},
		{"SuperFrames", TestIntegrationSuperFrames},
		{"UDPSegmentation", TestIntegrationUDPSegmentation},
		{"ReadWaits", TestIntegrationReadWaits},
		{"CloseUnblocksRead", TestIntegrationCloseUnblocksRead},
		{"Allocs", TestIntegrationAllocs},
	} {
		t.Run(tt.name, tt.test)
	}
}

// TestIntegrationRingDrops: frames the ring has no room for are counted
// in RxDropped, and every other one is read.
func TestIntegrationRingDrops(t *testing.T) {
	withRing = true
	t.Cleanup(func() { withRing = false })
	a, b := vethPair(t)
	const sent = 40000 // the ring holds about 13,000 short frames
	out := buffers(0, frame(a.MAC(), b.MAC(), 1))
	for range sent {
		b.Write(out, offset)
	}
	time.Sleep(20 * time.Millisecond) // the last block times out
	got, _ := collect(t, a, sent, 500*time.Millisecond)
	st := a.Stats()
	if st.RxDropped == 0 || uint64(len(got))+st.RxDropped != sent {
		t.Errorf("%d frames sent into a full ring: read %d, RxDropped %d; want some dropped, the rest read", sent, len(got), st.RxDropped)
	}
}

// TestIntegrationRingMark: a ring port opened with Config.Mark reads
// only frames with that skb mark (the sender's SO_MARK, kept across a
// veth within one namespace), and AcceptAll lifts the filter.
func TestIntegrationRingMark(t *testing.T) {
	withRing = true
	t.Cleanup(func() { withRing = false })
	a, b := vethPair(t)
	a.Close()
	a = open(t, "va", Config{MAC: macA, Mark: 7})
	send := func(mark, i int) {
		t.Helper()
		if err := unix.SetsockoptInt(b.fd, unix.SOL_SOCKET, unix.SO_MARK, mark); err != nil {
			t.Fatalf("setsockopt SO_MARK: %v", err)
		}
		b.Write(buffers(0, frame(a.MAC(), b.MAC(), i)), offset)
	}
	send(0, 1)
	send(7, 2)
	got, _ := collect(t, a, 2, 100*time.Millisecond)
	if want := frame(a.MAC(), b.MAC(), 2); len(got) != 1 || !bytes.Equal(got[0], want) {
		t.Errorf("with Mark 7, read %x; want the marked frame alone", got)
	}
	if err := a.AcceptAll(); err != nil {
		t.Fatalf("AcceptAll() = %v", err)
	}
	send(0, 3)
	if got, _ := collect(t, a, 1, waitLimit); len(got) != 1 {
		t.Errorf("after AcceptAll, read %d unmarked frames, want 1", len(got))
	}
}

// TestIntegrationNoRing: without Config.Ring the port reads with
// recvmmsg, and the ring's memory is not taken.
func TestIntegrationNoRing(t *testing.T) {
	a, _ := vethPair(t)
	if a.ring != nil {
		t.Errorf("Open without Config.Ring set up a ring")
	}
}

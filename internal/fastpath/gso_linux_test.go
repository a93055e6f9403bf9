package fastpath

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/govrf/govrf/internal/gso"
	"github.com/govrf/govrf/internal/header"
)

// skbFull is struct __sk_buff whole, as the test run takes it.
type skbFull [48]uint32

// Word indexes of skbFull.
const (
	skbIfindexWord = skbIfindex / 4
	skbGSOSegsWord = 164 / 4
	skbGSOSizeWord = skbGSOSize / 4
)

// gsoCase is a super-frame sent into r1 with a gso_size.
type gsoCase struct {
	name    string
	v6      bool
	dst     string
	proto   uint8
	ttl     uint8
	tcpLen  int // the TCP header's length (data offset × 4)
	payload int
	size    uint16 // gso_size
	want    bool   // forwarded by the tc program
}

// gsoCases cross the MTUs: r2's 1500 (the default), r3's 1300.
var gsoCases = []gsoCase{
	{"v4 three segments", false, "172.16.1.1", 6, 64, 20, 3000, 1000, true},
	{"v4 segment at the MTU", false, "172.16.1.1", 6, 64, 20, 3000, 1460, true},
	{"v4 segment over the MTU", false, "172.16.1.1", 6, 64, 20, 3000, 1461, false},
	{"v4 options at the MTU", false, "172.16.1.1", 6, 64, 32, 3000, 1448, true},
	{"v4 options over the MTU", false, "172.16.1.1", 6, 64, 32, 3000, 1449, false},
	{"v4 last segment short", false, "172.16.1.1", 6, 64, 20, 2001, 1000, true},
	{"v4 one segment", false, "172.16.1.1", 6, 64, 20, 700, 1000, true},
	{"v4 whole within the MTU, segment over", false, "172.16.1.1", 6, 64, 20, 1000, 1600, true},
	{"v4 small MTU at it", false, "172.30.1.1", 6, 64, 20, 3000, 1260, true},
	{"v4 small MTU over", false, "172.30.1.1", 6, 64, 20, 3000, 1261, false},
	{"v4 TTL 1", false, "172.16.1.1", 6, 1, 20, 3000, 1000, false},
	{"v4 UDP", false, "172.16.1.1", 17, 64, 8, 3000, 1000, false},
	{"v4 no payload", false, "172.16.1.1", 6, 64, 20, 0, 1000, false},
	{"v4 blackhole", false, "172.20.1.1", 6, 64, 20, 3000, 1000, false},
	{"v6 three segments", true, "2001:db8:100::1", 6, 64, 20, 3000, 1000, true},
	{"v6 segment at the MTU", true, "2001:db8:100::1", 6, 64, 20, 3000, 1440, true},
	{"v6 segment over the MTU", true, "2001:db8:100::1", 6, 64, 20, 3000, 1441, false},
	{"v6 options at the MTU", true, "2001:db8:100::1", 6, 64, 40, 3000, 1420, true},
	{"v6 small MTU over", true, "2001:db8:105::1", 6, 64, 20, 3000, 1241, false},
	{"v6 UDP", true, "2001:db8:100::1", 17, 64, 8, 3000, 1000, false},
}

// frame builds the case's super-frame: its TCP (or UDP) header and
// payload, as a TSO sender hands them over before segmentation.
func (c gsoCase) frame(w *world) []byte {
	l4 := make([]byte, c.tcpLen+c.payload)
	for i := c.tcpLen; i < len(l4); i++ {
		l4[i] = byte(i * 7)
	}
	binary.BigEndian.PutUint16(l4[0:], 40000)
	binary.BigEndian.PutUint16(l4[2:], 5201)
	if c.proto == 6 {
		binary.BigEndian.PutUint32(l4[4:], 1000)
		binary.BigEndian.PutUint32(l4[8:], 2000)
		l4[12] = byte(c.tcpLen/4) << 4
		l4[13] = 0x18 // ACK, PSH
		binary.BigEndian.PutUint16(l4[14:], 512)
		for i := 20; i < c.tcpLen; i++ {
			l4[i] = 1 // NOP options
		}
	} else {
		binary.BigEndian.PutUint16(l4[4:], uint16(len(l4)))
	}
	src4, src6 := netip.MustParseAddr("192.168.1.10"), netip.MustParseAddr("2001:db8:1::10")
	if c.v6 {
		return frame6(w.mac["r1"], header.IPv6Fields{NextHeader: c.proto, HopLimit: c.ttl, Src: src6, Dst: netip.MustParseAddr(c.dst)}, l4)
	}
	return frame4(w.mac["r1"], header.IPv4Fields{TTL: c.ttl, Protocol: c.proto, ID: 77, Flags: header.IPv4FlagDF, Src: src4, Dst: netip.MustParseAddr(c.dst)}, l4)
}

// segments cuts a super-frame as the Go data path's packet port does.
func segments(t *testing.T, frame []byte, v6 bool, size uint16) [][]byte {
	t.Helper()
	h := gso.Hdr{GSOType: gso.GSOTCPv4, GSOSize: size}
	if v6 {
		h.GSOType = gso.GSOTCPv6
	}
	var s gso.Segmenter
	if err := s.Reset(frame, h); err != nil {
		t.Fatalf("segment: %v", err)
	}
	var out [][]byte
	for s.More() {
		b := make([]byte, 9000)
		n, err := s.Next(b)
		if err != nil {
			t.Fatalf("segment: %v", err)
		}
		out = append(out, b[:n])
	}
	return out
}

// TestIntegrationGSO runs TCP super-frames (skbs with gso_size set, as a
// veth's TSO sender makes them) through the tc program: each is either
// handed over unchanged or forwarded whole such that its segments are
// what the data plane sends for the super-frame's segments, by the same
// port, and counted as those segments.
func TestIntegrationGSO(t *testing.T) {
	w := newWorld(t, diffScript, diffNeighs)
	p := w.paths[TC]
	rx := slices.Index(w.ports, "r1")
	for _, c := range gsoCases {
		frame := c.frame(w)
		before := w.counters(t, p)
		var ctx skbFull
		ctx[skbIfindexWord], ctx[skbGSOSizeWord] = uint32(w.ifx["r1"]), uint32(c.size)
		ctx[skbGSOSegsWord] = uint32(max(1, (c.payload+int(c.size)-1)/int(c.size)))
		data := make([]byte, len(frame)+256)
		opts := &ebpf.RunOptions{Data: frame, DataOut: data, Context: ctx}
		ret, err := p.Program().Run(opts)
		if err != nil {
			t.Fatalf("%s: test run: %v", c.name, err)
		}
		after := w.counters(t, p)
		switch ret {
		case tcActOK:
			if c.want || !bytes.Equal(opts.DataOut, frame) {
				t.Errorf("%s: handed over (changed %v), want forwarded %v", c.name, !bytes.Equal(opts.DataOut, frame), c.want)
			}
			continue
		case tcActRedirect:
			if !c.want {
				t.Errorf("%s: forwarded, want handed over", c.name)
				continue
			}
		default:
			t.Fatalf("%s: verdict %d", c.name, ret)
		}
		in := segments(t, frame, c.v6, c.size)
		w.drain()
		var slow []out
		for _, s := range in {
			slow = append(slow, w.slow(t, "r1", s)...)
		}
		fast := segments(t, opts.DataOut, c.v6, c.size)
		if err := sameSegments(fast, slow); err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		tx := slices.Index(w.ports, slow[0].port)
		var inBytes, outBytes uint64
		for i := range in {
			inBytes += uint64(len(in[i]))
			outBytes += uint64(len(fast[i]))
		}
		n := uint64(len(in))
		d := func(i int) Counters {
			return Counters{RxPackets: after[i].RxPackets - before[i].RxPackets, RxBytes: after[i].RxBytes - before[i].RxBytes,
				TxPackets: after[i].TxPackets - before[i].TxPackets, TxBytes: after[i].TxBytes - before[i].TxBytes}
		}
		if got := d(rx); got.RxPackets != n || got.RxBytes != inBytes {
			t.Errorf("%s: received %d packets, %d octets counted; want %d, %d", c.name, got.RxPackets, got.RxBytes, n, inBytes)
		}
		if got := d(tx); got.TxPackets != n || got.TxBytes != outBytes {
			t.Errorf("%s: sent %d packets, %d octets counted; want %d, %d", c.name, got.TxPackets, got.TxBytes, n, outBytes)
		}
	}
}

// sameSegments compares the fast path's segments with what the data
// plane sent, in order and by one port.
func sameSegments(fast [][]byte, slow []out) error {
	if len(fast) != len(slow) {
		return fmt.Errorf("%d segments forwarded, the data plane sent %d", len(fast), len(slow))
	}
	for i := range fast {
		if slow[i].port != slow[0].port || !bytes.Equal(fast[i], slow[i].frame) {
			return fmt.Errorf("segment %d:\n  %x\nthe data plane sent by %s:\n  %x", i, head(fast[i]), slow[i].port, head(slow[i].frame))
		}
	}
	return nil
}

// drain reads and drops what the data plane sent by itself (its
// announcements at start, neighbour probes).
func (w *world) drain() {
	w.dp.Poll()
	bufs, sizes := [][]byte{make([]byte, 9000)}, []int{0}
	for _, n := range w.ports {
		for k := 1; k > 0; k, _ = w.far[n].TryRead(bufs, sizes, 0) {
		}
	}
}

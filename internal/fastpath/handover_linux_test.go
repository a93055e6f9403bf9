package fastpath

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/netnstest"
	"github.com/govrf/govrf/internal/port/packet"
)

// TestIntegrationHandover checks the tc program with Options.Handover: a
// frame it forwards leaves as without handover, unmarked; a frame it
// does not forward is marked HandoverMark and sent to its interface's
// ingress again, unchanged; a frame already marked goes on untouched.
func TestIntegrationHandover(t *testing.T) {
	w := newWorld(t, diffScript, diffNeighs)
	p, err := NewWith(TC, Options{Handover: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	c := w.compile(t)
	if err := p.Apply(c); err != nil {
		t.Fatal(err)
	}
	src := netip.MustParseAddr("192.168.1.10")
	fwd := frame4(w.mac["r1"], header.IPv4Fields{TTL: 64, Protocol: 17, Src: src, Dst: netip.MustParseAddr("172.16.1.1")}, make([]byte, 64))
	slow := frame4(w.mac["r1"], header.IPv4Fields{TTL: 1, Protocol: 17, Src: src, Dst: netip.MustParseAddr("172.16.1.1")}, make([]byte, 64))
	run := func(frame []byte, mark uint32) (uint32, [64]uint32, []byte) {
		t.Helper()
		var in skbCtx
		var out [64]uint32 // struct __sk_buff whole, with room
		in[2], in[10] = mark, uint32(w.ifx["r1"])
		data := make([]byte, len(frame)+256)
		opts := &ebpf.RunOptions{Data: frame, DataOut: data, Context: in, ContextOut: &out}
		ret, err := p.Program().Run(opts)
		if err != nil {
			t.Fatalf("test run: %v", err)
		}
		return ret, out, opts.DataOut
	}
	if ret, ctx, _ := run(fwd, 0); ret != tcActRedirect || ctx[2] != 0 {
		t.Errorf("forwardable frame: verdict %d, mark %#x; want %d, unmarked", ret, ctx[2], tcActRedirect)
	}
	if ret, ctx, out := run(slow, 0); ret != tcActRedirect || ctx[2] != HandoverMark || !bytes.Equal(out, slow) {
		t.Errorf("TTL 1: verdict %d, mark %#x, changed %v; want %d, marked, unchanged", ret, ctx[2], !bytes.Equal(out, slow), tcActRedirect)
	}
	for _, f := range [][]byte{fwd, slow} {
		if ret, ctx, out := run(f, HandoverMark); ret != tcActOK || ctx[2] != HandoverMark || !bytes.Equal(out, f) {
			t.Errorf("marked frame: verdict %d, mark %#x; want %d, untouched", ret, ctx[2], tcActOK)
		}
	}
}

// TestIntegrationHandoverSocket runs the tc program with handover on a
// veth and checks that a packet socket accepting only HandoverMark
// (packet.Config.Mark) receives each frame the program does not
// forward once.
func TestIntegrationHandoverSocket(t *testing.T) {
	netnstest.Enter(t)
	netnstest.IP(t, "link", "add", "hv0", "type", "veth", "peer", "name", "hv1")
	netnstest.IP(t, "link", "set", "hv0", "up")
	netnstest.IP(t, "link", "set", "hv1", "up")
	p, err := NewWith(TC, Options{Handover: true})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	ifi, err := net.InterfaceByName("hv0")
	if err != nil {
		t.Fatal(err)
	}
	rx, err := packet.Open("hv0", packet.Config{Mark: HandoverMark, NoCoalesce: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rx.Close()
	l, err := link.AttachTCX(link.TCXOptions{Interface: ifi.Index, Program: p.Program(), Attach: ebpf.AttachTCXIngress})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	tx, err := packet.Open("hv1", packet.Config{NoCoalesce: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	frame := frame4(rx.MAC(), header.IPv4Fields{TTL: 64, Protocol: 17, Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2")}, make([]byte, 64))
	const n = 10
	for range n {
		if _, err := tx.Write([][]byte{frame}, 0); err != nil {
			t.Fatal(err)
		}
	}
	got := 0
	bufs := [][]byte{make([]byte, 2048)}
	sizes := []int{0}
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) {
		k, err := rx.TryRead(bufs, sizes, 0)
		if err != nil {
			t.Fatal(err)
		}
		if k > 0 && bytes.Equal(bufs[0][:sizes[0]], frame) {
			got += k
		}
		if k == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if got != n {
		t.Errorf("the port received %d frames of %d handed over, want each once", got, n)
	}
}

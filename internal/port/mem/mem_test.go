package mem

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port"
)

var (
	macA = header.MAC{2, 0, 0, 0, 0, 0xa}
	macB = header.MAC{2, 0, 0, 0, 0, 0xb}
)

func testPair(a, b Config) (*Port, *Port) {
	if a.Name == "" {
		a.Name, a.MAC = "a", macA
	}
	if b.Name == "" {
		b.Name, b.MAC = "b", macB
	}
	return Pair(a, b)
}

// frame returns an n-octet frame from src to dst whose payload octets all
// hold tag.
func frame(dst, src header.MAC, n int, tag byte) []byte {
	f := make([]byte, n)
	header.Ethernet(f).Encode(dst, src, header.EtherTypeIPv4)
	for i := header.EthernetLen; i < n; i++ {
		f[i] = tag
	}
	return f
}

// batch returns k buffers of size octets each.
func batch(k, size int) ([][]byte, []int) {
	bufs := make([][]byte, k)
	for i := range bufs {
		bufs[i] = make([]byte, size)
	}
	return bufs, make([]int, k)
}

func TestPairAccessors(t *testing.T) {
	a, b := Pair(Config{Name: "veth0", MAC: macA}, Config{Name: "veth1", MAC: macB, MTU: 9000, BatchSize: 8})
	defer a.Close()
	for _, c := range []struct {
		got, want any
		call      string
	}{
		{a.Name(), "veth0", "a.Name()"},
		{a.MAC(), macA, "a.MAC()"},
		{a.MTU(), DefaultMTU, "a.MTU()"},
		{a.BatchSize(), DefaultBatchSize, "a.BatchSize()"},
		{b.Name(), "veth1", "b.Name()"},
		{b.MTU(), 9000, "b.MTU()"},
		{b.BatchSize(), 8, "b.BatchSize()"},
		{a.Peer(), b, "a.Peer()"},
		{b.Peer(), a, "b.Peer()"},
	} {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.call, c.got, c.want)
		}
	}
}

// TestBatch writes a batch with headroom one way and the other, and reads
// it back in order, in batches smaller than what is queued.
func TestBatch(t *testing.T) {
	a, b := testPair(Config{}, Config{})
	defer a.Close()
	const offset = 16
	for _, dir := range []struct {
		name     string
		from, to *Port
	}{{"a→b", a, b}, {"b→a", b, a}} {
		var frames [][]byte
		var out [][]byte
		for i := range 10 {
			f := frame(dir.to.MAC(), dir.from.MAC(), 60+i, byte(i))
			frames = append(frames, f)
			out = append(out, append(make([]byte, offset), f...))
		}
		if n, err := dir.from.Write(out, offset); n != len(out) || err != nil {
			t.Fatalf("%s: Write(%d frames) = %d, %v, want %d, nil", dir.name, len(out), n, err, len(out))
		}
		bufs, sizes := batch(4, 128)
		var got [][]byte
		for _, want := range []int{4, 4, 2} {
			n, err := dir.to.Read(bufs, sizes, offset)
			if n != want || err != nil {
				t.Fatalf("%s: Read(4 bufs) = %d, %v, want %d, nil", dir.name, n, err, want)
			}
			for i := range n {
				got = append(got, bytes.Clone(bufs[i][offset:offset+sizes[i]]))
			}
		}
		for i := range frames {
			if !bytes.Equal(got[i], frames[i]) {
				t.Errorf("%s: frame %d = %x, want %x", dir.name, i, got[i], frames[i])
			}
		}
	}
}

// TestWriteCopies reuses the writer's buffer at once, as the data plane
// does, and expects the reader to see what was written.
func TestWriteCopies(t *testing.T) {
	a, b := testPair(Config{}, Config{})
	defer a.Close()
	buf := frame(macB, macA, 64, 1)
	want := bytes.Clone(buf)
	a.Write([][]byte{buf}, 0)
	clear(buf)
	bufs, sizes := batch(1, 100)
	b.Read(bufs, sizes, 0)
	if got := bufs[0][:sizes[0]]; !bytes.Equal(got, want) {
		t.Errorf("Read after the writer reused its buffer = %x, want %x", got, want)
	}
}

func TestTryReadEmpty(t *testing.T) {
	a, b := testPair(Config{}, Config{})
	defer a.Close()
	bufs, sizes := batch(4, 100)
	if n, err := b.TryRead(bufs, sizes, 0); n != 0 || err != nil {
		t.Errorf("TryRead on an empty queue = %d, %v, want 0, nil", n, err)
	}
}

// TestDrops covers every frame a pair refuses and the counters it keeps.
func TestDrops(t *testing.T) {
	tests := []struct {
		name    string
		a, b    Config
		lens    []int // frames a writes to b
		readBuf int
		wantLen []int // frames b reads
		want    port.Stats
		wantB   port.Stats
	}{{
		name:    "queue full",
		b:       Config{QueueLen: 3},
		lens:    []int{60, 61, 62, 63, 64},
		readBuf: 1600,
		wantLen: []int{60, 61, 62},
		want:    port.Stats{TxPackets: 5, TxBytes: 310, TxDropped: 2},
		wantB:   port.Stats{RxPackets: 3, RxBytes: 183},
	}, {
		// MTU 100 admits 100 + 14 + 4 octets, and the smaller MTU of
		// the two ends decides.
		name:    "too long",
		b:       Config{MTU: 100},
		lens:    []int{118, 119, 60},
		readBuf: 1600,
		wantLen: []int{118, 60},
		want:    port.Stats{TxPackets: 2, TxBytes: 178, TxDropped: 1},
		wantB:   port.Stats{RxPackets: 2, RxBytes: 178},
	}, {
		name:    "reader buffer short",
		lens:    []int{60, 101, 100},
		readBuf: 100,
		wantLen: []int{60, 100},
		want:    port.Stats{TxPackets: 3, TxBytes: 261},
		wantB:   port.Stats{RxPackets: 2, RxBytes: 160, RxErrors: 1},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := testPair(tt.a, tt.b)
			defer a.Close()
			var out [][]byte
			for i, n := range tt.lens {
				out = append(out, frame(macB, macA, n, byte(i)))
			}
			if n, err := a.Write(out, 0); n != len(out) || err != nil {
				t.Fatalf("Write(%d frames) = %d, %v, want %d, nil", len(out), n, err, len(out))
			}
			bufs, sizes := batch(8, tt.readBuf)
			n, err := b.TryRead(bufs, sizes, 0)
			if err != nil || n != len(tt.wantLen) {
				t.Fatalf("TryRead = %d, %v, want %d, nil", n, err, len(tt.wantLen))
			}
			for i, want := range tt.wantLen {
				if sizes[i] != want {
					t.Errorf("frame %d is %d octets, want %d", i, sizes[i], want)
				}
			}
			if got := a.Stats(); got != tt.want {
				t.Errorf("a.Stats() = %+v, want %+v", got, tt.want)
			}
			if got := b.Stats(); got != tt.wantB {
				t.Errorf("b.Stats() = %+v, want %+v", got, tt.wantB)
			}
		})
	}
}

func TestMulticastCounted(t *testing.T) {
	a, b := testPair(Config{}, Config{})
	defer a.Close()
	a.Write([][]byte{
		frame(header.BroadcastMAC, macA, 60, 0),
		frame(header.MAC{0x33, 0x33, 0, 0, 0, 1}, macA, 60, 0),
		frame(macB, macA, 60, 0),
		{1, 2, 3}, // a runt is delivered as it is
	}, 0)
	bufs, sizes := batch(8, 100)
	if n, _ := b.TryRead(bufs, sizes, 0); n != 4 {
		t.Fatalf("TryRead = %d frames, want 4", n)
	}
	if got := b.Stats().Multicast; got != 2 {
		t.Errorf("Stats().Multicast = %d, want 2", got)
	}
}

// TestImpair loses every third frame and duplicates every fourth, the
// same way every run.
func TestImpair(t *testing.T) {
	var seen []byte
	a, b := testPair(Config{Impair: func(f []byte) int {
		tag := f[header.EthernetLen]
		seen = append(seen, tag)
		switch {
		case tag%3 == 0:
			return 0
		case tag%4 == 0:
			return 2
		}
		return 1
	}}, Config{})
	defer a.Close()
	var out [][]byte
	for i := 1; i <= 8; i++ {
		out = append(out, frame(macB, macA, 60, byte(i)))
	}
	a.Write(out, 0)
	bufs, sizes := batch(16, 100)
	n, _ := b.TryRead(bufs, sizes, 0)
	var got []byte
	for i := range n {
		got = append(got, bufs[i][header.EthernetLen])
	}
	if want := []byte{1, 2, 4, 4, 5, 7, 8, 8}; !bytes.Equal(got, want) {
		t.Errorf("frames delivered = %v, want %v", got, want)
	}
	if want := []byte{1, 2, 3, 4, 5, 6, 7, 8}; !bytes.Equal(seen, want) {
		t.Errorf("Impair saw %v, want %v", seen, want)
	}
	if got := a.Stats(); got.TxPackets != 8 || got.TxDropped != 0 {
		t.Errorf("a.Stats() = %+v, want TxPackets 8, TxDropped 0", got)
	}
}

// TestClose checks that closing either end closes both, wakes a blocked
// reader and fails later calls with port.ErrClosed.
func TestClose(t *testing.T) {
	a, b := testPair(Config{}, Config{})
	a.Write([][]byte{frame(macB, macA, 60, 0)}, 0) // discarded by Close
	bufs, sizes := batch(1, 100)
	errc := make(chan error)
	go func() {
		_, err := a.Read(bufs[:1], sizes[:1], 0) // nothing queued for a: blocks
		errc <- err
	}()
	if err := b.Close(); err != nil {
		t.Fatalf("b.Close() = %v, want nil", err)
	}
	select {
	case err := <-errc:
		if !errors.Is(err, port.ErrClosed) {
			t.Errorf("blocked a.Read after b.Close() = %v, want ErrClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a.Read still blocked after b.Close()")
	}
	rb, rs := batch(1, 100)
	for _, c := range []struct {
		call string
		err  error
		want string
	}{
		{"b.TryRead", second(b.TryRead(rb, rs, 0)), "read b: port closed"},
		{"b.Read", second(b.Read(rb, rs, 0)), "read b: port closed"},
		{"a.Write", second(a.Write([][]byte{frame(macB, macA, 60, 0)}, 0)), "write a: port closed"},
		{"b.Write", second(b.Write([][]byte{frame(macA, macB, 60, 0)}, 0)), "write b: port closed"},
		{"a.Close", a.Close(), ""},
		{"b.Close", b.Close(), ""},
	} {
		got := ""
		if c.err != nil {
			got = c.err.Error()
		}
		if got != c.want {
			t.Errorf("%s after Close = %q, want %q", c.call, got, c.want)
		}
		var op *port.OpError
		if c.want != "" && (!errors.As(c.err, &op) || !errors.Is(c.err, port.ErrClosed)) {
			t.Errorf("%s after Close = %#v, want a *port.OpError wrapping ErrClosed", c.call, c.err)
		}
	}
}

func second(_ int, err error) error { return err }

// TestConcurrent runs a writer and a reader in their own goroutines, for
// the race detector, and checks that every frame arrives once, in order.
func TestConcurrent(t *testing.T) {
	const frames = 2000
	a, b := testPair(Config{}, Config{QueueLen: frames})
	defer a.Close()
	go func() {
		out := make([][]byte, 0, 7)
		for i := 0; i < frames; {
			out = out[:0]
			for ; len(out) < cap(out) && i < frames; i++ {
				f := frame(macB, macA, 60, 0)
				f[header.EthernetLen], f[header.EthernetLen+1] = byte(i>>8), byte(i)
				out = append(out, f)
			}
			a.Write(out, 0)
		}
	}()
	bufs, sizes := batch(5, 100)
	for next := 0; next < frames; {
		n, err := b.Read(bufs, sizes, 0)
		if err != nil {
			t.Fatalf("Read = %v after %d frames", err, next)
		}
		for i := range n {
			f := bufs[i]
			if got := int(f[header.EthernetLen])<<8 | int(f[header.EthernetLen+1]); got != next {
				t.Fatalf("frame %d carries %d", next, got)
			}
			next++
		}
	}
	if got := a.Stats().TxDropped; got != 0 {
		t.Errorf("Stats().TxDropped = %d, want 0", got)
	}
}

// TestZeroAllocs proves that a batch crosses a pair without allocating
// once the queues have grown, for both reads, and that drops are free too.
func TestZeroAllocs(t *testing.T) {
	a, b := testPair(Config{}, Config{QueueLen: 64})
	defer a.Close()
	out := make([][]byte, 64)
	for i := range out {
		out[i] = frame(macB, macA, 1514, byte(i))
	}
	bufs, sizes := batch(64, 1600)
	for _, c := range []struct {
		name string
		f    func()
	}{
		{"Write+Read", func() {
			a.Write(out, 0)
			b.Read(bufs, sizes, 0)
		}},
		{"Write+TryRead", func() {
			a.Write(out, 0)
			b.TryRead(bufs, sizes, 0)
		}},
		{"Write to a full queue", func() {
			a.Write(out, 0)
			a.Write(out, 0) // every frame dropped
			b.TryRead(bufs, sizes, 0)
		}},
	} {
		c.f() // grow the queue's buffers
		if n := testing.AllocsPerRun(100, c.f); n != 0 {
			t.Errorf("%s of a %d-frame batch allocates %v times, want 0", c.name, len(out), n)
		}
	}
}

func BenchmarkPair(b *testing.B) {
	for _, size := range []int{64, 1514} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			pa, pb := testPair(Config{}, Config{})
			defer pa.Close()
			out := make([][]byte, DefaultBatchSize)
			for i := range out {
				out[i] = frame(macB, macA, size, byte(i))
			}
			bufs, sizes := batch(DefaultBatchSize, 1600)
			b.SetBytes(int64(size * len(out)))
			b.ReportAllocs()
			for b.Loop() {
				pa.Write(out, 0)
				pb.Read(bufs, sizes, 0)
			}
		})
	}
}

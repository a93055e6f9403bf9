package neigh

import (
	"net/netip"
	"slices"
	"testing"
)

// transmitted answers ip's resolution and returns the numbers of the frames
// it releases, in order.
func transmitted(t *testing.T, c *Cache, ip netip.Addr) []int {
	t.Helper()
	var got []int
	for _, a := range answer(c, ip, mac1) {
		if a.Op != OpTransmit || a.MAC != mac1 {
			t.Fatalf("answer released %v %v, want transmit to %v", a.Op, a.MAC, mac1)
		}
		got = append(got, frameNum(a.Packet.Bytes()))
		a.Packet.Release()
	}
	return got
}

// seq returns lo, lo+1, ..., hi-1.
func seq(lo, hi int) []int {
	var s []int
	for i := lo; i < hi; i++ {
		s = append(s, i)
	}
	return s
}

// TestQueueBounds: unres_qlen, unres_qlen_bytes and the table's total,
// the oldest packets dropped first and counted as unresolved_discards.
func TestQueueBounds(t *testing.T) {
	tests := []struct {
		name    string
		change  func(*Params)
		frames  int
		size    int
		want    []int
		discard uint64
	}{
		{"unres_qlen 101", nil, 105, 100, seq(4, 105), 4},
		{"unres_qlen_bytes", func(p *Params) { p.QueueBytes = 3000 }, 5, 1000, seq(2, 5), 2},
		{"total bytes", func(p *Params) { p.QueueBytesTotal = 2500 }, 5, 1000, seq(3, 5), 3},
		{"oversized frame kept alone", func(p *Params) { p.QueueBytes = 1000 }, 3, 1500, []int{2}, 2},
		{"queueing disabled", func(p *Params) { p.QueueLen = 0 }, 2, 100, nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var change []func(*Params)
			if tt.change != nil {
				change = append(change, tt.change)
			}
			c, _ := newCache(t, change...)
			for i := range tt.frames {
				c.Resolve(ip4, frame(i, tt.size))
			}
			if e, _ := c.Get(ip4); e.Queued != len(tt.want) {
				t.Fatalf("Get(%v).Queued = %d, want %d", ip4, e.Queued, len(tt.want))
			}
			if got := transmitted(t, c, ip4); !slices.Equal(got, tt.want) {
				t.Fatalf("released frames %v, want %v", got, tt.want)
			}
			if st := c.Stats(IPv4); st.UnresDiscards != tt.discard {
				t.Fatalf("UnresDiscards = %d, want %d", st.UnresDiscards, tt.discard)
			}
		})
	}
}

// TestQueueTotalShared: the table's byte budget is shared by entries, and
// returns to it as queues drain.
func TestQueueTotalShared(t *testing.T) {
	c, _ := newCache(t, func(p *Params) { p.QueueBytesTotal = 2000 })
	other := netip.MustParseAddr("192.0.2.2")
	c.Resolve(ip4, frame(1, 1000))
	c.Resolve(ip4, frame(2, 1000))
	c.Resolve(other, frame(3, 1000)) // no room, and nothing of its own to drop
	if e, _ := c.Get(other); e.State != StateIncomplete || e.Queued != 0 {
		t.Fatalf("Get(%v) = %v with %d queued, want INCOMPLETE with 0", other, e.State, e.Queued)
	}
	if got := transmitted(t, c, ip4); !slices.Equal(got, []int{1, 2}) {
		t.Fatalf("released %v, want [1 2]", got)
	}
	c.Resolve(other, frame(4, 1000))
	if got := transmitted(t, c, other); !slices.Equal(got, []int{4}) {
		t.Fatalf("released %v, want [4]", got)
	}
}

// TestQueueCopies: the cache keeps its own copy of a frame.
func TestQueueCopies(t *testing.T) {
	c, _ := newCache(t)
	b := frame(7, 64)
	c.Resolve(ip4, b)
	b[0] = 99
	if got := transmitted(t, c, ip4); !slices.Equal(got, []int{7}) {
		t.Fatalf("released %v, want [7]", got)
	}
}

// TestResolveNoAllocs: queueing into a full queue reuses pooled buffers.
func TestResolveNoAllocs(t *testing.T) {
	c, _ := newCache(t)
	b := frame(1, 1500)
	for range 200 {
		c.Resolve(ip4, b)
	}
	if n := testing.AllocsPerRun(1000, func() { c.Resolve(ip4, b) }); n != 0 {
		t.Fatalf("Resolve(%v) on a full queue: %v allocs, want 0", ip4, n)
	}
}

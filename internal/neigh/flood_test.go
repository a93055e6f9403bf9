package neigh

import (
	"net/netip"
	"runtime"
	"testing"
	"time"
)

// floodAddr returns the i-th of 2^24 distinct sources: 10.x.y.z, or
// 2001:db8::x:y:z for IPv6.
func floodAddr(f Family, i int) netip.Addr {
	if f == IPv4 {
		return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)})
	}
	return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 13: byte(i >> 16), 14: byte(i >> 8), 15: byte(i)})
}

// solicitFrom is what an ARP request or Neighbor Solicitation (with a
// source link-layer address) for our address from ip teaches the cache.
func solicitFrom(c *Cache, ip netip.Addr) {
	if ip.Is4() {
		c.Input(nil, ip, mac2, ARPRequest, FlagTarget)
	} else {
		c.Input(nil, ip, mac2, NeighborSolicit, FlagTarget)
	}
}

// tick runs c's timers at now, releasing the packets the Actions hand
// over, as the data plane does after sending them.
func tick(c *Cache, now time.Time) {
	for _, a := range c.Tick(nil, now) {
		if a.Packet != nil {
			a.Packet.Release()
		}
	}
}

// heapInUse returns the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestFlood100kSources: 100,000 distinct sources soliciting our address,
// or packets to 100,000 unresolved destinations, at 10,000 a second,
// never take a table past gc_thresh3 or its queues past their bounds,
// and leave the heap about where it was; 100,000 more announcing
// themselves unasked make no entry at all.
func TestFlood100kSources(t *testing.T) {
	const sources, perTick = 100_000, 1000
	floods := []struct {
		name  string
		flood func(c *Cache, ip netip.Addr)
	}{
		{"solicitations", solicitFrom},
		{"unresolved destinations", func(c *Cache, ip netip.Addr) { c.Resolve(ip, frame(1, 200)) }},
	}
	for _, fl := range floods {
		for _, f := range []Family{IPv4, IPv6} {
			t.Run(fl.name+"/"+f.String(), func(t *testing.T) {
				c, clk := newCache(t)
				p := c.Params(f)
				before := heapInUse()
				for i := 0; i < sources; i += perTick {
					for j := i; j < i+perTick; j++ {
						fl.flood(c, floodAddr(f, j))
					}
					tick(c, clk.Advance(100*time.Millisecond))
					st := c.Stats(f)
					if st.Entries > uint64(p.GCThresh3) || st.Allocs-st.Destroys != st.Entries {
						t.Fatalf("after %d sources: %+v, over gc_thresh3 %d or miscounted", i+perTick, st, p.GCThresh3)
					}
					queued := 0
					for _, e := range c.Entries() {
						queued += e.Queued
					}
					if queued*200 > p.QueueBytesTotal {
						t.Fatalf("after %d sources: %d bytes queued, over %d", i+perTick, queued*200, p.QueueBytesTotal)
					}
				}
				st := c.Stats(f)
				if st.TableFulls+st.IncompleteFulls == 0 || st.Allocs < uint64(p.GCThresh3) {
					t.Errorf("flood refused nothing or learnt little: %+v", st)
				}
				// Gratuitous ARP and unsolicited advertisements from new
				// sources only update existing entries (arp_accept=0).
				for i := sources; i < 2*sources; i++ {
					ip := floodAddr(f, i)
					if f == IPv4 {
						c.Input(nil, ip, mac2, ARPRequest, FlagGratuitous)
						c.Input(nil, ip, mac2, ARPReply, FlagGratuitous)
					} else {
						c.Input(nil, ip, mac2, NeighborAdvert, FlagOverride)
					}
				}
				if got := c.Stats(f).Allocs; got != st.Allocs {
					t.Errorf("gratuitous ARP or unsolicited NA from new sources made %d entries, want none", got-st.Allocs)
				}
				if grown := int64(heapInUse()) - int64(before); grown > 8<<20 {
					t.Errorf("heap grew by %d bytes over the flood, want under 8 MiB", grown)
				}
			})
		}
	}
}

package dataplane

import (
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/sim"
)

// floodSource returns the i-th flooding address of 10.0.0.0/8, from
// 10.0.0.2 on, and a MAC to go with it.
func floodSource(i int) (netip.Addr, header.MAC) {
	i += 2
	return netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}),
		header.MAC{0x02, 0x10, 0, byte(i >> 16), byte(i >> 8), byte(i)}
}

// arpRequestFrame returns a broadcast ARP request for target from sender
// at mac.
func arpRequestFrame(mac header.MAC, sender, target netip.Addr) []byte {
	f := make([]byte, header.EthernetLen+header.ARPLen)
	header.Ethernet(f).Encode(header.BroadcastMAC, mac, header.EtherTypeARP)
	header.ARP(f[header.EthernetLen:]).Encode(header.ARPRequest, mac, sender, header.MAC{}, target)
	return f
}

// neighFlood floods port ra1 of the seed lab for 10 simulated seconds:
// host a1 sends ARP requests for 10.0.0.1 from 100,000 distinct sources
// of 10.0.0.0/8, 10,000 a second, and host a2 sends 1,000 datagrams a
// second through ra1 to as many unresolved destinations. Host b1 pings
// b2, in VRF b, every second meanwhile.
func neighFlood(t *testing.T, s *seedLab) {
	t.Helper()
	a2 := s.mac("ra2")
	next := 0
	for tick := range 100 {
		for range 2 {
			for range 500 {
				src, mac := floodSource(next)
				next++
				if err := s.a1.SendFrame(arpRequestFrame(mac, src, ip("10.0.0.1"))); err != nil {
					t.Fatal(err)
				}
			}
			s.net.Settle()
		}
		for i := range 100 {
			dst, _ := floodSource(1<<20 + tick*100 + i)
			if err := s.a2.SendFrame(datagram(a2, s.a2.MAC(), ip("192.168.2.10"), dst, uint16(i))); err != nil {
				t.Fatal(err)
			}
		}
		s.a1.ResetCapture()
		s.net.Run(100 * time.Millisecond)
		if tick%10 == 0 {
			ping(t, s.b1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
		}
	}
	s.a1.ResetCapture()
}

// TestNeighbourFloodPerPort: a flood of new neighbours on one port keeps
// its table within gc_thresh3 and its resolutions within MaxIncomplete,
// while the other VRF resolves and forwards as before.
func TestNeighbourFloodPerPort(t *testing.T) {
	s := newSeed(t, Config{}, "addr add 10.0.0.1/8 dev ra1")
	neighFlood(t, s)
	cache := s.dp.Neighbors(s.index("ra1"))
	st := cache.Stats(neigh.IPv4)
	if p := cache.Params(neigh.IPv4); st.Entries > uint64(p.GCThresh3) || st.TableFulls == 0 {
		t.Errorf("ra1 after the flood: %+v, want at most gc_thresh3 %d entries and refusals", st, p.GCThresh3)
	}
	// Counted on the ingress port, as forwarding drops are.
	if got := s.port("ra2").Drops[ReasonNeighTableFull]; got == 0 {
		t.Errorf("ra2 Drops[neigh_table_full] = 0, want the datagrams to new destinations")
	}
	ping(t, s.b2, "192.168.1.10", sim.Opts{}, "echo reply from 192.168.1.10")
	checkBalance(t, s.dp.Stats())
}

// TestNeighbourFloodGlobalCap: with net.govrf.neigh.max_entries at 1024,
// the flooding port stops at 7/8 of it, its refusals counted as
// neigh_global_full, and the ports of VRF b still learn their
// neighbours.
func TestNeighbourFloodGlobalCap(t *testing.T) {
	s := newSeed(t, Config{}, "addr add 10.0.0.1/8 dev ra1", "sysctl -w net.govrf.neigh.max_entries=1024")
	neighFlood(t, s)
	st := s.dp.Neighbors(s.index("ra1")).Stats(neigh.IPv4)
	if st.Entries > 896 || st.GlobalFulls == 0 {
		t.Errorf("ra1 after the flood: %+v, want at most 896 entries and GlobalFulls", st)
	}
	if got := s.port("ra2").Drops[ReasonNeighGlobalFull]; got == 0 {
		t.Errorf("ra2 Drops[neigh_global_full] = 0, want the datagrams to new destinations")
	}
	// A neighbour VRF b has not met yet.
	s.run("addr add 192.168.3.1/24 dev rb2")
	s.b2.ResetCapture()
	if err := s.b2.SendFrame(arpRequestFrame(s.b2.MAC(), ip("192.168.3.7"), ip("192.168.3.1"))); err != nil {
		t.Fatal(err)
	}
	s.net.Settle()
	if _, ok := s.dp.Neighbors(s.index("rb2")).Get(ip("192.168.3.7")); !ok {
		t.Errorf("rb2 did not learn 192.168.3.7 with the flooding port at its share")
	}
	checkBalance(t, s.dp.Stats())
}

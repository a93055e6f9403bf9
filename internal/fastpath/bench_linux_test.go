package fastpath

import (
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
)

// BenchmarkXDP1 measures the XDP program forwarding IPv4 through a VRF
// trie of one route, in the kernel's test run (no syscall per packet):
// ns/packet.
func BenchmarkXDP1(b *testing.B) { benchXDP(b, 1) }

// BenchmarkXDP1M is BenchmarkXDP1 with 1M /24 routes in the trie.
func BenchmarkXDP1M(b *testing.B) { benchXDP(b, 1_000_000) }

// benchRepeat is how many times one test run forwards the frame, in
// place: its TTL, 255, falls by one each time and must stay above 1, and
// the nexthop's MAC is the port's own so that it stays addressed to it.
const benchRepeat = 250

func benchXDP(b *testing.B, routes int) {
	if os.Geteuid() != 0 {
		b.Skip("the benchmark needs root")
	}
	p, err := New(XDP)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	mac := header.MAC{0x02, 0, 0, 0, 0, 1}
	nh := uint32(1) | trieSourceOK
	entries := []Entry{{Prefix: netip.MustParsePrefix("192.168.1.0/24"), Value: trieSourceOK}}
	for i := range routes {
		a := netip.AddrFrom4([4]byte{byte(16 + i>>16), byte(i >> 8), byte(i), 0})
		entries = append(entries, Entry{Prefix: netip.PrefixFrom(a, 24), Value: nh})
	}
	c := &Compiled{
		// The test run's ingress is lo, ifindex 1.
		Ports:    map[uint32]PortValue{1: {Slot: 0, VRF: 0, Flags: PortIPv4, MAC: mac}},
		Nexthops: []NexthopValue{{Ifindex: 2, Slot: 1, MTU: 1500, Deadline: ^uint64(0), Src: hostMAC(1), Dst: mac}},
		VRFs:     []Tries{{Routes: [2][]Entry{entries}}},
	}
	if err := p.Apply(c); err != nil {
		b.Fatal(err)
	}
	dst := entries[len(entries)-1].Prefix.Addr().Next()
	frame := frame4(mac, header.IPv4Fields{TTL: 255, Protocol: 17, Src: netip.MustParseAddr("192.168.1.10"), Dst: dst}, make([]byte, 64))
	b.ResetTimer()
	var total time.Duration
	runs := 0
	for runs < b.N {
		ret, d, err := p.Program().Benchmark(frame, benchRepeat, nil)
		if err != nil || ret != xdpRedirect {
			b.Fatalf("verdict %d, %v: want a redirect", ret, err)
		}
		total += d * benchRepeat
		runs += benchRepeat
	}
	b.ReportMetric(float64(total.Nanoseconds())/float64(runs), "ns/packet")
}

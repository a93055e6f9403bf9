package fastpath

import (
	"encoding/binary"
	"net/netip"
	"os"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
)

// BenchmarkXDP1 measures the XDP program forwarding IPv4 through a VRF
// trie of one route, in the kernel's test run (no syscall per packet):
// ns/packet.
// Its UDP checksum is zero (none): the program verifies nothing.
func BenchmarkXDP1(b *testing.B) { benchXDP(b, 1, false) }

// BenchmarkXDP1Sum is BenchmarkXDP1 with a complete UDP checksum, which
// the program verifies over the 64-octet segment.
func BenchmarkXDP1Sum(b *testing.B) { benchXDP(b, 1, true) }

// BenchmarkXDP1M is BenchmarkXDP1 with 1M /24 routes in the trie.
func BenchmarkXDP1M(b *testing.B) { benchXDP(b, 1_000_000, false) }

// benchRepeat is how many times one test run forwards the frame, in
// place: its TTL, 255, falls by one each time and must stay above 1, and
// the nexthop's MAC is the port's own so that it stays addressed to it.
const benchRepeat = 250

func benchXDP(b *testing.B, routes int, sum bool) {
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
	if err := p.SetXmit(1, true); err != nil {
		b.Fatal(err)
	}
	dst := entries[len(entries)-1].Prefix.Addr().Next()
	src := netip.MustParseAddr("192.168.1.10")
	udp := make([]byte, 64)
	if sum {
		for i := 8; i < len(udp); i++ {
			udp[i] = byte(i)
		}
		binary.BigEndian.PutUint16(udp[4:], uint16(len(udp)))
		binary.BigEndian.PutUint16(udp[6:], ^header.Checksum(udp, header.PseudoHeaderChecksum(17, src, dst, uint32(len(udp)))))
	}
	frame := frame4(mac, header.IPv4Fields{TTL: 255, Protocol: 17, Src: src, Dst: dst}, udp)
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

package sim

import (
	"net/netip"
	"testing"

	"github.com/govrf/govrf/internal/header"
)

var (
	a4, b4 = netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("10.0.0.2")
	a6, b6 = netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
)

// pair returns hosts a (10.0.0.1, 2001:db8::1) and b (10.0.0.2,
// 2001:db8::2) on one link, both serving UDP port 7 and TCP port 22.
func pair(t *testing.T, m Mode) (*Network, *Host, *Host) {
	t.Helper()
	n := NewNetwork(m)
	t.Cleanup(func() { n.Close() })
	a, b := n.Link(hostConfig("a", a4, a6), hostConfig("b", b4, b6))
	return n, a, b
}

func hostConfig(name string, v4, v6 netip.Addr) HostConfig {
	return HostConfig{
		Name:     name,
		Addrs:    []netip.Prefix{netip.PrefixFrom(v4, 24), netip.PrefixFrom(v6, 64)},
		UDPPorts: []uint16{7},
		TCPPorts: []uint16{22},
	}
}

// families runs f for IPv4 and IPv6 with the addresses of the family.
func families(t *testing.T, f func(t *testing.T, srcA, dstB netip.Addr)) {
	t.Run("ipv4", func(t *testing.T) { f(t, a4, b4) })
	t.Run("ipv6", func(t *testing.T) { f(t, a6, b6) })
}

// framesOfType returns the captured frames of an EtherType.
func framesOfType(fs []Frame, etherType uint16) []Frame {
	var out []Frame
	for _, f := range fs {
		if header.Ethernet(f.Data).PayloadType() == etherType {
			out = append(out, f)
		}
	}
	return out
}

// packets returns the IP packets of the given family among the captured
// frames, NDP left out.
func packets(fs []Frame, v6 bool) [][]byte {
	var out [][]byte
	for _, f := range fs {
		eth := header.Ethernet(f.Data)
		switch {
		case !v6 && eth.PayloadType() == header.EtherTypeIPv4:
			out = append(out, eth.Payload())
		case v6 && eth.PayloadType() == header.EtherTypeIPv6:
			ip := header.IPv6(eth.Payload())
			if ip.NextHeader() == header.ProtoICMPv6 && header.IsNDP(ip.Payload()[0]) {
				continue
			}
			out = append(out, eth.Payload())
		}
	}
	return out
}

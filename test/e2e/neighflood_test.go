package e2e

import (
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/header"
)

// floodARP sends count ARP requests for target out of host's eth0, from
// as many distinct random-looking senders of 10.0.0.0/8 and MACs, a
// thousand every few milliseconds, through a packet socket.
func (tp *topo) floodARP(host string, target netip.Addr, count int) {
	tp.t.Helper()
	var err error
	tp.inNS(host, func() {
		var ifi *net.Interface
		if ifi, err = net.InterfaceByName("eth0"); err != nil {
			return
		}
		var fd int
		if fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0); err != nil {
			return
		}
		defer unix.Close(fd)
		to := &unix.SockaddrLinklayer{Ifindex: ifi.Index, Protocol: htons(header.EtherTypeARP)}
		f := make([]byte, header.EthernetLen+header.ARPLen)
		for i := range count {
			// An odd multiplier permutes 2^24: distinct, scattered senders.
			n := uint32(i+1) * 2654435761 & (1<<24 - 1)
			src := netip.AddrFrom4([4]byte{10, byte(n >> 16), byte(n >> 8), byte(n)})
			mac := header.MAC{0x02, 0x10, 0, byte(n >> 16), byte(n >> 8), byte(n)}
			header.Ethernet(f).Encode(header.BroadcastMAC, mac, header.EtherTypeARP)
			header.ARP(f[header.EthernetLen:]).Encode(header.ARPRequest, mac, src, header.MAC{}, target)
			for {
				err = unix.Sendto(fd, f, 0, to)
				if !errors.Is(err, unix.ENOBUFS) {
					break
				}
				time.Sleep(100 * time.Microsecond)
			}
			if err != nil {
				return
			}
			if i%1000 == 999 {
				time.Sleep(3 * time.Millisecond)
			}
		}
	})
	if err != nil {
		tp.t.Fatalf("flooding from %s: %v", host, err)
	}
}

// htons returns v in network byte order, as sockaddr_ll wants it.
func htons(v uint16) uint16 { return v<<8 | v>>8 }

// neighCount returns how many neighbour entries govrfd shows on port.
func (tp *topo) neighCount(port string) int {
	tp.t.Helper()
	var entries []struct{ Dst string }
	out := tp.govrf("-j neigh show dev " + port)
	if err := json.Unmarshal([]byte(out), &entries); err != nil {
		tp.t.Fatalf("govrf -j neigh show dev %s: %v\n%s", port, err, out)
	}
	return len(entries)
}

// TestIntegrationNeighbourFlood: A1 sends 100,000 ARP requests for the
// router's 10.0.0.1 from as many random senders of its subnet. With
// net.govrf.neigh.max_entries at 1024, ra1's table stops at 7/8 of it,
// and VRF b still learns a new neighbour and forwards.
func TestIntegrationNeighbourFlood(t *testing.T) {
	tp := newTopo(t)
	tp.govrf("addr add 10.0.0.1/8 dev ra1")
	tp.govrf("sysctl -w net.govrf.neigh.max_entries=1024")
	tp.warm()
	tp.floodARP("A1", netip.MustParseAddr("10.0.0.1"), 100_000)
	time.Sleep(200 * time.Millisecond) // let govrfd read what is queued
	n := tp.neighCount("ra1")
	if n > 896 || n < 100 {
		t.Errorf("ra1 holds %d neighbours after the flood, want 100 to 896 (7/8 of max_entries)", n)
	}
	t.Logf("ra1 holds %d neighbours after the flood", n)
	// A new neighbour in VRF b: B1's second address, answered by B2.
	tp.must("ip", "-n", tp.ns("B1"), "addr", "add", "192.168.1.11/24", "dev", "eth0")
	if out, ok := tp.ping("B1", "-c", "2", "-i", "0.2", "-W", "1", "-I", "192.168.1.11", "192.168.2.10"); !ok {
		t.Errorf("B1 from a new address cannot reach B2 after the flood:\n%s", out)
	}
	if out := tp.govrf("neigh show dev rb1"); !strings.Contains(out, "192.168.1.11 ") {
		t.Errorf("rb1 did not learn 192.168.1.11:\n%s", out)
	}
}

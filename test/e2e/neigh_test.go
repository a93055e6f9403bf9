package e2e

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"
)

// solicitations counts the ARP requests and Neighbor Solicitations among
// frames that come from MAC router, leaving out gratuitous ARP (sender
// and target the same address), which announces rather than asks.
func solicitations(frames [][]byte, router string) int {
	n := 0
	for _, f := range frames {
		if len(f) < 14 || macString(f[6:12]) != router {
			continue
		}
		switch binary.BigEndian.Uint16(f[12:14]) {
		case 0x0806: // ARP: opcode, sender and target addresses
			if len(f) >= 42 && binary.BigEndian.Uint16(f[20:22]) == 1 && !bytes.Equal(f[28:32], f[38:42]) {
				n++
			}
		case 0x86dd: // IPv6: ICMPv6 type 135 right after the header
			if len(f) > 54 && f[20] == 58 && f[54] == 135 {
				n++
			}
		}
	}
	return n
}

// TestIntegrationStaticNeighbour: `govrf neigh add` of A2's addresses
// with A2's real MAC, nud permanent, lets A1 reach A2 with no ARP
// request or Neighbor Solicitation from the router on A2's link; with a
// wrong MAC the pings fail, from the first echo on; `neigh del` gives
// resolution back. With the fast path on, each command must be in its
// maps when it is answered.
func TestIntegrationStaticNeighbour(t *testing.T) {
	needTool(t, "tcpdump")
	for _, mode := range []string{"off", "tc"} {
		t.Run("fastpath="+mode, func(t *testing.T) { staticNeighbour(t, buildTopo(t, false, "-fastpath", mode)) })
	}
}

// staticNeighbour is TestIntegrationStaticNeighbour on tp.
func staticNeighbour(t *testing.T, tp *topo) {
	mac, router := tp.hostMAC("A2"), tp.linkMAC("ra2")
	dsts := []string{"192.168.2.10", "2001:db8:2::10"}
	for _, dst := range dsts {
		tp.govrf("neigh add " + dst + " lladdr " + mac + " dev ra2 nud permanent")
	}
	want := "192.168.2.10 lladdr " + mac + " PERMANENT \n2001:db8:2::10 lladdr " + mac + " PERMANENT \n"
	if out := tp.govrf("neigh show dev ra2"); out != want {
		t.Fatalf("govrf neigh show dev ra2 = %q, want %q", out, want)
	}
	c := tp.startCapture("A2", "arp or icmp6")
	for _, dst := range dsts {
		if out, ok := tp.ping("A1", "-c", "3", "-i", "0.2", "-W", "2", dst); !ok {
			t.Errorf("A1 ping %s with a permanent neighbour failed:\n%s", dst, out)
		}
	}
	if n := solicitations(c.stop(t), router); n != 0 {
		t.Errorf("the router solicited A2 %d times despite its permanent entries", n)
	}

	for _, dst := range dsts {
		tp.govrf("neigh replace " + dst + " lladdr 02:00:00:00:de:ad dev ra2")
	}
	for _, dst := range dsts {
		if out, ok := tp.ping("A1", "-c", "2", "-i", "0.2", "-W", "1", dst); ok {
			t.Errorf("A1 ping %s through a permanent entry with a wrong MAC was answered:\n%s", dst, out)
		}
	}

	c = tp.startCapture("A2", "arp or icmp6")
	for _, dst := range dsts {
		tp.govrf("neigh del " + dst + " dev ra2")
	}
	for _, dst := range dsts {
		if !tp.reachesWithin("A1", dst, 5*time.Second) {
			t.Errorf("A1 does not reach %s after neigh del", dst)
		}
	}
	if n := solicitations(c.stop(t), router); n == 0 {
		t.Errorf("after neigh del the router reached A2 without soliciting it")
	}
	if out := tp.govrf("neigh show dev ra2"); strings.Contains(out, "PERMANENT") {
		t.Errorf("after neigh del, govrf neigh show dev ra2 = %q", out)
	}
}

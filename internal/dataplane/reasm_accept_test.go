package dataplane

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/govrf/govrf/internal/header"
)

// TestReasmAccept: with udp_l3mdev_accept, fragmented datagrams from A1
// and B1 (identical addresses and ports) reach the default stack whole,
// each as its own flow; the default stack's answer to B1, in fragments,
// leaves by VRF b whole, with B1's own port, and nothing reaches A1.
func TestReasmAccept(t *testing.T) {
	families(t, func(t *testing.T, v6 bool, rtr netip.Addr) {
		l := newAcceptLab(t, false, true)
		l.st[""].listen(header.ProtoUDP, 5000)
		client, server := hostAddr(rtr), rtr
		payload := bytes.Repeat([]byte{0x5a}, 3000)
		d := udp(client, server, 40000, 5000, payload)
		in := cut(len(d), 1200)
		l.send(l.a1, fragFrames(l.seedLab, l.a1, "ra1", server, header.ProtoUDP, 1, d, in)...)
		l.send(l.b1, fragFrames(l.seedLab, l.b1, "rb1", server, header.ProtoUDP, 1, d, in)...)
		got := l.st[""].received()
		if len(got) != 2 {
			t.Fatalf("default stack received %d packets, want the 2 datagrams whole", len(got))
		}
		inner := netip.AddrPortFrom(client, 40001)
		checkFlows(t, "default stack received", []string{flowOf(got[0]), flowOf(got[1])},
			netip.AddrPortFrom(client, 40000).String()+" > "+netip.AddrPortFrom(server, 5000).String()+" udp",
			inner.String()+" > "+netip.AddrPortFrom(server, 5000).String()+" udp")

		l.a1.ResetCapture()
		l.b1.ResetCapture()
		answer := udp(server, client, 5000, inner.Port(), payload)
		l.st[""].send(fragPackets(server, client, header.ProtoUDP, 9, answer, in)...)
		l.net.Settle()
		back := gathered(l.b1, v6)
		if len(back) != 1 || len(back[0]) != len(answer) || header.UDP(back[0]).DstPort() != 40000 {
			t.Fatalf("B1 received %d datagrams, want the answer, whole, to port 40000", len(back))
		}
		if u := header.UDP(back[0]); !checksumOK(header.ProtoUDP, server, client, back[0]) || u.SrcPort() != 5000 {
			t.Errorf("the answer to B1 has a wrong checksum or source port")
		}
		if n := len(gathered(l.a1, v6)); n != 0 {
			t.Errorf("A1 received %d datagrams, want none", n)
		}
	})
}

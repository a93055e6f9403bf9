package dataplane

import (
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
)

// TestAcceptWhere: where a new flow goes, by the sysctls and the
// listeners of both stacks.
func TestAcceptWhere(t *testing.T) {
	for _, tt := range []struct {
		name           string
		tcp, udp       bool
		dflt, own      bool   // listeners on 5000
		extra          string // configuration
		proto          uint8
		wantDefault    bool
		wantFlows      int
		wantOwnReceive bool
	}{
		{"tcp off", false, true, true, false, "", header.ProtoTCP, false, 0, true},
		{"udp off", true, false, true, false, "", header.ProtoUDP, false, 0, true},
		{"tcp on", true, false, true, false, "", header.ProtoTCP, true, 1, false},
		{"udp on", false, true, true, false, "", header.ProtoUDP, true, 1, false},
		{"tcp own listener first", true, false, true, true, "", header.ProtoTCP, false, 0, true},
		{"udp own socket first", false, true, true, true, "", header.ProtoUDP, false, 0, true},
		{"tcp no listener anywhere", true, true, false, false, "", header.ProtoTCP, false, 0, true},
		// The default VRF routes the address elsewhere: its stack does
		// not carry it.
		{"tcp address routed in main", true, false, true, false, "route add unreachable 192.168.1.0/24",
			header.ProtoTCP, false, 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var extra []string
			if tt.extra != "" {
				extra = append(extra, tt.extra)
			}
			l := newAcceptLab(t, tt.tcp, tt.udp, extra...)
			if tt.dflt {
				l.st[""].listen(tt.proto, 5000)
			}
			if tt.own {
				l.st["a"].listen(tt.proto, 5000)
			}
			client, server := netip.MustParseAddrPort("192.168.1.10:40000"), netip.MustParseAddrPort("192.168.1.1:5000")
			pkt := udpPacket(client, server, "x")
			if tt.proto == header.ProtoTCP {
				pkt = tcpPacket(client, server, 1, header.TCPFlagSYN)
			}
			l.sendFrom(l.a1, "ra1", pkt)
			l.net.Settle()
			if got := len(l.st[""].received()) == 1; got != tt.wantDefault {
				t.Errorf("default stack took the flow: %v, want %v", got, tt.wantDefault)
			}
			if got := len(l.st["a"].received()) == 1; got != tt.wantOwnReceive {
				t.Errorf("stack a took the flow: %v, want %v", got, tt.wantOwnReceive)
			}
			if n := l.flows().len(); n != tt.wantFlows {
				t.Errorf("%d accepted flows, want %d", n, tt.wantFlows)
			}
			checkBalance(t, l.dp.Stats())
		})
	}
}

// TestAcceptMidFlow: with the sysctl set, a segment without SYN of a flow
// never accepted stays in its VRF's stack, as do ICMP errors about
// nothing accepted.
func TestAcceptMidFlow(t *testing.T) {
	l := newAcceptLab(t, true, false)
	l.st[""].listen(header.ProtoTCP, 5000)
	client, server := netip.MustParseAddrPort("192.168.1.10:40000"), netip.MustParseAddrPort("192.168.1.1:5000")
	l.sendFrom(l.a1, "ra1", tcpPacket(client, server, 1, header.TCPFlagACK),
		portUnreachable(udpPacket(server, client, "x")))
	l.net.Settle()
	if n := len(l.st["a"].received()); n != 2 {
		t.Errorf("stack a received %d packets, want the segment and the error", n)
	}
	if n := len(l.st[""].received()); n != 0 {
		t.Errorf("default stack received %d packets, want none", n)
	}
}

// TestAcceptExpiry: flows end after their lifetimes, by the plane's
// clock, and the VRF's own stack gets their tuple again.
func TestAcceptExpiry(t *testing.T) {
	client, server := netip.MustParseAddrPort("192.168.1.10:40000"), netip.MustParseAddrPort("192.168.1.1:5000")
	for _, tt := range []struct {
		name string
		// after the SYN (or first datagram); in: from A1, out: from
		// the default stack
		in, out []byte
		before  time.Duration // the flow is still there after this
		after   time.Duration // and gone after this much more
	}{
		{"udp idle", nil, nil, 29 * time.Second, 2 * time.Second},
		{"tcp reset by the client", tcpPacket(client, server, 2, header.TCPFlagRST), nil, 0, 2 * time.Second},
		{"tcp reset by the server", nil, tcpPacket(server, client, 2, header.TCPFlagRST|header.TCPFlagACK), 0, 2 * time.Second},
		{"tcp fin one way", tcpPacket(client, server, 2, header.TCPFlagFIN|header.TCPFlagACK), nil, time.Hour, time.Hour + time.Second},
		{"tcp idle", tcpPacket(client, server, 2, header.TCPFlagACK), nil, 2*time.Hour - time.Second, 2 * time.Second},
		{"tcp never past the handshake", nil, nil, time.Minute - time.Second, 2 * time.Second},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := newAcceptLab(t, true, true)
			first := tcpPacket(client, server, 1, header.TCPFlagSYN)
			if tt.name == "udp idle" {
				l.st[""].listen(header.ProtoUDP, 5000)
				first = udpPacket(client, server, "x")
			} else {
				l.st[""].listen(header.ProtoTCP, 5000)
			}
			l.sendFrom(l.a1, "ra1", first)
			l.net.Settle()
			if tt.in != nil {
				l.sendFrom(l.a1, "ra1", tt.in)
			}
			if tt.out != nil {
				l.st[""].send(tt.out)
			}
			l.net.Settle()
			if tt.before > 0 {
				l.net.Run(tt.before)
			}
			if n := l.flows().len(); n != 1 {
				t.Fatalf("%d flows after %v, want 1", n, tt.before)
			}
			l.net.Run(tt.after)
			if n := l.flows().len(); n != 0 {
				t.Fatalf("%d flows after %v more, want 0", n, tt.after)
			}
		})
	}
}

// TestFlowLifetimes: when a flow ends after what it saw, one event at a
// time (the simulated hosts reset whatever they do not expect, so the
// lab cannot show a FIN each way).
func TestFlowLifetimes(t *testing.T) {
	const start = int64(1e12)
	client, server := netip.MustParseAddrPort("192.168.1.10:40000"), netip.MustParseAddrPort("192.168.1.1:5000")
	type ev struct {
		flags header.TCPFlags
		in    bool
	}
	for _, tt := range []struct {
		proto uint8
		evs   []ev
		want  time.Duration
	}{
		{header.ProtoUDP, nil, acceptUDPIdle},
		{header.ProtoTCP, []ev{{header.TCPFlagSYN, true}}, acceptTCPOpening},
		{header.ProtoTCP, []ev{{header.TCPFlagSYN, true}, {header.TCPFlagSYN | header.TCPFlagACK, false}}, acceptTCPOpening},
		{header.ProtoTCP, []ev{{header.TCPFlagSYN, true}, {header.TCPFlagACK, true}}, acceptTCPIdle},
		{header.ProtoTCP, []ev{{header.TCPFlagFIN | header.TCPFlagACK, true}}, acceptTCPIdle},
		{header.ProtoTCP, []ev{{header.TCPFlagFIN | header.TCPFlagACK, true}, {header.TCPFlagFIN | header.TCPFlagACK, false}}, acceptTCPLinger},
		{header.ProtoTCP, []ev{{header.TCPFlagACK, true}, {header.TCPFlagFIN, false}, {header.TCPFlagFIN, false}}, acceptTCPIdle},
		{header.ProtoTCP, []ev{{header.TCPFlagRST, false}}, 0},
		{header.ProtoTCP, []ev{{header.TCPFlagRST | header.TCPFlagACK, true}}, 0},
		// A new SYN on a flow that ended starts it again.
		{header.ProtoTCP, []ev{{header.TCPFlagRST, true}, {header.TCPFlagSYN, true}}, acceptTCPOpening},
		{header.ProtoTCP, []ev{{header.TCPFlagFIN, true}, {header.TCPFlagFIN, false}, {header.TCPFlagSYN, true}}, acceptTCPOpening},
		{header.ProtoTCP, []ev{{header.TCPFlagACK, true}, {header.TCPFlagSYN, true}}, acceptTCPOpening},
	} {
		f := &flow{key: flowKey{vrf: 1, proto: tt.proto, client: client, server: server}, port: 40000}
		for _, e := range tt.evs {
			f.observe(start, e.flags, e.in)
		}
		f.seen.Store(start)
		if got := time.Duration(f.expires() - start); got != tt.want {
			t.Errorf("proto %d after %v: expires in %v, want %v", tt.proto, tt.evs, got, tt.want)
		}
	}
}

// TestFlowTableSweep: expire removes ended flows from both maps, once
// per acceptSweep at most.
func TestFlowTableSweep(t *testing.T) {
	ft := newFlowTable(10)
	const start = int64(1e12)
	k := flowKey{vrf: 1, proto: header.ProtoUDP,
		client: netip.MustParseAddrPort("192.168.1.10:40000"), server: netip.MustParseAddrPort("192.168.1.1:53")}
	f := ft.add(k, start)
	k2 := k
	k2.vrf = 2
	f2 := ft.add(k2, start+int64(100*time.Millisecond))
	if f == nil || f2 == nil || f2.port != 40001 {
		t.Fatalf("add = %v, %v; want two flows, the second on port 40001", f, f2)
	}
	ft.expire(start + int64(acceptUDPIdle)) // f's end, not f2's
	if ft.len() != 1 || ft.lookup(k) != nil || ft.lookupInner(f.inner()) != nil || ft.lookup(k2) != f2 {
		t.Fatalf("after the first sweep: %d flows, want f2 alone", ft.len())
	}
	ft.expire(start + int64(acceptUDPIdle+500*time.Millisecond)) // f2 has ended, but within acceptSweep
	if ft.len() != 1 {
		t.Errorf("a second sweep within %v ran", acceptSweep)
	}
	ft.expire(start + int64(acceptUDPIdle+acceptSweep))
	if ft.len() != 0 || len(ft.in) != 0 {
		t.Errorf("after f2's end: %d flows, %d inner keys; want none", ft.len(), len(ft.in))
	}
}

// TestAcceptFull: beyond the table's bound a new flow is dropped and
// counted; the flows already there go on.
func TestAcceptFull(t *testing.T) {
	l := newAcceptLab(t, true, false)
	l.st[""].listen(header.ProtoTCP, 5000)
	l.flows().limit = 1
	client, server := netip.MustParseAddrPort("192.168.1.10:40000"), netip.MustParseAddrPort("192.168.1.1:5000")
	syn := tcpPacket(client, server, 1, header.TCPFlagSYN)
	l.sendFrom(l.a1, "ra1", syn)
	l.net.Settle()
	l.sendFrom(l.b1, "rb1", syn)
	l.net.Settle()
	if n := len(l.st[""].received()); n != 1 {
		t.Errorf("default stack received %d SYNs, want A1's alone", n)
	}
	if n := len(l.st["b"].received()); n != 0 {
		t.Errorf("stack b received %d packets, want none: the flow is dropped", n)
	}
	st := l.dp.Stats()
	if got := st.Ports["rb1"].Drops[ReasonAcceptFull]; got != 1 {
		t.Errorf("rb1 drops for %v = %d, want 1", ReasonAcceptFull, got)
	}
	if got := st.VRFs["b"].Drops[ReasonAcceptFull]; got != 1 {
		t.Errorf("VRF b drops for %v = %d, want 1", ReasonAcceptFull, got)
	}
	checkBalance(t, st)
	l.sendFrom(l.a1, "ra1", tcpPacket(client, server, 2, header.TCPFlagACK))
	l.net.Settle()
	if n := len(l.st[""].received()); n != 1 {
		t.Errorf("default stack received %d segments of A1's flow, want 1", n)
	}
}

// TestAcceptVRFGone: the default stack's packets of a flow whose VRF was
// deleted are dropped, not routed in the default VRF.
func TestAcceptVRFGone(t *testing.T) {
	l := newAcceptLab(t, true, false)
	l.st[""].listen(header.ProtoTCP, 5000)
	client, server := netip.MustParseAddrPort("192.168.1.10:40000"), netip.MustParseAddrPort("192.168.1.1:5000")
	l.sendFrom(l.b1, "rb1", tcpPacket(client, server, 1, header.TCPFlagSYN))
	l.net.Settle()
	l.dp.DetachStack(l.index("b"))
	if err := l.ctl.DelLink("b"); err != nil {
		t.Fatal(err)
	}
	l.st[""].send(tcpPacket(server, client, 1, header.TCPFlagSYN|header.TCPFlagACK))
	l.net.Settle()
	if c := l.dp.Stats().Stacks[DefaultVRF]; c.Drops[ReasonNoPort] != 1 {
		t.Errorf("default stack drops %v, want one no_port", c.Drops)
	}
}

// TestAcceptReuse: a SYN on the tuple of a connection that ended is a
// new connection, decided afresh: with the sysctl turned off meanwhile,
// it and the rest of it go to the VRF's own stack.
func TestAcceptReuse(t *testing.T) {
	l := newAcceptLab(t, true, false)
	l.st[""].listen(header.ProtoTCP, 5000)
	client, server := netip.MustParseAddrPort("192.168.1.10:40000"), netip.MustParseAddrPort("192.168.1.1:5000")
	l.sendFrom(l.a1, "ra1", tcpPacket(client, server, 1, header.TCPFlagSYN))
	l.net.Settle()
	l.sendFrom(l.a1, "ra1", tcpPacket(client, server, 2, header.TCPFlagSYN)) // a retransmission
	l.sendFrom(l.a1, "ra1", tcpPacket(client, server, 3, header.TCPFlagRST))
	l.net.Settle()
	if n := len(l.st[""].received()); n != 3 {
		t.Fatalf("default stack received %d segments, want 3", n)
	}
	l.run("sysctl -w net.ipv4.tcp_l3mdev_accept=0")
	l.sendFrom(l.a1, "ra1", tcpPacket(client, server, 4, header.TCPFlagSYN), tcpPacket(client, server, 5, header.TCPFlagACK))
	l.net.Settle()
	if n := len(l.st["a"].received()); n != 2 {
		t.Errorf("stack a received %d segments of the new connection, want 2", n)
	}
	if n := len(l.st[""].received()); n != 0 {
		t.Errorf("default stack received %d segments of the new connection, want none", n)
	}
	if n := l.flows().len(); n != 0 {
		t.Errorf("%d accepted flows, want none", n)
	}
}

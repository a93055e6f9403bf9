package dataplane

import (
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/sim"
)

// TestNoListener: the router answers as a host without a listener would,
// from the address asked, in the asker's VRF.
func TestNoListener(t *testing.T) {
	s := newSeed(t, Config{})
	for _, h := range []*sim.Host{s.a1, s.b1} {
		for _, c := range []struct {
			call func() (sim.Reply, error)
			want string
		}{
			{func() (sim.Reply, error) { return h.UDP(netip.MustParseAddrPort("192.168.2.1:53"), nil, sim.Opts{}) },
				"port unreachable from 192.168.2.1"},
			{func() (sim.Reply, error) { return h.TCPSyn(netip.MustParseAddrPort("192.168.1.1:22"), sim.Opts{}) },
				"tcp RST|ACK from 192.168.1.1"},
			{func() (sim.Reply, error) {
				return h.UDP(netip.MustParseAddrPort("[2001:db8:1::1]:53"), nil, sim.Opts{})
			},
				"port unreachable from 2001:db8:1::1"},
			{func() (sim.Reply, error) {
				return h.TCPSyn(netip.MustParseAddrPort("[2001:db8:2::1]:179"), sim.Opts{})
			}, "tcp RST|ACK from 2001:db8:2::1"},
		} {
			if r, err := c.call(); err != nil || r.String() != c.want {
				t.Errorf("%s: %q, %v, want %q", h.Name(), r, err, c.want)
			}
		}
	}
	for _, v := range []string{"a", "b"} {
		if got := s.vrf(v).Delivered; got < 4 {
			t.Errorf("VRF %s delivered %d, want at least the 4 segments", v, got)
		}
	}
	checkBalance(t, s.dp.Stats())
}

// TestResetForAck: a segment with ACK is reset from its acknowledgment
// number, without ACK (RFC 9293 §3.10.7.1).
func TestResetForAck(t *testing.T) {
	s := newSeed(t, Config{})
	ping(t, s.a1, "192.168.1.1", sim.Opts{}, "echo reply from 192.168.1.1")
	src, dst := ip("192.168.1.10"), ip("192.168.1.1")
	seg := make([]byte, header.TCPMinLen)
	tcp := header.TCP(seg)
	copy(seg, []byte{0x9c, 0x40, 0, 80, 0, 0, 0, 1, 0, 0, 0x30, 0x39})
	seg[12], seg[13] = 5<<4, byte(header.TCPFlagACK)
	tcp.SetChecksum(tcp.CalculateChecksum(src, dst))
	s.a1.ResetCapture()
	s.send(s.a1, ipv4Frame(s.mac("ra1"), s.a1.MAC(), header.IPv4Fields{Protocol: header.ProtoTCP, Src: src, Dst: dst}, seg))
	var got header.TCP
	for _, p := range frames(s.a1, header.EtherTypeIPv4) {
		if v := header.IPv4(p); v.Protocol() == header.ProtoTCP {
			got = header.TCP(v.Payload())
		}
	}
	if got == nil || got.Flags() != header.TCPFlagRST || got.Seq() != 12345 || got.Ack() != 0 {
		t.Fatalf("reset = %x, want RST with seq 12345", []byte(got))
	}
}

// takeUDP is a LocalDeliver that takes UDP and records what it saw.
type takeUDP struct{ seen []int }

func (h *takeUDP) Deliver(vrf, iif int, pkt []byte) bool {
	h.seen = append(h.seen, vrf)
	return header.IPv4(pkt).Protocol() == header.ProtoUDP
}

// TestLocalDeliverHook: the host stack sees what the router does not
// answer itself, with the VRF; what it declines is answered as before.
func TestLocalDeliverHook(t *testing.T) {
	hook := &takeUDP{}
	s := newSeed(t, Config{Local: hook})
	if r, err := s.b1.UDP(netip.MustParseAddrPort("192.168.1.1:53"), nil, sim.Opts{Timeout: time.Second}); err == nil {
		t.Errorf("UDP to a taken port = %q, want no answer from the router", r)
	}
	if r, err := s.b1.TCPSyn(netip.MustParseAddrPort("192.168.1.1:22"), sim.Opts{}); err != nil || r.String() != "tcp RST|ACK from 192.168.1.1" {
		t.Errorf("TCPSyn = %q, %v, want the reset the hook left to the router", r, err)
	}
	ping(t, s.b1, "192.168.1.1", sim.Opts{}, "echo reply from 192.168.1.1")
	b := s.ctl.Snapshot().VRFByName("b").Index
	if len(hook.seen) != 2 || hook.seen[0] != b || hook.seen[1] != b {
		t.Errorf("hook saw VRFs %v, want [%d %d]: UDP and TCP, not the echo", hook.seen, b, b)
	}
}

// TestLocalOther covers the rest of local delivery: an unknown protocol,
// a fragment (delivered to reassembly), broadcasts.
func TestLocalOther(t *testing.T) {
	s := newSeed(t, Config{})
	ping(t, s.a1, "192.168.1.1", sim.Opts{}, "echo reply from 192.168.1.1")
	src, rtr := ip("192.168.1.10"), ip("192.168.1.1")
	mac := s.mac("ra1")
	tests := []struct {
		name   string
		frame  []byte
		reason Reason // dropped for; none: delivered
		icmp   int    // ICMP messages back
	}{
		{"protocol unreachable", ipv4Frame(mac, s.a1.MAC(), header.IPv4Fields{Protocol: 47, Src: src, Dst: rtr}, make([]byte, 8)), none, 1},
		{"fragment", ipv4Frame(mac, s.a1.MAC(), header.IPv4Fields{Protocol: header.ProtoUDP, Flags: header.IPv4FlagMF, Src: src, Dst: rtr},
			udp(src, rtr, 1, 2, make([]byte, 8))), none, 0},
		{"echo to subnet broadcast", ipv4Frame(mac, s.a1.MAC(), header.IPv4Fields{Protocol: header.ProtoICMP, Src: src, Dst: ip("192.168.1.255")},
			echo(src, ip("192.168.1.255"), 1, 1, 8)), ReasonEchoIgnored, 0},
		{"udp to limited broadcast", ipv4Frame(header.BroadcastMAC, s.a1.MAC(), header.IPv4Fields{Protocol: header.ProtoUDP, Src: src, Dst: limitedBroadcast},
			udp(src, limitedBroadcast, 68, 67, nil)), ReasonNoSocket, 0},
		{"udp bad checksum", ipv4Frame(mac, s.a1.MAC(), header.IPv4Fields{Protocol: header.ProtoUDP, Src: src, Dst: rtr},
			[]byte{0, 1, 0, 2, 0, 8, 0xde, 0xad}), ReasonOf(header.ReasonBadChecksum), 0},
	}
	for _, tt := range tests {
		before := s.port("ra1")
		s.a1.ResetCapture()
		s.send(s.a1, tt.frame)
		after := s.port("ra1")
		if tt.reason == none && after.Delivered != before.Delivered+1 {
			t.Errorf("%s: delivered %d, want %d", tt.name, after.Delivered, before.Delivered+1)
		}
		if tt.reason != none && after.Drops[tt.reason] != before.Drops[tt.reason]+1 {
			t.Errorf("%s: Drops[%v] = %d, want %d", tt.name, tt.reason, after.Drops[tt.reason], before.Drops[tt.reason]+1)
		}
		if msgs, _ := icmpFrom(s.a1); len(msgs) != tt.icmp {
			t.Errorf("%s: %d ICMP messages back, want %d", tt.name, len(msgs), tt.icmp)
		}
	}
}

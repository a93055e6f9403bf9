package sim

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port/mem"
)

// TestNeighbours resolves each host from the other, by ARP and by NDP,
// and checks that the solicited host learned the soliciting one.
func TestNeighbours(t *testing.T) {
	families(t, func(t *testing.T, srcA, dstB netip.Addr) {
		_, a, b := pair(t, Stepped)
		mac, err := a.Resolve(dstB)
		if err != nil || mac != b.MAC() {
			t.Fatalf("a.Resolve(%v) = %v, %v, want %v, nil", dstB, mac, err, b.MAC())
		}
		if got, ok := a.Neighbor(dstB); !ok || got != b.MAC() {
			t.Errorf("a.Neighbor(%v) = %v, %v, want %v, true", dstB, got, ok, b.MAC())
		}
		if got, ok := b.Neighbor(srcA); !ok || got != a.MAC() {
			t.Errorf("b.Neighbor(%v) = %v, %v, want %v, true (learned from the solicitation)", srcA, got, ok, a.MAC())
		}
		// The solicitation went to broadcast or to b's solicited-node
		// group, the answer to a alone.
		want := header.BroadcastMAC
		if dstB.Is6() {
			want = multicastMAC(header.SolicitedNode(dstB))
		}
		if got := header.Ethernet(b.Captured()[0].Data).Dst(); got != want {
			t.Errorf("solicitation sent to %v, want %v", got, want)
		}
		if got := header.Ethernet(a.Captured()[0].Data).Dst(); got != a.MAC() {
			t.Errorf("answer sent to %v, want %v", got, a.MAC())
		}
	})
}

func TestAccessors(t *testing.T) {
	_, a, b := pair(t, Stepped)
	want := []netip.Prefix{netip.MustParsePrefix("10.0.0.1/24"), netip.MustParsePrefix("2001:db8::1/64"),
		netip.MustParsePrefix("fe80::ff:fe00:1/64")}
	if got := a.Addrs(); !equal(got, want) {
		t.Errorf("a.Addrs() = %v, want %v", got, want)
	}
	if a.Name() != "a" || a.Port().Name() != "a" || a.MAC() != (header.MAC{2, 0, 0, 0, 0, 1}) || b.MAC() != (header.MAC{2, 0, 0, 0, 0, 2}) {
		t.Errorf("a is %q on port %q with %v, b has %v; want a on port a with 02:00:00:00:00:01, b with 02:00:00:00:00:02",
			a.Name(), a.Port().Name(), a.MAC(), b.MAC())
	}
}

func TestPing(t *testing.T) {
	families(t, func(t *testing.T, srcA, dstB netip.Addr) {
		_, a, b := pair(t, Stepped)
		r, err := a.Ping(dstB, Opts{Size: 100, TTL: 9})
		if err != nil {
			t.Fatalf("a.Ping(%v) = %v", dstB, err)
		}
		if got, want := r.String(), "echo reply from "+dstB.String(); got != want {
			t.Errorf("a.Ping(%v) = %q, want %q", dstB, got, want)
		}
		if r.TTL != defaultTTL || len(r.Data) != 100 || r.IsError() {
			t.Errorf("a.Ping(%v) = TTL %d, %d data octets, error %v; want TTL 64, 100 octets, no error",
				dstB, r.TTL, len(r.Data), r.IsError())
		}
		// b saw the request with the TTL a gave it.
		ip := packets(b.Captured(), dstB.Is6())[0]
		ttl := ip[8]
		if dstB.Is6() {
			ttl = ip[7]
		}
		if ttl != 9 {
			t.Errorf("request arrived with TTL %d, want 9", ttl)
		}
		if _, ok := a.Neighbor(dstB); !ok {
			t.Errorf("a.Neighbor(%v) unknown after a ping", dstB)
		}
	})
}

func TestPingLinkLocal(t *testing.T) {
	_, a, b := pair(t, Stepped)
	r, err := a.Ping(b.LinkLocal(), Opts{})
	if err != nil || r.From != b.LinkLocal() || r.Type != header.ICMPv6EchoReply {
		t.Fatalf("a.Ping(%v) = %v, %v, want echo reply from it", b.LinkLocal(), r, err)
	}
	if ip := header.IPv6(r.Packet); ip.Dst() != a.LinkLocal() {
		t.Errorf("reply sent to %v, want a's link-local %v", ip.Dst(), a.LinkLocal())
	}
	if got, want := a.LinkLocal(), netip.MustParseAddr("fe80::ff:fe00:1"); got != want {
		t.Errorf("a.LinkLocal() = %v, want %v (EUI-64 of %v)", got, want, a.MAC())
	}
}

// TestServices covers UDP and TCP to served and unserved ports.
func TestServices(t *testing.T) {
	families(t, func(t *testing.T, srcA, dstB netip.Addr) {
		_, a, _ := pair(t, Stepped)
		unreach := "port unreachable from " + dstB.String()
		for _, c := range []struct {
			name string
			call func() (Reply, error)
			want string
		}{
			{"UDP to served port", func() (Reply, error) {
				return a.UDP(netip.AddrPortFrom(dstB, 7), []byte("hello"), Opts{})
			}, "udp 5 bytes from " + dstB.String()},
			{"UDP to closed port", func() (Reply, error) {
				return a.UDP(netip.AddrPortFrom(dstB, 9), []byte("hello"), Opts{})
			}, unreach},
			{"SYN to listening port", func() (Reply, error) {
				return a.TCPSyn(netip.AddrPortFrom(dstB, 22), Opts{})
			}, "tcp SYN|ACK from " + dstB.String()},
			{"SYN to closed port", func() (Reply, error) {
				return a.TCPSyn(netip.AddrPortFrom(dstB, 23), Opts{})
			}, "tcp RST|ACK from " + dstB.String()},
			{"UDP probe", func() (Reply, error) { return a.Probe(dstB, 1, header.ProtoUDP) }, unreach},
			{"ICMP probe", func() (Reply, error) { return a.Probe(dstB, 1, header.ProtoICMP) }, "echo reply from " + dstB.String()},
			{"TCP probe", func() (Reply, error) { return a.Probe(dstB, 1, header.ProtoTCP) }, "tcp RST|ACK from " + dstB.String()},
		} {
			r, err := c.call()
			if err != nil || r.String() != c.want {
				t.Errorf("%s = %q, %v, want %q", c.name, r, err, c.want)
			}
		}
	})
}

// TestQuoted checks that port unreachable quotes the datagram sent, so
// the reply carries it back.
func TestQuoted(t *testing.T) {
	families(t, func(t *testing.T, srcA, dstB netip.Addr) {
		_, a, b := pair(t, Stepped)
		r, err := a.UDP(netip.AddrPortFrom(dstB, 9), []byte("quote me"), Opts{SrcPort: 4000})
		if err != nil {
			t.Fatal(err)
		}
		sent := packets(b.Captured(), dstB.Is6())[0]
		if !bytes.Equal(r.Quoted, sent) {
			t.Errorf("Quoted = %x, want the datagram sent %x", r.Quoted, sent)
		}
	})
}

func TestErrors(t *testing.T) {
	n, a, _ := pair(t, Stepped)
	for _, c := range []struct {
		name    string
		call    func() error
		want    error
		elapsed time.Duration // on the manual clock
	}{
		{"no gateway", func() error { _, err := a.Ping(netip.MustParseAddr("192.0.2.1"), Opts{}); return err }, ErrNoRoute, 0},
		{"no gateway v6", func() error { _, err := a.Ping(netip.MustParseAddr("2001:db8:1::1"), Opts{}); return err }, ErrNoRoute, 0},
		{"too big", func() error { _, err := a.Ping(b4, Opts{Size: 1500}); return err }, ErrTooBig, 0},
		{"nobody there", func() error { _, err := a.Ping(netip.MustParseAddr("10.0.0.3"), Opts{}); return err }, ErrUnresolved, 3 * time.Second},
		{"nobody there v6", func() error { _, err := a.Ping(netip.MustParseAddr("2001:db8::3"), Opts{}); return err }, ErrUnresolved, 3 * time.Second},
		{"timeout first", func() error {
			_, err := a.Ping(netip.MustParseAddr("10.0.0.4"), Opts{Timeout: 1500 * time.Millisecond})
			return err
		}, ErrUnresolved, 1500 * time.Millisecond},
		{"bad probe", func() error { _, err := a.Probe(b4, 1, header.ProtoESP); return err }, nil, 0},
	} {
		start := n.Clock().Now()
		err := c.call()
		if err == nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
		if got := n.Clock().Now().Sub(start); got != c.elapsed {
			t.Errorf("%s took %v, want %v", c.name, got, c.elapsed)
		}
	}
}

// TestSolicitations checks that an unanswered resolution sends three
// ARP requests one second apart.
func TestSolicitations(t *testing.T) {
	n, a, b := pair(t, Stepped)
	start := n.Clock().Now()
	if _, err := a.Resolve(netip.MustParseAddr("10.0.0.3")); !errors.Is(err, ErrUnresolved) {
		t.Fatalf("a.Resolve(10.0.0.3) = %v, want ErrUnresolved", err)
	}
	var got []time.Duration
	for _, f := range framesOfType(b.Captured(), header.EtherTypeARP) {
		got = append(got, f.At.Sub(start))
	}
	if want := []time.Duration{0, time.Second, 2 * time.Second}; !equal(got, want) {
		t.Errorf("ARP requests at %v, want %v", got, want)
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLossyLink loses the first frame a writes: the ARP request is
// retransmitted a second later and the ping goes through.
func TestLossyLink(t *testing.T) {
	n := NewNetwork(Stepped)
	defer n.Close()
	written := 0
	pa, pb := mem.Pair(mem.Config{Name: "a", MAC: header.MAC{2, 0, 0, 0, 0, 0xa}, Impair: func([]byte) int {
		written++
		if written == 1 {
			return 0
		}
		return 1
	}}, mem.Config{Name: "b", MAC: header.MAC{2, 0, 0, 0, 0, 0xb}})
	a := n.Host(hostConfig("a", a4, a6), pa)
	n.Host(hostConfig("b", b4, b6), pb)
	start := n.Clock().Now()
	r, err := a.Ping(b4, Opts{})
	if err != nil || r.Type != header.ICMPv4EchoReply {
		t.Fatalf("a.Ping(%v) over a lossy link = %v, %v, want echo reply", b4, r, err)
	}
	if got := n.Clock().Now().Sub(start); got != time.Second {
		t.Errorf("ping took %v, want 1s (one retransmitted ARP request)", got)
	}
}

// TestIsolation checks the capture: frames between a and b do not reach
// c, which is on another link.
func TestIsolation(t *testing.T) {
	n, a, _ := pair(t, Stepped)
	c, _ := n.Link(hostConfig("c", netip.MustParseAddr("10.0.0.1"), a6), hostConfig("d", b4, b6))
	if _, err := a.Ping(b4, Opts{}); err != nil {
		t.Fatal(err)
	}
	if got := c.Captured(); len(got) != 0 {
		t.Errorf("c.Captured() = %d frames, want none", len(got))
	}
	if got := len(a.Captured()); got != 2 {
		t.Errorf("a received %d frames, want 2 (ARP reply, echo reply)", got)
	}
	a.ResetCapture()
	if got := a.Captured(); len(got) != 0 {
		t.Errorf("a.Captured() after ResetCapture = %d frames, want none", len(got))
	}
}

// TestDrops sends what a host must refuse and checks the reasons it
// counts.
func TestDrops(t *testing.T) {
	_, a, b := pair(t, Stepped)
	frame := func(dst netip.Addr, proto uint8, l4 []byte, mangle func(ip []byte)) []byte {
		src := a4
		if dst.Is6() {
			src = a6
		}
		a.mu.Lock()
		ip := a.ipPacket(src, dst, proto, l4, &Opts{})
		a.mu.Unlock()
		mangle(ip)
		f := make([]byte, header.EthernetLen+len(ip))
		header.Ethernet(f).Encode(b.MAC(), a.MAC(), etherType(dst))
		copy(f[header.EthernetLen:], ip)
		return f
	}
	udp := func(dst netip.Addr, mangle func(ip []byte)) []byte {
		return frame(dst, header.ProtoUDP, udpDatagram(1, 7, []byte{1}), mangle)
	}
	keep := func([]byte) {}
	for _, c := range []struct {
		name string
		f    []byte
	}{
		{"ipv4 bad_checksum", udp(b4, func(ip []byte) { ip[8]++ })},
		{"ipv4 truncated", udp(b4, func(ip []byte) { ip[3] += 100; ip[11] -= 100 })},
		{"ipv4 not ours", udp(netip.MustParseAddr("10.0.0.9"), keep)},
		{"ipv4 fragment", udp(b4, func(ip []byte) { ip[6] |= 0x20; ip[10] -= 0x20 })},
		{"ipv6 truncated", udp(b6, func(ip []byte) { ip[5] += 100 })},
		{"ipv6 not ours", udp(netip.MustParseAddr("2001:db8::9"), keep)},
		{"udp bad_checksum", udp(b4, func(ip []byte) { ip[len(ip)-1]++ })},
		{"udp bad_length", udp(b6, func(ip []byte) { ip[header.IPv6Len+5] = 100 })},
		{"tcp bad_checksum", frame(b6, header.ProtoTCP, tcpSegment(1, 22, 0, 0, header.TCPFlagSYN), func(ip []byte) { ip[len(ip)-1]++ })},
		{"icmp bad_checksum", frame(b4, header.ProtoICMP, echoMessage(8, 1, 1, nil), func(ip []byte) { ip[len(ip)-1]++ })},
		{"icmpv6 bad_checksum", frame(b6, header.ProtoICMP, echoMessage(128, 1, 1, nil), func(ip []byte) { ip[len(ip)-1]++ })},
		{"protocol", frame(b4, header.ProtoESP, make([]byte, 8), keep)},
		{"other host", func() []byte {
			f := udp(b4, keep)
			f[0] = 0x04
			return f
		}()},
		{"vlan tagged", func() []byte {
			f := udp(b4, keep)
			return append(f[:12:12], append([]byte{0x81, 0, 0, 5}, f[12:]...)...)
		}()},
		{"ethertype", func() []byte {
			f := udp(b4, keep)
			f[12] = 0x88
			return f
		}()},
		{"ethernet truncated", udp(b4, keep)[:10]},
	} {
		if err := a.SendFrame(c.f); err != nil {
			t.Fatal(err)
		}
		b.Poll()
		if got := b.Drops()[c.name]; got != 1 {
			t.Errorf("after sending a frame with %s, b.Drops()[%q] = %d, want 1 (%v)", c.name, c.name, got, b.Drops())
		}
	}
	if got := a.Poll(); got != 0 {
		t.Errorf("b answered %d of the refused frames", got)
	}
}

// TestTCPReset checks the resets of RFC 9293 §3.10.7.1 for segments to a
// port without a connection.
func TestTCPReset(t *testing.T) {
	_, a, b := pair(t, Stepped)
	if _, err := a.Ping(b4, Opts{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name           string
		flags          header.TCPFlags
		seq, ack       uint32
		want           header.TCPFlags
		wantSeq, wantA uint32
	}{
		{"ACK", header.TCPFlagACK, 100, 500, header.TCPFlagRST, 500, 0},
		{"SYN", header.TCPFlagSYN, 100, 0, header.TCPFlagRST | header.TCPFlagACK, 0, 101},
		{"FIN", header.TCPFlagFIN, 100, 0, header.TCPFlagRST | header.TCPFlagACK, 0, 101},
		{"RST", header.TCPFlagRST, 100, 0, 0, 0, 0},
	} {
		a.ResetCapture()
		a.mu.Lock()
		ip := a.ipPacket(a4, b4, header.ProtoTCP, tcpSegment(5000, 23, c.seq, c.ack, c.flags), &Opts{})
		a.sendFrame(b.MAC(), header.EtherTypeIPv4, ip)
		a.mu.Unlock()
		b.Poll()
		a.Poll()
		got := a.Captured()
		if c.want == 0 {
			if len(got) != 0 {
				t.Errorf("%s to a closed port: answered, want silence", c.name)
			}
			continue
		}
		if len(got) != 1 {
			t.Fatalf("%s to a closed port: %d answers, want 1", c.name, len(got))
		}
		seg := header.TCP(header.IPv4(got[0].Data[header.EthernetLen:]).Payload())
		if seg.Flags() != c.want || seg.Seq() != c.wantSeq || seg.Ack() != c.wantA {
			t.Errorf("%s to a closed port: answer %v seq %d ack %d, want %v seq %d ack %d",
				c.name, seg.Flags(), seg.Seq(), seg.Ack(), c.want, c.wantSeq, c.wantA)
		}
	}
}

package dataplane

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/sim"
)

// piece is a fragment to cut from a datagram's data: [off, end), and
// whether more fragments follow.
type piece struct {
	off, end int
	more     bool
}

// cut returns the pieces of n octets of data in fragments of size octets
// (a multiple of 8), in order.
func cut(n, size int) []piece {
	var out []piece
	for off := 0; off < n; off += size {
		end := min(off+size, n)
		out = append(out, piece{off, end, end < n})
	}
	return out
}

// fragFrames returns the frames carrying pieces of data (the upper-layer
// header and payload) from h's address to dst, under id, in order.
func fragFrames(s *seedLab, h *sim.Host, port string, dst netip.Addr, proto uint8, id uint32, data []byte, ps []piece) [][]byte {
	var out [][]byte
	for _, p := range fragPackets(hostAddr(dst), dst, proto, id, data, ps) {
		f := make([]byte, header.EthernetLen+len(p))
		header.Ethernet(f).Encode(s.mac(port), h.MAC(), ethernet(p))
		out = append(out, append(f[:header.EthernetLen], p...))
	}
	return out
}

// fragPackets returns the IP packets carrying pieces of data from src to
// dst, under id, in order.
func fragPackets(src, dst netip.Addr, proto uint8, id uint32, data []byte, ps []piece) [][]byte {
	var out [][]byte
	for _, p := range ps {
		if dst.Is4() {
			var flags uint8
			if p.more {
				flags = header.IPv4FlagMF
			}
			out = append(out, packet4(header.IPv4Fields{Protocol: proto, ID: uint16(id),
				Flags: flags, FragOffset: p.off, Src: src, Dst: dst}, data[p.off:p.end]))
			continue
		}
		fh := make([]byte, header.IPv6FragmentLen, header.IPv6FragmentLen+p.end-p.off)
		fh[0] = proto
		mf := uint16(0)
		if p.more {
			mf = 1
		}
		binary.BigEndian.PutUint16(fh[2:], uint16(p.off)|mf)
		binary.BigEndian.PutUint32(fh[4:], id)
		out = append(out, packet6(header.IPv6Fields{NextHeader: header.ProtoFragment,
			Src: src, Dst: dst}, append(fh, data[p.off:p.end]...)))
	}
	return out
}

// patterned returns an echo request of n octets of payload whose octets
// start at seed, so that datagrams of different senders differ.
func patterned(src, dst netip.Addr, n int, seed byte) []byte {
	m := echo(src, dst, 7, 1, n)
	for i := header.ICMPv4MinLen; i < len(m); i++ {
		m[i] = seed + byte(i)
	}
	m[2], m[3] = 0, 0
	if dst.Is4() {
		header.ICMPv4(m).SetChecksum(header.ICMPv4(m).CalculateChecksum())
	} else {
		header.ICMPv6(m).SetChecksum(header.ICMPv6(m).CalculateChecksum(src, dst))
	}
	return m
}

// gathered reassembles, by the test's own reckoning, the datagrams of
// family v6 that h captured, whole or fragmented; it returns their
// upper-layer data.
func gathered(h *sim.Host, v6 bool) [][]byte {
	type part struct {
		off  int
		data []byte
		more bool
	}
	parts := map[uint32][]part{}
	var out [][]byte
	if !v6 {
		for _, p := range frames(h, header.EtherTypeIPv4) {
			v := header.IPv4(p)
			if !v.IsFragment() {
				out = append(out, v.Payload())
				continue
			}
			parts[uint32(v.ID())] = append(parts[uint32(v.ID())], part{v.FragmentOffset(), v.Payload(), v.MF()})
		}
	} else {
		for _, p := range frames(h, header.EtherTypeIPv6) {
			v := header.IPv6(p)
			if v.NextHeader() != header.ProtoFragment {
				if v.NextHeader() == header.ProtoICMPv6 && header.IsNDP(v.Payload()[0]) {
					continue
				}
				out = append(out, v.Payload())
				continue
			}
			f := header.IPv6Fragment(v.Payload())
			parts[f.ID()] = append(parts[f.ID()], part{f.Offset(), v.Payload()[header.IPv6FragmentLen:], f.More()})
		}
	}
	for _, ps := range parts {
		slices.SortFunc(ps, func(a, b part) int { return a.off - b.off })
		var d []byte
		for _, p := range ps {
			if p.off != len(d) {
				return append(out, nil) // a hole or an overlap: not one datagram
			}
			d = append(d, p.data...)
		}
		if ps[len(ps)-1].more {
			return append(out, nil)
		}
		out = append(out, d)
	}
	return out
}

// echoBack checks that the only thing h received is the echo reply to
// req, whole once reassembled.
func echoBack(t *testing.T, h *sim.Host, v6 bool, req []byte) {
	t.Helper()
	got := gathered(h, v6)
	if len(got) != 1 {
		t.Fatalf("%s received %d datagrams, want one echo reply", h.Name(), len(got))
	}
	r := got[0]
	if len(r) != len(req) || !bytes.Equal(r[4:], req[4:]) {
		t.Fatalf("%s: reply of %d octets, want the %d of the request echoed", h.Name(), len(r), len(req))
	}
	want := uint8(header.ICMPv4EchoReply)
	if v6 {
		want = header.ICMPv6EchoReply
	}
	if r[0] != want {
		t.Fatalf("%s: reply type %d, want %d", h.Name(), r[0], want)
	}
}

// families runs f for IPv4 and IPv6 with the router's address on ra1.
func families(t *testing.T, f func(t *testing.T, v6 bool, rtr netip.Addr)) {
	t.Run("ipv4", func(t *testing.T) { f(t, false, ip("192.168.1.1")) })
	t.Run("ipv6", func(t *testing.T) { f(t, true, ip("2001:db8:1::1")) })
}

// proto returns the echo protocol of rtr's family.
func echoProto(rtr netip.Addr) uint8 {
	if rtr.Is4() {
		return header.ProtoICMP
	}
	return header.ProtoICMPv6
}

// hostAddr returns A1's (and B1's) address of rtr's family.
func hostAddr(rtr netip.Addr) netip.Addr {
	if rtr.Is4() {
		return ip("192.168.1.10")
	}
	return ip("2001:db8:1::10")
}

// TestReasmEcho: a fragmented echo request to the router is reassembled
// whatever the fragments' order, duplicates dropped alone, and answered
// whole, fragmented on the way out to the port's MTU (1500).
func TestReasmEcho(t *testing.T) {
	families(t, func(t *testing.T, v6 bool, rtr netip.Addr) {
		req := patterned(hostAddr(rtr), rtr, 3000, 1)
		in := cut(len(req), 1200)
		for _, c := range []struct {
			name  string
			order []piece
			dups  uint64
		}{
			{"in order", in, 0},
			{"reversed", []piece{in[2], in[1], in[0]}, 0},
			{"middle first, duplicated", []piece{in[1], in[1], in[2], in[0]}, 1},
			{"duplicate within a run", []piece{in[0], {8, 16, true}, in[1], in[2]}, 1},
		} {
			s := newSeed(t, Config{})
			s.send(s.a1, fragFrames(s, s.a1, "ra1", rtr, echoProto(rtr), 77, req, c.order)...)
			echoBack(t, s.a1, v6, req)
			if got := s.port("ra1").Drops[ReasonReasmDuplicate]; got != c.dups {
				t.Errorf("%s: %d duplicates dropped, want %d", c.name, got, c.dups)
			}
			if n := s.dp.reasm.held(s.ctl.Snapshot().VRFByName("a").Index, v6); n != 0 {
				t.Errorf("%s: VRF a's queues hold %d octets after the datagram, want 0", c.name, n)
			}
			checkBalance(t, s.dp.Stats())
		}
	})
}

// TestReasmOverlap: a fragment overlapping another of its datagram
// discards the whole datagram silently (RFC 5722; Linux does the same for
// IPv4 since 4.19); the same ID then starts afresh.
func TestReasmOverlap(t *testing.T) {
	families(t, func(t *testing.T, v6 bool, rtr netip.Addr) {
		s := newSeed(t, Config{})
		req := patterned(hostAddr(rtr), rtr, 3000, 2)
		in := cut(len(req), 1200)
		s.send(s.a1, fragFrames(s, s.a1, "ra1", rtr, echoProto(rtr), 9, req,
			[]piece{in[0], {1192, 2400, true}, in[2]})...)
		if got := gathered(s.a1, v6); len(got) != 0 {
			t.Fatalf("overlapping fragments answered with %d datagrams, want none", len(got))
		}
		if got := s.port("ra1").Drops[ReasonReasmOverlap]; got != 1 {
			t.Errorf("reasm_overlap = %d, want 1", got)
		}
		s.a1.ResetCapture()
		s.send(s.a1, fragFrames(s, s.a1, "ra1", rtr, echoProto(rtr), 9, req, in)...)
		echoBack(t, s.a1, v6, req)
		checkBalance(t, s.dp.Stats())
	})
}

// TestReasmContradiction: fragments that disagree on the datagram's end
// kill its queue (ip_frag_queue's corrupt segment).
func TestReasmContradiction(t *testing.T) {
	families(t, func(t *testing.T, v6 bool, rtr netip.Addr) {
		s := newSeed(t, Config{})
		req := patterned(hostAddr(rtr), rtr, 3000, 3)
		in := cut(len(req), 1200)
		s.send(s.a1, fragFrames(s, s.a1, "ra1", rtr, echoProto(rtr), 5, req,
			[]piece{in[2], {1200, 2000, false}, in[1]})...)
		if got := gathered(s.a1, v6); len(got) != 0 {
			t.Fatalf("contradicting fragments answered with %d datagrams, want none", len(got))
		}
		if got := s.port("ra1").Drops[ReasonOf(header.ReasonBadFragment)]; got != 1 {
			t.Errorf("bad_fragment = %d, want 1", got)
		}
		checkBalance(t, s.dp.Stats())
	})
}

// TestReasmAtomic: an IPv6 atomic fragment is a whole packet (RFC 6946),
// answered at once, and leaves no queue.
func TestReasmAtomic(t *testing.T) {
	s := newSeed(t, Config{})
	rtr := ip("2001:db8:1::1")
	req := patterned(hostAddr(rtr), rtr, 100, 4)
	s.send(s.a1, fragFrames(s, s.a1, "ra1", rtr, header.ProtoICMPv6, 1, req, []piece{{0, len(req), false}})...)
	echoBack(t, s.a1, true, req)
	if s.dp.reasm.n.Load() != 0 {
		t.Errorf("an atomic fragment left a queue")
	}
}

// TestReasmTimeout: a datagram not whole after ipfrag_time (30 s) or
// ip6frag_time (60 s) is dropped with Time Exceeded, fragment reassembly
// time exceeded, from the router's address, quoting the first fragment;
// without its first fragment, silently (ip_expire).
func TestReasmTimeout(t *testing.T) {
	families(t, func(t *testing.T, v6 bool, rtr netip.Addr) {
		s := newSeed(t, Config{})
		limit := 30 * time.Second
		if v6 {
			limit = 60 * time.Second
		}
		req := patterned(hostAddr(rtr), rtr, 3000, 5)
		in := cut(len(req), 1200)
		s.send(s.a1, fragFrames(s, s.a1, "ra1", rtr, echoProto(rtr), 11, req, in[:2])...)
		s.send(s.a1, fragFrames(s, s.a1, "ra1", rtr, echoProto(rtr), 12, req, in[1:])...)
		s.net.Run(limit - time.Second)
		if msgs, _ := icmpFrom(s.a1); len(msgs) != 0 {
			t.Fatalf("%d ICMP messages before the time limit, want none", len(msgs))
		}
		s.net.Run(time.Second)
		msgs, srcs := icmpFrom(s.a1)
		if len(msgs) != 1 {
			t.Fatalf("%d ICMP messages after the time limit, want one Time Exceeded", len(msgs))
		}
		typ := uint8(header.ICMPv4TimeExceeded)
		if v6 {
			typ = header.ICMPv6TimeExceeded
		}
		if m := msgs[0]; m[0] != typ || m[1] != 1 || srcs[0] != rtr {
			t.Errorf("got type %d code %d from %s, want %d/1 from %s", m[0], m[1], srcs[0], typ, rtr)
		}
		quote := fragFrames(s, s.a1, "ra1", rtr, echoProto(rtr), 11, req, in[:1])[0][header.EthernetLen:]
		if q := msgs[0][8:]; !bytes.HasPrefix(quote, q[:min(len(q), 64)]) {
			t.Errorf("Time Exceeded quotes % x, want the first fragment", q[:min(len(q), 64)])
		}
		if got := s.vrf("a").TxDrops[ReasonReasmTimeout]; got != 2 {
			t.Errorf("reasm_timeout = %d, want 2", got)
		}
		if s.dp.reasm.n.Load() != 0 {
			t.Errorf("queues left after the time limit")
		}
		checkBalance(t, s.dp.Stats())
	})
}

// TestReasmMemory: once a VRF's queues hold more than ipfrag_high_thresh,
// its fragments are dropped until a queue goes; another VRF's reassembly
// is untouched.
func TestReasmMemory(t *testing.T) {
	families(t, func(t *testing.T, v6 bool, rtr netip.Addr) {
		s := newSeed(t, Config{}, "sysctl -w net.ipv4.ipfrag_high_thresh=8000", "sysctl -w net.ipv6.ip6frag_high_thresh=8000")
		req := patterned(hostAddr(rtr), rtr, 3000, 6)
		in := cut(len(req), 1200)
		for id := range uint32(8) {
			s.send(s.a1, fragFrames(s, s.a1, "ra1", rtr, echoProto(rtr), 100+id, req, in[:1])...)
		}
		a := s.ctl.Snapshot().VRFByName("a").Index
		if got := s.port("ra1").Drops[ReasonReasmMemory]; got == 0 || got == 8 {
			t.Errorf("reasm_mem_limit = %d, want some of the 8 first fragments refused", got)
		}
		if n := s.dp.reasm.held(a, v6); n <= 8000 || n > 8000+1500+fragCost+queueCost {
			t.Errorf("VRF a holds %d octets, want just over 8000", n)
		}
		s.send(s.b1, fragFrames(s, s.b1, "rb1", rtr, echoProto(rtr), 100, req, in)...)
		echoBack(t, s.b1, v6, req)
		s.a1.ResetCapture()
		s.send(s.a1, fragFrames(s, s.a1, "ra1", rtr, echoProto(rtr), 200, req, in)...)
		if got := gathered(s.a1, v6); len(got) != 0 {
			t.Errorf("VRF a over its budget answered %d datagrams", len(got))
		}
		checkBalance(t, s.dp.Stats())
	})
}

// TestReasmVRFs: fragments of one ID from identical hosts in two VRFs
// are never merged: each VRF answers its own host's datagram.
func TestReasmVRFs(t *testing.T) {
	families(t, func(t *testing.T, v6 bool, rtr netip.Addr) {
		s := newSeed(t, Config{})
		reqA := patterned(hostAddr(rtr), rtr, 3000, 10)
		reqB := patterned(hostAddr(rtr), rtr, 3000, 20)
		in := cut(len(reqA), 1200)
		s.send(s.a1, fragFrames(s, s.a1, "ra1", rtr, echoProto(rtr), 42, reqA, in[:1])...)
		s.send(s.b1, fragFrames(s, s.b1, "rb1", rtr, echoProto(rtr), 42, reqB, in[1:])...)
		if a, b := gathered(s.a1, v6), gathered(s.b1, v6); len(a)+len(b) != 0 {
			t.Fatalf("halves from two VRFs answered: %d and %d datagrams", len(a), len(b))
		}
		s.send(s.a1, fragFrames(s, s.a1, "ra1", rtr, echoProto(rtr), 42, reqA, in[1:])...)
		s.send(s.b1, fragFrames(s, s.b1, "rb1", rtr, echoProto(rtr), 42, reqB, in[:1])...)
		echoBack(t, s.a1, v6, reqA)
		echoBack(t, s.b1, v6, reqB)
	})
}

// TestReasmForwarded: fragments passing through are forwarded as they
// are, never reassembled (RFC 1812 §5.2.6, RFC 8200 §4.5).
func TestReasmForwarded(t *testing.T) {
	families(t, func(t *testing.T, v6 bool, rtr netip.Addr) {
		s := newSeed(t, Config{})
		dst := ip("192.168.2.10")
		if v6 {
			dst = ip("2001:db8:2::10")
		}
		ping(t, s.a1, dst.String(), sim.Opts{}, "echo reply from "+dst.String())
		s.a2.ResetCapture()
		req := patterned(hostAddr(rtr), dst, 3000, 7)
		in := cut(len(req), 1200)
		s.send(s.a1, fragFrames(s, s.a1, "ra1", dst, echoProto(rtr), 3, req, []piece{in[2], in[0], in[1]})...)
		et := uint16(header.EtherTypeIPv4)
		if v6 {
			et = header.EtherTypeIPv6
		}
		var offs []int
		for _, p := range frames(s.a2, et) {
			if v6 {
				if header.IPv6(p).NextHeader() == header.ProtoFragment {
					offs = append(offs, header.IPv6Fragment(header.IPv6(p).Payload()).Offset())
				}
			} else if header.IPv4(p).IsFragment() {
				offs = append(offs, header.IPv4(p).FragmentOffset())
			}
		}
		if !slices.Equal(offs, []int{2400, 0, 1200}) {
			t.Errorf("A2 received fragments at %v, want [2400 0 1200] as sent", offs)
		}
		if s.dp.reasm.n.Load() != 0 {
			t.Errorf("forwarded fragments made a queue")
		}
	})
}

// TestReasmNoListener: a fragmented UDP datagram to a port nothing
// listens on is answered with port unreachable once whole, quoting it.
func TestReasmNoListener(t *testing.T) {
	families(t, func(t *testing.T, v6 bool, rtr netip.Addr) {
		s := newSeed(t, Config{})
		d := udp(hostAddr(rtr), rtr, 4000, 9, bytes.Repeat([]byte{0xab}, 3000))
		s.send(s.a1, fragFrames(s, s.a1, "ra1", rtr, header.ProtoUDP, 8, d, cut(len(d), 1200))...)
		msgs, srcs := icmpFrom(s.a1)
		want := uint8(header.ICMPv4DstUnreachable)
		if v6 {
			want = header.ICMPv6DstUnreachable
		}
		if len(msgs) != 1 || msgs[0][0] != want || srcs[0] != rtr {
			t.Fatalf("got %d ICMP messages, want port unreachable from %s", len(msgs), rtr)
		}
		checkBalance(t, s.dp.Stats())
	})
}

// TestReasmNDP: an NDP message that needed reassembly is refused
// (ndisc_suppress_frag_ndisc, RFC 6980), after reassembly.
func TestReasmNDP(t *testing.T) {
	s := newSeed(t, Config{})
	rtr := ip("2001:db8:1::1")
	ns := make([]byte, 24+1200)
	ns[0] = header.ICMPv6NeighborSolicit
	copy(ns[8:], rtr.AsSlice())
	in := cut(len(ns), 608)
	fs := fragFrames(s, s.a1, "ra1", rtr, header.ProtoICMPv6, 1, ns, in)
	for _, f := range fs {
		header.IPv6(f[header.EthernetLen:]).SetHopLimit(255)
	}
	s.send(s.a1, fs...)
	if got := s.port("ra1").Drops[ReasonOf(header.ReasonNDPFragmented)]; got != 1 {
		t.Errorf("ndp_fragmented = %d, want 1", got)
	}
}

// TestReasmSpan: a fragment across two runs of fragments is an overlap,
// even when every octet it carries is held already (inet_frag_queue_insert
// compares it with one run at a time); Linux 6.18 answers nothing here.
func TestReasmSpan(t *testing.T) {
	families(t, func(t *testing.T, v6 bool, rtr netip.Addr) {
		s := newSeed(t, Config{})
		req := patterned(hostAddr(rtr), rtr, 24, 8) // 32 octets
		s.send(s.a1, fragFrames(s, s.a1, "ra1", rtr, echoProto(rtr), 6, req,
			[]piece{{24, 32, false}, {0, 8, true}, {8, 16, true}, {0, 16, true}, {16, 24, true}})...)
		if got := gathered(s.a1, v6); len(got) != 0 {
			t.Fatalf("answered %d datagrams, want none", len(got))
		}
		if got := s.port("ra1").Drops[ReasonReasmOverlap]; got != 1 {
			t.Errorf("reasm_overlap = %d, want 1", got)
		}
		checkBalance(t, s.dp.Stats())
	})
}

// held returns the octets VRF vrf's queues of a family hold.
func (r *reassembler) held(vrf int, v6 bool) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mem[fragDir{vrf, v6}]
}

// BenchmarkReassembly measures the reassembly of a 3008-octet UDP
// datagram in three IPv4 fragments to the router, and the port
// unreachable after it (rate limited, mostly not sent), on the rig's mem
// ports, with 16 datagrams under way at once: ns/fragment includes the
// mem ports' copies.
//
//	go test -run '^$' -bench BenchmarkReassembly -benchtime 2s ./internal/dataplane/
func BenchmarkReassembly(b *testing.B) {
	r := newRig(b, false, 1)
	src, rtr := ip("192.168.1.10"), ip("192.168.1.1")
	d := udp(src, rtr, 4000, 9, make([]byte, 3000))
	in := header.MAC(r.dp.ctl.Snapshot().LinkByName("ra1").MAC)
	const inFlight = 16
	var batch [][]byte
	for id := range uint32(inFlight) {
		for _, p := range fragPackets(src, rtr, header.ProtoUDP, id, d, cut(len(d), 1200)) {
			f := make([]byte, header.EthernetLen+len(p))
			header.Ethernet(f).Encode(in, sinkMAC, header.EtherTypeIPv4)
			batch = append(batch, append(f[:header.EthernetLen], p...))
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		r.src.Write(batch, 0)
		r.dp.Poll()
		r.src.TryRead(r.bufs, r.sizes, 0)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/fragment")
}

// TestReasmMaxDist: an IPv4 datagram whose source sent more than
// ipfrag_max_dist (64) fragments since its previous fragment, this one
// included, starts afresh, its fragments so far forgotten
// (ip_frag_too_far): 63 others between are tolerated, 64 are not. IPv6
// has no such limit.
func TestReasmMaxDist(t *testing.T) {
	for _, c := range []struct {
		between int
		v6      bool
		answer  bool
	}{{63, false, true}, {64, false, false}, {64, true, true}} {
		s := newSeed(t, Config{})
		rtr := ip("192.168.1.1")
		if c.v6 {
			rtr = ip("2001:db8:1::1")
		}
		req := patterned(hostAddr(rtr), rtr, 3000, 9)
		in := cut(len(req), 1200)
		s.send(s.a1, fragFrames(s, s.a1, "ra1", rtr, echoProto(rtr), 1, req, in[:1])...)
		for id := range uint32(c.between) {
			s.send(s.a1, fragFrames(s, s.a1, "ra1", rtr, echoProto(rtr), 1000+id, req, in[1:2])...)
		}
		s.send(s.a1, fragFrames(s, s.a1, "ra1", rtr, echoProto(rtr), 1, req, in[1:])...)
		if got := len(gathered(s.a1, c.v6)); got == 0 == c.answer {
			t.Errorf("%d fragments between (IPv6 %v): %d datagrams back, want an answer: %v", c.between, c.v6, got, c.answer)
		}
		want := uint64(0)
		if !c.answer {
			want = 1
		}
		if got := s.vrf("a").TxDrops[ReasonReasmTooFar]; got != want {
			t.Errorf("%d fragments between (IPv6 %v): reasm_too_far = %d, want %d", c.between, c.v6, got, want)
		}
		checkBalance(t, s.dp.Stats())
	}
}

// TestReasmUnfragmentable: an IPv6 datagram whose fragments carry a
// Hop-by-Hop header before the Fragment header is reassembled behind
// it, the Hop-by-Hop header naming what the Fragment header named.
func TestReasmUnfragmentable(t *testing.T) {
	s := newSeed(t, Config{})
	rtr := ip("2001:db8:1::1")
	req := patterned(hostAddr(rtr), rtr, 3000, 11)
	hbh := []byte{header.ProtoFragment, 0, 1, 4, 0, 0, 0, 0} // PadN
	var fs [][]byte
	for _, p := range fragPackets(hostAddr(rtr), rtr, header.ProtoICMPv6, 3, req, cut(len(req), 1200)) {
		v := header.IPv6(p)
		l4 := append(slices.Clone(hbh), v.Payload()...)
		fs = append(fs, ipv6Frame(s.mac("ra1"), s.a1.MAC(), header.IPv6Fields{NextHeader: header.ProtoHopByHop,
			Src: v.Src(), Dst: v.Dst()}, l4))
	}
	s.send(s.a1, fs...)
	echoBack(t, s.a1, true, req)
	checkBalance(t, s.dp.Stats())
}

// TestReasmGlobalCap: with net.govrf.reasm.max_bytes, a VRF flooding
// fragments stops at 7/8 of the cap, and another VRF still reassembles
// in the last eighth.
func TestReasmGlobalCap(t *testing.T) {
	s := newSeed(t, Config{}, "sysctl -w net.govrf.reasm.max_bytes=200000")
	rtr := ip("192.168.1.1")
	req := patterned(hostAddr(rtr), rtr, 3000, 12)
	in := cut(len(req), 1200)
	for id := range uint32(100) {
		s.send(s.a1, fragFrames(s, s.a1, "ra1", rtr, header.ProtoICMP, 100+id, req, in[:1])...)
	}
	if got := s.port("ra1").Drops[ReasonReasmMemory]; got == 0 {
		t.Errorf("VRF a's flood was never refused")
	}
	if n := s.dp.reasm.total; n > 200000-200000/8+1220+fragCost+queueCost {
		t.Errorf("the queues hold %d octets, want no more than 7/8 of the cap and a fragment", n)
	}
	s.send(s.b1, fragFrames(s, s.b1, "rb1", rtr, header.ProtoICMP, 100, req, in)...)
	echoBack(t, s.b1, false, req)
	checkBalance(t, s.dp.Stats())
}

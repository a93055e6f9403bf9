package dataplane

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/gso"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/port/mem"
)

// gsoPort is a mem port that behaves as a packet port does with
// super-frames: on the way in it hands out the segments of the
// super-frames given to it (gso.Segmenter), ending a read with the first
// segment of one that may leave whole and keeping the rest for TakeSuper
// or the next read; on the way out WriteSuper cuts a super-frame as the
// egress kernel would and writes its segments.
type gsoPort struct {
	*mem.Port
	whole  bool // offer super-frames whole; false: always cut them
	queue  []superIn
	seg    gso.Segmenter
	offer  bool
	super  gso.Super
	taken  int // super-frames taken whole
	writes int // super-frames written whole
	out    [][]byte
}

type superIn struct {
	frame []byte
	h     gso.Hdr
}

func (p *gsoPort) TryRead(bufs [][]byte, sizes []int, offset int) (int, error) {
	p.offer = false
	n := 0
	for n < len(bufs) {
		whole := false
		if !p.seg.More() {
			if len(p.queue) == 0 {
				break
			}
			in := p.queue[0]
			p.queue = p.queue[1:]
			if err := p.seg.Reset(in.frame, in.h); err != nil {
				return n, err
			}
			whole = p.whole && p.seg.Whole()
			if whole {
				p.super = p.seg.Super()
			}
		}
		size, err := p.seg.Next(bufs[n][offset:])
		if err != nil {
			return n, err
		}
		sizes[n] = size
		n++
		if whole {
			p.offer = true
			break
		}
	}
	return n, nil
}

func (p *gsoPort) SuperPending() bool { return p.offer }

func (p *gsoPort) TakeSuper() (gso.Super, bool) {
	if !p.offer {
		return gso.Super{}, false
	}
	p.offer = false
	p.seg.Skip()
	p.taken++
	return p.super, true
}

func (p *gsoPort) WriteSuper(s gso.Super) error {
	p.writes++
	var seg gso.Segmenter
	if err := seg.Reset(s.Frame, s.Hdr); err != nil {
		return err
	}
	for seg.More() {
		b := make([]byte, s.First)
		n, err := seg.Next(b)
		if err != nil {
			return err
		}
		p.out = append(p.out, b[:n])
	}
	_, err := p.Port.Write(p.out, 0)
	p.out = p.out[:0]
	return err
}

// superRig is a router forwarding from ra1 to ra2 of VRF a, both
// gsoPorts, with ra2's MTU set.
type superRig struct {
	dp       *Plane
	in, out  *gsoPort
	sink     *mem.Port
	inMAC    header.MAC
	src, dst netip.Addr
}

func newSuperRig(t *testing.T, c superCase, whole bool) *superRig {
	t.Helper()
	ctl := control.New()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	up := true
	for i, vrf := range []string{"a", "b"} {
		must(ctl.AddLink(control.LinkSpec{Name: vrf, Kind: control.KindVRF, Table: fib.TableID(10 + 10*i)}))
		must(ctl.SetLink(vrf, control.LinkChange{Up: &up}))
	}
	for i, name := range []string{"ra1", "ra2"} {
		vrf := "a"
		if i == 1 && c.leak {
			vrf = "b"
		}
		mac := control.MAC{0x02, 0, 0, 0, 1, byte(i)}
		spec := control.LinkSpec{Name: name, Kind: control.KindDummy, MAC: &mac}
		if i == 1 {
			spec.MTU = c.mtu
		}
		must(ctl.AddLink(spec))
		must(ctl.SetLink(name, control.LinkChange{Master: &vrf, Up: &up}))
		for _, a := range []string{fmt.Sprintf("192.168.%d.1/24", i+1), fmt.Sprintf("2001:db8:%d::1/64", i+1)} {
			must(ctl.AddAddr(name, control.Addr{Prefix: netip.MustParsePrefix(a)}, false))
		}
	}
	must(ctl.SetSysctl("net.ipv4.ip_forward", "1"))
	must(ctl.SetSysctl("net.ipv6.conf.all.forwarding", "1"))
	if c.leak { // from VRF a into VRF b through b's device: vrf_xmit's second lookup
		must(runLine(ctl, "route add 192.168.2.0/24 dev b vrf a"))
		must(runLine(ctl, "route add 2001:db8:2::/64 dev b vrf a"))
	}
	clock := neigh.NewManualClock(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	r := &superRig{dp: New(ctl, clock, Config{})}
	s := ctl.Snapshot()
	attach := func(name string, mtu int, plain bool) (*gsoPort, *mem.Port) {
		l := s.LinkByName(name)
		near, far := mem.Pair(mem.Config{Name: name, MAC: header.MAC(l.MAC), MTU: mtu, QueueLen: 1024},
			mem.Config{Name: "far-" + name, MAC: sinkMAC, MTU: mtu, QueueLen: 1024})
		if plain { // a port that cannot send super-frames whole
			must(r.dp.Attach(l.Index, near))
			return &gsoPort{}, far
		}
		g := &gsoPort{Port: near, whole: whole}
		must(r.dp.Attach(l.Index, g))
		return g, far
	}
	var back *mem.Port
	r.in, back = attach("ra1", 1500, false)
	r.out, r.sink = attach("ra2", c.mtu, c.plainOut)
	r.inMAC = header.MAC(s.LinkByName("ra1").MAC)
	out, host := "ra2", 2
	if c.hairpin {
		out, host, r.sink = "ra1", 1, back
	}
	r.src, r.dst = ip("192.168.1.10"), ip(fmt.Sprintf("192.168.%d.20", host))
	if c.v6 {
		r.src, r.dst = ip("2001:db8:1::10"), ip(fmt.Sprintf("2001:db8:%d::20", host))
	}
	must(r.dp.Neighbors(s.LinkByName(out).Index).Add(neigh.Static{Addr: r.dst, MAC: sinkMAC, State: neigh.StatePermanent}))
	clock.Advance(time.Second)
	r.dp.Poll()
	return r
}

// superCase is a TCP super-frame to forward.
type superCase struct {
	v6       bool
	payload  int
	mss      int
	ttl      uint8
	flags    header.TCPFlags
	ecn      bool
	df       bool
	mtu      int  // of the egress port
	capture  bool // a capture runs
	hairpin  bool // the destination lies behind the ingress port
	leak     bool // the egress port is in VRF b, reached by a leak
	plainOut bool // the egress port cannot send super-frames whole
	dontWant bool // the super-frame must not go whole
}

// superFrame builds c's super-frame as a TSO sender hands it to a packet
// socket: one IP packet of the whole payload, the TCP checksum left to
// the device holding the pseudo-header sum.
func superFrame(r *superRig, c superCase) ([]byte, gso.Hdr) {
	tcpLen := header.TCPMinLen + 12 // timestamps
	tcp := make([]byte, tcpLen+c.payload)
	binary.BigEndian.PutUint16(tcp[0:], 40000)
	binary.BigEndian.PutUint16(tcp[2:], 5201)
	binary.BigEndian.PutUint32(tcp[4:], 0x12345678)
	binary.BigEndian.PutUint32(tcp[8:], 0x9abcdef0)
	tcp[12] = byte(tcpLen/4) << 4
	tcp[13] = byte(c.flags | header.TCPFlagACK)
	binary.BigEndian.PutUint16(tcp[14:], 501)
	copy(tcp[header.TCPMinLen:], []byte{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2})
	for i := range c.payload {
		tcp[tcpLen+i] = byte(i*7 + i>>8)
	}
	binary.BigEndian.PutUint16(tcp[16:], header.PseudoHeaderChecksum(header.ProtoTCP, r.src, r.dst, uint32(len(tcp))))
	h := gso.Hdr{Flags: gso.FlagNeedsCsum, GSOSize: uint16(c.mss), CsumOffset: 16}
	var f []byte
	if c.v6 {
		f = ipv6Frame(r.inMAC, sinkMAC, header.IPv6Fields{TrafficClass: 2, FlowLabel: 0x12345, NextHeader: header.ProtoTCP,
			HopLimit: c.ttl, Src: r.src, Dst: r.dst}, tcp)
		h.GSOType, h.CsumStart = gso.GSOTCPv6, header.EthernetLen+header.IPv6Len
	} else {
		fl := uint8(0)
		if c.df {
			fl = header.IPv4FlagDF
		}
		f = ipv4Frame(r.inMAC, sinkMAC, header.IPv4Fields{TOS: 2, ID: 777, Flags: fl, TTL: c.ttl, Protocol: header.ProtoTCP,
			Src: r.src, Dst: r.dst}, tcp)
		h.GSOType, h.CsumStart = gso.GSOTCPv4, header.EthernetLen+header.IPv4MinLen
	}
	if c.ecn {
		h.GSOType |= gso.GSOECN
	}
	return f, h
}

// superRun forwards c's super-frames, twice over, and returns the
// frames ra2's far end received, the plane's counters and the rig.
func superRun(t *testing.T, c superCase, whole bool) ([][]byte, Stats, *superRig) {
	t.Helper()
	r := newSuperRig(t, c, whole)
	if c.capture {
		stop := r.dp.StartCapture(r.dp.ctl.Snapshot().LinkByName("a").Index, func(Captured) {})
		defer stop()
	}
	for range 2 {
		f, h := superFrame(r, c)
		r.in.queue = append(r.in.queue, superIn{f, h})
	}
	for r.dp.Poll() > 0 {
	}
	var got [][]byte
	bufs, sizes := make([][]byte, 64), make([]int, 64)
	for i := range bufs {
		bufs[i] = make([]byte, 2048)
	}
	for {
		n, err := r.sink.TryRead(bufs, sizes, 0)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		for i := range n {
			got = append(got, bytes.Clone(bufs[i][:sizes[i]]))
		}
	}
	return got, r.dp.Stats(), r
}

// TestSuperFrameWhole checks that a TCP super-frame forwarded whole, once
// the egress kernel cuts it, gives the very segments and counters that
// forwarding its segments one by one gives, and that the cases that must
// not go whole go one by one.
func TestSuperFrameWhole(t *testing.T) {
	var cases []superCase
	for _, v6 := range []bool{false, true} {
		big := 1500 - 32 - ipHdrLen(v6) // the MSS of a 1500-octet MTU with timestamps
		for _, mss := range []int{536, 1000, big} {
			for _, payload := range []int{2 * mss, 5*mss + 17, 40000} {
				cases = append(cases, superCase{v6: v6, payload: payload, mss: mss, ttl: 64, mtu: 1500, flags: header.TCPFlagPSH})
			}
		}
		cases = append(cases,
			superCase{v6: v6, payload: 9000, mss: big, ttl: 64, mtu: 1500, flags: header.TCPFlagFIN | header.TCPFlagPSH},
			superCase{v6: v6, payload: 9000, mss: big, ttl: 64, mtu: 1500, flags: header.TCPFlagCWR | header.TCPFlagECE, ecn: true},
			superCase{v6: v6, payload: 9000, mss: big, ttl: 2, mtu: 1500},
			superCase{v6: v6, payload: 9000, mss: big, ttl: 1, mtu: 1500, dontWant: true},
			// The first segment fits the egress MTU exactly, or by one
			// octet does not.
			superCase{v6: v6, payload: 9000, mss: big, ttl: 64, mtu: big + 32 + ipHdrLen(v6)},
			superCase{v6: v6, payload: 9000, mss: big, ttl: 64, mtu: big + 31 + ipHdrLen(v6), df: true, dontWant: true},
			superCase{v6: v6, payload: 9000, mss: big, ttl: 64, mtu: 1500, capture: true, dontWant: true},
		)
	}
	cases = append(cases,
		superCase{payload: 9000, mss: 1448, ttl: 64, mtu: 1400, dontWant: true}, // fragmented
		superCase{payload: 9000, mss: 1448, ttl: 64, mtu: 1500, hairpin: true, dontWant: true},
		superCase{payload: 9000, mss: 1448, ttl: 64, mtu: 1500, plainOut: true, dontWant: true},
		superCase{payload: 9000, mss: 1448, ttl: 64, mtu: 1500, leak: true, dontWant: true},
		superCase{v6: true, payload: 9000, mss: 1428, ttl: 64, mtu: 1500, leak: true, dontWant: true},
	)
	for _, c := range cases {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			want, wantStats, _ := superRun(t, c, false)
			got, gotStats, r := superRun(t, c, true)
			if c.dontWant {
				if r.in.taken != 0 || r.out.writes != 0 {
					t.Errorf("%d super-frames taken whole, %d written whole; want none", r.in.taken, r.out.writes)
				}
			} else if r.in.taken != 2 || r.out.writes != 2 {
				t.Errorf("%d super-frames taken whole, %d written whole; want 2", r.in.taken, r.out.writes)
			}
			if len(want) == 0 && c.mtu >= 1500 && c.ttl > 1 {
				t.Fatal("nothing forwarded")
			}
			if len(got) != len(want) {
				t.Fatalf("%d segments out, want %d", len(got), len(want))
			}
			for i := range got {
				if !bytes.Equal(got[i], want[i]) {
					t.Fatalf("segment %d:\n got %x\nwant %x", i, got[i], want[i])
				}
			}
			for name, w := range wantStats.Ports {
				if g := gotStats.Ports[name]; g != w {
					t.Errorf("port %s counters:\n got %+v\nwant %+v", name, g, w)
				}
			}
			for name, w := range wantStats.VRFs {
				if g := gotStats.VRFs[name]; g != w {
					t.Errorf("VRF %s counters:\n got %+v\nwant %+v", name, g, w)
				}
			}
			checkBalance(t, gotStats)
		})
	}
}

func ipHdrLen(v6 bool) int {
	if v6 {
		return header.IPv6Len
	}
	return header.IPv4MinLen
}

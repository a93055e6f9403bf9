package fastpath

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/header"
)

// diffScript is the configuration of the differential test: three VRFs
// with overlapping addresses and prefixes, ports of the default VRF (one
// with an address that is also a VRF's) and routes in main, leaks both ways, error routes,
// multipath, nexthop objects, a tos route, two routes of one prefix, a
// local route in a VRF table, a small MTU, and neighbours in every state.
var diffScript = []string{
	"link add red type vrf table 10",
	"link add blue type vrf table 20",
	"link add green type vrf table 30",
	"link add r1 type dummy", "link add r2 type dummy", "link add r3 type dummy",
	"link add b1 type dummy", "link add b2 type dummy",
	"link add g1 type dummy", "link add d0 type dummy", "link add d1 type dummy",
	"link set r1 master red", "link set r2 master red", "link set r3 master red",
	"link set b1 master blue", "link set b2 master blue", "link set g1 master green",
	"link set r3 mtu 1300",
	"link set red up", "link set blue up", "link set green up",
	"link set r1 up", "link set r2 up", "link set r3 up", "link set b1 up", "link set b2 up", "link set d0 up", "link set d1 up",
	"link set g1 up",
	"addr add 192.168.1.1/24 dev r1", "addr add 192.168.2.1/24 dev r2", "addr add 10.0.0.1/24 dev r3",
	"addr add 192.168.1.1/24 dev b1", "addr add 192.168.3.1/24 dev b2", "addr add 192.168.9.1/24 dev g1",
	"addr add 10.0.0.1/24 dev d0", "addr add 10.5.0.1/16 dev d0", "addr add 10.6.0.1/24 dev d1",
	"addr add 2001:db8:6::1/64 dev d1 nodad",
	"addr add 2001:db8:1::1/64 dev r1 nodad", "addr add 2001:db8:2::1/64 dev r2 nodad",
	"addr add 2001:db8:3::1/64 dev r3 nodad", "addr add 2001:db8:1::1/64 dev b1 nodad",
	"addr add 2001:db8:4::1/64 dev b2 nodad", "addr add 2001:db8:9::1/64 dev g1 nodad",
	"addr add 2001:db8:5::1/64 dev d0 nodad",
	"sysctl -w net.ipv4.ip_forward=1", "sysctl -w net.ipv6.conf.all.forwarding=1",
	"route add 172.16.0.0/16 via 192.168.2.10 vrf red",
	"route add 172.16.5.0/24 via 192.168.2.12 vrf red",
	"route add local 172.16.6.0/24 dev r1 vrf red",
	"route add 172.17.0.0/16 via 192.168.2.11 vrf red",
	"route add 172.18.0.0/16 via 192.168.2.12 vrf red",
	"route add 172.19.0.0/16 via 192.168.2.13 vrf red",
	"route add blackhole 172.20.0.0/16 vrf red",
	"route add unreachable 172.21.0.0/16 vrf red",
	"route add prohibit 172.22.0.0/16 vrf red",
	"route add 172.23.0.0/16 vrf red nexthop via 192.168.2.10 nexthop via 192.168.2.12",
	"route add 172.24.0.0/16 dev blue vrf red",
	"route add 172.25.0.0/16 via 192.168.3.10 dev b2 vrf red",
	"route add 172.26.0.0/16 tos 0x10 via 192.168.2.10 vrf red",
	"route add 172.27.0.0/16 via 192.168.2.10 metric 10 vrf red",
	"route add 172.27.0.0/16 via 192.168.2.12 metric 20 vrf red",
	"nexthop add id 1 via 192.168.2.10 dev r2",
	"nexthop add id 2 via 192.168.2.12 dev r2",
	"nexthop add id 3 group 1/2",
	"route add 172.28.0.0/16 nhid 1 vrf red",
	"route add 172.29.0.0/16 nhid 3 vrf red",
	"route add 172.30.0.0/16 via 10.0.0.10 vrf red",
	"route add 10.0.0.0/8 via 192.168.2.10 vrf red",
	"route add 198.51.100.7/32 dev r2 vrf red",
	"route add unreachable default metric 4278198272 vrf red",
	"route add 172.16.0.0/16 via 192.168.3.10 vrf blue",
	"route add default via 192.168.3.11 vrf blue",
	"route add 172.31.0.0/16 via 192.168.9.10 vrf green",
	"route add 2001:db8:100::/48 via 2001:db8:2::10 vrf red",
	"route add 2001:db8:101::/48 via 2001:db8:2::11 vrf red",
	"route add blackhole 2001:db8:102::/48 vrf red",
	"route add 2001:db8:103::/48 vrf red nexthop via 2001:db8:2::10 nexthop via 2001:db8:2::12",
	"route add 2001:db8:104::/48 dev blue vrf red",
	"route add 2001:db8:105::/48 via 2001:db8:3::10 vrf red",
	"route add 2001:db8:106::/48 via 2001:db8:4::10 dev b2 vrf red",
	"route add 2001:db8:107::/48 via 2001:db8:2::12 vrf red",
	"route add 2001:db8:100::/48 via 2001:db8:4::10 vrf blue",
	"route add default via 2001:db8:4::11 vrf blue",
	"route add 172.16.0.0/16 via 10.0.0.10",
	"route add 172.18.0.0/16 via 10.6.0.10",
	"route add 172.25.0.0/16 via 192.168.3.10 dev b2",
	"route add blackhole 172.20.0.0/16",
	"route add 2001:db8:100::/48 via 2001:db8:6::10",
	"route add 2001:db8:105::/48 via 2001:db8:5::10",
}

// diffNeighs are the neighbours of the differential test.
var diffNeighs = []string{
	"r1 192.168.1.10 REACHABLE", "r1 2001:db8:1::10 REACHABLE",
	"r2 192.168.2.10 REACHABLE", "r2 192.168.2.11 STALE", "r2 192.168.2.12 PERMANENT",
	"r2 192.168.2.20 REACHABLE", "r2 192.168.2.21 DELAY", "r2 198.51.100.7 REACHABLE",
	"r2 2001:db8:2::10 REACHABLE", "r2 2001:db8:2::11 STALE", "r2 2001:db8:2::12 PERMANENT",
	"r2 2001:db8:2::20 REACHABLE",
	"r3 10.0.0.10 REACHABLE", "r3 2001:db8:3::10 REACHABLE",
	"b1 192.168.1.10 REACHABLE", "b1 2001:db8:1::10 REACHABLE",
	"b2 192.168.3.10 REACHABLE", "b2 192.168.3.11 PERMANENT",
	"b2 2001:db8:4::10 REACHABLE", "b2 2001:db8:4::11 PERMANENT",
	"g1 192.168.9.10 REACHABLE",
	"d0 10.0.0.10 REACHABLE", "d0 2001:db8:5::10 REACHABLE",
	"d1 10.6.0.10 REACHABLE", "d1 10.6.0.20 PERMANENT", "d1 2001:db8:6::10 REACHABLE",
}

// xdpMD is struct xdp_md as the test run takes it.
type xdpMD struct {
	Data, DataEnd, DataMeta, IngressIfindex, RxQueueIndex, EgressIfindex uint32
}

// skbCtx is the head of struct __sk_buff, up to ifindex.
type skbCtx [11]uint32

// Program verdicts the test expects.
const (
	xdpRedirect   = 4
	tcActRedirect = 7
)

// diffVariants are changes to diffScript that each run of the
// differential test makes: none; a rule before the l3mdev rule (the
// family is then not compiled); forwarding off; a VRF down;  and a rule deleted and
// added back (the l3mdev rule's place kept).
var diffVariants = map[string][]string{
	"base":       nil,
	"rule":       {"rule add pref 500 from 10.9.9.9 lookup 20"},
	"rule6":      {"-6 rule add pref 999 from 2001:db8:1::10 lookup 30"},
	"ruleafter":  {"rule add pref 1001 from 10.9.9.9 lookup 30"},
	"forwarding": {"sysctl -w net.ipv4.ip_forward=0", "sysctl -w net.ipv6.conf.all.forwarding=0"},
	"vrfdown":    {"link set blue down"},
}

// TestIntegrationDifferential sends generated frames through both
// programs and through the data plane: each program must hand a frame
// over unchanged, or forward it exactly as the data plane does — one
// frame out, by the same port, with the same octets.
func TestIntegrationDifferential(t *testing.T) {
	variants := maps.Clone(diffVariants)
	for seed := range uint64(4) {
		variants[fmt.Sprintf("random%d", seed)] = randomScript(rand.New(rand.NewPCG(seed, 7)))
	}
	for name, extra := range variants {
		t.Run(name, func(t *testing.T) {
			neighs := diffNeighs
			if strings.HasPrefix(name, "random") {
				neighs = randomStates(rand.New(rand.NewPCG(uint64(name[len(name)-1]), 9)))
			}
			w := newWorld(t, append(slices.Clone(diffScript), extra...), neighs)
			r := rand.New(rand.NewPCG(1, uint64(len(name))))
			forwarded, trimmed, byPort := [2]int{}, 0, map[string]int{}
			sums := map[string]int{} // what XDP did with the checksums tc forwarded
			const n = 5000
			for i := range n {
				in, frame, desc := w.genFrame(r)
				fast := [2]result{}
				for m := range w.paths {
					fast[m] = w.fast(t, m, in, frame)
				}
				slow := w.slow(t, in, frame)
				if err := xdpAgrees(fast[XDP], fast[TC], frame); err != nil {
					t.Fatalf("packet %d (%s into %s): %v", i, desc, in, err)
				}
				if fast[TC].forwarded {
					sums[sumKind(fast[XDP].forwarded, frame, desc)]++
				}
				for m, f := range fast {
					if err := f.check(frame, slow, w.ports); err != nil {
						t.Fatalf("packet %d (%s into %s), %s: %v", i, desc, in, Mode(m), err)
					}
					if f.forwarded {
						forwarded[m]++
						byPort[in]++
						if len(f.frame) < len(frame) {
							trimmed++
						}
					}
				}
			}
			t.Logf("forwarded by the fast path of %d frames: xdp %d, tc %d, %d padded; by ingress port, both programs: %v; checksums: %v",
				n, forwarded[0], forwarded[1], trimmed, byPort, sums)
			for _, k := range []string{"forwarded full 4 odd", "forwarded full 4 even", "forwarded full 6 odd", "forwarded full 6 even",
				"forwarded none 4", "passed partial 4", "passed partial 6", "passed corrupt 4", "passed corrupt 6", "passed long 4", "passed long 6"} {
				if name == "base" && sums[k] == 0 {
					t.Errorf("no frame %s among those tc forwarded", k)
				}
			}
			// Generated configurations may forward little; the others
			// must show both forwarding and trimming.
			some := name != "forwarding" && !strings.HasPrefix(name, "random")
			if some && (forwarded[0] == 0 || trimmed == 0 || byPort["d1"] == 0 && name == "base") {
				t.Fatalf("xdp forwarded %d, tc %d, %d padded: want some of each", forwarded[0], forwarded[1], trimmed)
			}
		})
	}
}

// xdpAgrees checks XDP's result against tc's for frame: XDP forwards
// what tc forwards if and only if its L4 checksum verifies (verifies),
// and both forward it the same.
func xdpAgrees(xdp, tc result, frame []byte) error {
	want := tc.forwarded && verifies(frame)
	switch {
	case xdp.forwarded != want:
		return fmt.Errorf("xdp forwarded %v, tc %v, checksum complete %v", xdp.forwarded, tc.forwarded, verifies(frame))
	case want && (xdp.slot != tc.slot || !bytes.Equal(xdp.frame, tc.frame)):
		return fmt.Errorf("xdp forwarded by slot %d:\n  %x\ntc by %d:\n  %x", xdp.slot, head(xdp.frame), tc.slot, head(tc.frame))
	}
	return nil
}

// sumKind names what XDP did with a frame tc forwarded, by its checksum
// (desc, from l4Sum; other for a protocol or a segment l4Sum leaves
// alone), family and segment: forwarded or passed; full, none, partial,
// corrupt or other; 4 or 6; and, forwarded with a sum, odd or even
// length. A segment over MaxVerified is passed long 4 or 6.
func sumKind(forwarded bool, frame []byte, desc string) string {
	_, l4, _ := l4Of(frame)
	fam := map[bool]string{true: "4", false: "6"}[frame[12] == 0x08]
	if len(l4) > MaxVerified {
		return "passed long " + fam
	}
	verb := map[bool]string{true: "forwarded", false: "passed"}[forwarded]
	_, kind, _ := strings.Cut(desc, " csum ")
	kind, _, _ = strings.Cut(kind, " ")
	if kind == "" {
		kind = "other"
	}
	if !forwarded || kind == "none" {
		return verb + " " + kind + " " + fam
	}
	return verb + " " + kind + " " + fam + map[bool]string{true: " odd", false: " even"}[len(l4)%2 == 1]
}

// randomScript returns ports down and MTUs changed, and routes of random
// types, prefixes, gateways and VRFs, to add to diffScript; the ones the configuration refuses (a
// gateway not on link, a duplicate) are left out.
func randomScript(r *rand.Rand) []string {
	prefixes := []string{"172.16.0.0/16", "172.16.5.0/24", "172.16.5.128/25", "172.17.0.0/16", "10.0.0.0/8",
		"10.0.0.0/24", "10.0.0.10/32", "198.51.100.0/24", "198.51.100.7/32", "0.0.0.0/0", "192.168.2.0/25",
		"192.168.2.20/32", "203.0.113.0/24", "127.0.0.0/8", "224.0.0.0/4",
		"2001:db8:100::/48", "2001:db8:100::/64", "2001:db8:200::/40", "::/0", "2001:db8:2::/65",
		"2001:db8:2::20/128", "fe80::/64", "ff0e::/16"}
	gateways := []string{"192.168.2.10", "192.168.2.11", "192.168.2.12", "192.168.2.13", "192.168.2.20",
		"192.168.3.10", "192.168.3.11", "10.0.0.10", "192.168.1.10", "192.168.9.10",
		"2001:db8:2::10", "2001:db8:2::11", "2001:db8:2::20", "2001:db8:4::10", "2001:db8:3::10", "2001:db8:1::10"}
	vrfs := []string{"red", "red", "blue", "green", ""}
	var out []string
	for _, l := range []string{"r1", "r2", "r3", "b2"} {
		switch r.IntN(6) {
		case 0:
			out = append(out, "link set "+l+" down")
		case 1, 2:
			out = append(out, fmt.Sprintf("link set %s mtu %d", l, []int{1280, 1279, 1400, 1499, 1500}[r.IntN(5)]))
		}
	}
	for i := range 30 {
		p := prefixes[r.IntN(len(prefixes))]
		v4 := strings.Contains(p, ".")
		gw := func() string {
			for {
				g := gateways[r.IntN(len(gateways))]
				if strings.Contains(g, ".") == v4 {
					return g
				}
			}
		}
		vrf := ""
		if v := vrfs[r.IntN(len(vrfs))]; v != "" {
			vrf = " vrf " + v
		}
		metric := fmt.Sprintf(" metric %d", r.IntN(3))
		switch r.IntN(12) {
		case 0:
			out = append(out, "?route add blackhole "+p+vrf+metric)
		case 1:
			out = append(out, "?route add unreachable "+p+vrf+metric)
		case 2:
			out = append(out, "?route add local "+p+" dev r1"+vrf)
		case 3:
			out = append(out, "?route add "+p+" dev blue"+vrf)
		case 4:
			out = append(out, "?route add "+p+vrf+" nexthop via "+gw()+" nexthop via "+gw())
		case 5:
			out = append(out, "?route add "+p+" dev r2"+vrf+metric)
		case 6:
			out = append(out, "?route add throw "+p+vrf)
		case 7:
			out = append(out, fmt.Sprintf("?nexthop add id %d via %s dev r2", 100+i, gw()),
				fmt.Sprintf("?route add %s nhid %d%s", p, 100+i, vrf))
		default:
			out = append(out, "?route add "+p+" via "+gw()+vrf+metric)
		}
	}
	return out
}

// randomStates returns diffNeighs with random states.
func randomStates(r *rand.Rand) []string {
	states := []string{"REACHABLE", "REACHABLE", "STALE", "PERMANENT", "DELAY", "PROBE"}
	out := make([]string, len(diffNeighs))
	for i, n := range diffNeighs {
		f := strings.Fields(n)
		out[i] = f[0] + " " + f[1] + " " + states[r.IntN(len(states))]
	}
	return out
}

// result is what a program did with a frame.
type result struct {
	forwarded bool
	slot      int // the egress slot when forwarded
	frame     []byte
	verdict   uint32
}

// check compares r with what the data plane sent for frame.
func (r result) check(frame []byte, slow []out, ports []string) error {
	if !r.forwarded {
		if !bytes.Equal(r.frame, frame) {
			return fmt.Errorf("handed over (verdict %d) but changed:\n got  %x\n sent %x", r.verdict, head(r.frame), head(frame))
		}
		return nil
	}
	if len(slow) != 1 || slow[0].port != ports[r.slot] || !bytes.Equal(slow[0].frame, r.frame) {
		var s string
		for _, o := range slow {
			s += fmt.Sprintf("\n  %s %x", o.port, head(o.frame))
		}
		return fmt.Errorf("forwarded by %s:\n  %x\nthe data plane sent:%s", ports[r.slot], head(r.frame), s)
	}
	return nil
}

// head is the start of a frame, for messages.
func head(b []byte) []byte { return b[:min(len(b), 80)] }

// fast runs frame into port in through program m with the test run and
// finds where a forwarded frame left from the counters.
func (w *world) fast(t *testing.T, m int, in string, frame []byte) result {
	t.Helper()
	p := w.paths[m]
	before := w.counters(t, p)
	out := make([]byte, len(frame)+256)
	opts := &ebpf.RunOptions{Data: frame, DataOut: out}
	if Mode(m) == XDP {
		opts.Context = xdpMD{DataEnd: uint32(len(frame)), IngressIfindex: uint32(w.ifx[in])}
	} else {
		var c skbCtx
		c[10] = uint32(w.ifx[in])
		opts.Context = c
	}
	ret, err := p.Program().Run(opts)
	if err != nil {
		t.Fatalf("test run: %v", err)
	}
	res := result{frame: opts.DataOut, verdict: ret, slot: -1}
	switch {
	case Mode(m) == XDP && ret == xdpPass, Mode(m) == TC && ret == tcActOK:
	case Mode(m) == XDP && ret == xdpRedirect, Mode(m) == TC && ret == tcActRedirect:
		res.forwarded = true
		after := w.counters(t, p)
		for i := range after {
			if after[i].TxPackets != before[i].TxPackets {
				res.slot = i
			}
		}
		rx := slices.Index(w.ports, in)
		if res.slot < 0 || after[rx].RxPackets != before[rx].RxPackets+1 ||
			after[rx].RxBytes != before[rx].RxBytes+uint64(len(frame)) ||
			after[res.slot].TxBytes != before[res.slot].TxBytes+uint64(len(res.frame)) {
			t.Fatalf("%s redirected, counting %+v then %+v", Mode(m), before, after)
		}
	default:
		t.Fatalf("%s returned %d", Mode(m), ret)
	}
	return res
}

// counters returns the counters of every port slot.
func (w *world) counters(t *testing.T, p *Path) []Counters {
	out := make([]Counters, len(w.ports))
	for i := range out {
		c, err := p.Counters(i)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = c
	}
	return out
}

// TestIntegrationDeadline checks the program's side of the neighbour
// deadline: a frame both programs forward is handed over unchanged once
// its nexthop's deadline has passed.
func TestIntegrationDeadline(t *testing.T) {
	w := newWorld(t, diffScript, diffNeighs)
	src, dst := netip.MustParseAddr("192.168.1.10"), netip.MustParseAddr("172.16.1.1")
	frame := frame4(w.mac["r1"], header.IPv4Fields{TTL: 64, Protocol: 17, Src: src, Dst: dst}, make([]byte, 64))
	c := w.compile(t)
	for m := range w.paths {
		if r := w.fast(t, m, "r1", frame); !r.forwarded || w.ports[r.slot] != "r2" {
			t.Fatalf("%s: %+v, want forwarded by r2", Mode(m), r)
		}
	}
	for i := range c.Nexthops {
		c.Nexthops[i].Deadline = Monotonic()
	}
	for m, p := range w.paths {
		if err := p.Apply(c); err != nil {
			t.Fatal(err)
		}
		if r := w.fast(t, m, "r1", frame); r.forwarded || !bytes.Equal(r.frame, frame) {
			t.Fatalf("%s: %+v past the deadline, want handed over unchanged", Mode(m), r)
		}
	}
}

// TestIntegrationGenerations applies compilations one after another —
// a route gone, back, every port gone, back — and checks that each
// takes effect whole in both halves of the maps.
func TestIntegrationGenerations(t *testing.T) {
	w := newWorld(t, diffScript, diffNeighs)
	src, dst := netip.MustParseAddr("192.168.1.10"), netip.MustParseAddr("172.16.1.1")
	frame := frame4(w.mac["r1"], header.IPv4Fields{TTL: 64, Protocol: 17, Src: src, Dst: dst}, make([]byte, 64))
	expect := func(step string, forwarded bool) {
		t.Helper()
		for m := range w.paths {
			if r := w.fast(t, m, "r1", frame); r.forwarded != forwarded {
				t.Fatalf("%s, %s: forwarded %v, want %v", step, Mode(m), r.forwarded, forwarded)
			}
		}
	}
	run := func(line string) {
		t.Helper()
		var out bytes.Buffer
		if code := cli.Run(w.ctl, strings.Fields(line), &out, &out); code != 0 {
			t.Fatalf("%s: %s", line, out.String())
		}
	}
	expect("compiled", true)
	run("route del 172.16.0.0/16 vrf red")
	w.compile(t)
	expect("route deleted", false)
	run("route add 172.16.0.0/16 via 192.168.2.10 vrf red")
	w.compile(t)
	expect("route back", true)
	for _, p := range w.paths {
		if err := p.Apply(&Compiled{}); err != nil {
			t.Fatal(err)
		}
	}
	expect("nothing applied", false)
	w.compile(t)
	expect("compiled again", true)
}

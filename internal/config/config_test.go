package config_test

import (
	"bytes"
	"fmt"
	"github.com/govrf/govrf/internal/config"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
)

// build runs command lines on a fresh control plane, failing on any error.
func build(t testing.TB, lines ...string) *control.Control {
	t.Helper()
	ctl := control.New()
	for _, l := range lines {
		var errs bytes.Buffer
		if code := cli.Run(ctl, strings.Fields(l), &bytes.Buffer{}, &errs); code != 0 {
			t.Fatalf("govrf %s: exit %d: %s", l, code, errs.String())
		}
	}
	return ctl
}

// views are the show commands whose output a round trip must keep.
var views = [][]string{
	{"route", "show", "table", "all"},
	{"-6", "route", "show", "table", "all"},
	{"rule", "show"},
	{"-6", "rule", "show"},
	{"-d", "addr", "show"},
	{"-d", "link", "show"},
	{"nexthop", "show"},
	{"sysctl", "-a"},
	{"bridge", "fdb", "show"},
	{"neigh", "show", "nud", "all"},
}

func state(ctl *control.Control) string {
	var b bytes.Buffer
	for _, v := range views {
		fmt.Fprintf(&b, "== %s\n", strings.Join(v, " "))
		cli.Run(ctl, v, &b, &b)
	}
	return b.String()
}

// roundTrip checks that loading the script of ctl rebuilds ctl.
func roundTrip(t *testing.T, ctl *control.Control) {
	t.Helper()
	script := config.Script(ctl.Snapshot())
	got := control.New()
	if err := config.Load(got, strings.NewReader(script), "govrf.conf", cli.Run); err != nil {
		t.Fatalf("Load(Script) = %v; script:\n%s", err, script)
	}
	if again := config.Script(got.Snapshot()); again != script {
		t.Fatalf("config.Script(Load(Script)) =\n%s\nwant\n%s", again, script)
	}
	if g, w := state(got), state(ctl); g != w {
		t.Fatalf("state after Load(Script) differs: %s\nscript:\n%s", firstDiff(g, w), script)
	}
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
	}{
		{"fresh", nil},
		{"ports", []string{
			"link add link veth9 name p0 type packet",
			"link add link veth8 name p1 type packet force",
			"link add name t0 mtu 9000 type tap",
			"link add name blue type vrf table 10",
			"link set dev p0 master blue",
			"link set dev p0 up",
			"link set dev t0 up",
			"addr add 192.168.1.1/24 dev p0",
		}},
		{"vrf", []string{
			"link add blue type vrf table 10",
			"link add eth0 type dummy",
			"link set dev eth0 master blue",
			"link set dev blue up",
			"link set dev eth0 up",
			"addr add 10.0.0.1/24 dev eth0",
			"addr add 10.0.0.2/24 dev eth0",
			"addr add 10.9.0.1/16 dev eth0 metric 7",
			"addr add 2001:db8::1/64 dev eth0",
			"addr add 2001:db8:1::1/64 dev eth0 noprefixroute",
			"addr add fe80::99/64 dev eth0",
			"route add 192.168.0.0/16 via 10.0.0.254 table 10",
			"route append 192.168.0.0/16 via 10.0.0.253 table 10",
			"route add 172.16.0.0/12 tos 0x10 metric 5 via 10.0.0.254 table 10 src 10.0.0.1",
			"route add blackhole 1.0.0.0/8 table 10",
			"route add unreachable 2.0.0.0/8",
			"route add prohibit 3.0.0.0/8 metric 9",
			"route add throw 4.0.0.0/8 table 10",
			"route add 2001:db8:9::/48 via 2001:db8::fe table 10",
			"route add 2001:db8:9::/48 via 2001:db8::fd table 10 metric 10",
			"route add 5.0.0.0/8 table 10 nexthop via 10.0.0.10 weight 2 nexthop via 10.0.0.11",
			"route add 6.0.0.0/8 table 10 via 7.7.7.7 dev eth0 onlink",
		}},
		{"nexthops", []string{
			"link add eth0 type dummy",
			"link set dev eth0 up",
			"addr add 10.0.0.1/24 dev eth0",
			"nexthop add id 5 via 10.0.0.2 dev eth0",
			"nexthop add id 3 via 10.0.0.3 dev eth0",
			"nexthop add id 1 group 5,3/3",
			"nexthop add id 9 blackhole",
			"route add 8.0.0.0/8 nhid 1",
			"route add 9.0.0.0/8 nhid 9",
		}},
		{"rules", []string{
			"link add red type vrf table 20",
			"link add eth1 type dummy",
			"rule del pref 1000 l3mdev",
			"rule del pref 0 lookup local",
			"rule add pref 10 lookup local",
			"rule add from 10.0.0.0/8 to 11.0.0.0/8 tos 0x10 fwmark 0x5/0xff iif eth1 oif red lookup 20",
			"rule add ipproto 6 sport 80 dport 1000-2000 goto 32766",
			"rule add not from 1.2.3.4 nop",
			"rule add pref 500 blackhole",
			"rule add pref 501 unreachable",
			"rule add pref 502 prohibit",
			"rule add pref 505 0",
			"rule add pref 506 0 lookup 1",
			"rule add pref 507 lookup 8 blackhole",
			"rule add pref 508 nop table 9",
			"rule add pref 509 goto 32766 lookup 10",
			"rule add pref 503 lookup main suppress_prefixlength 0",
			"rule add pref 504 lookup main suppress_ifgroup 3",
			"-6 rule add pref 2000 from 2001:db8::/32 lookup 20",
			"-6 rule del pref 32766",
		}},
		{"down and sysctls", []string{
			"sysctl -w net.ipv6.conf.all.keep_addr_on_down=1",
			"sysctl -w net.ipv4.ip_forward=1",
			"sysctl -w net.ipv6.conf.all.forwarding=1",
			"sysctl -w net.vrf.strict_mode=1",
			"link add pa type dummy",
			"link add pb type dummy",
			"link add gone type dummy",
			"link add pc mtu 9000 type dummy",
			"link del gone",
			"link set dev pa up",
			"link set dev pb up",
			"link set dev pc group 4",
			"addr add 10.1.0.1/24 dev pa",
			"addr add 10.2.0.1/24 dev pb",
			"addr add 2001:db8:2::1/64 dev pb",
			"route add 20.0.0.0/8 nexthop via 10.1.0.2 nexthop via 10.2.0.2",
			"link set dev pb down",
			"addr add 10.3.0.1/24 dev pc",
			"addr add 2001:db8:3::1/64 dev pc",
			"link set dev lo mtu 1500",
		}},
		{"multipath hash", []string{
			"sysctl -w net.ipv4.fib_multipath_hash_policy=3",
			"sysctl -w net.ipv4.fib_multipath_hash_fields=0x37",
			"sysctl -w net.ipv4.fib_multipath_hash_seed=4294967295",
			"sysctl -w net.ipv6.fib_multipath_hash_policy=2",
			"sysctl -w net.ipv6.fib_multipath_hash_fields=0xfff",
		}},
		// The kernel routes of links coming up are appended: a VRF
		// brought up after its ports has its ff00::/8 route after theirs.
		{"vrf up last", []string{
			"link add name a type vrf table 10",
			"link add name ra1 type dummy",
			"link add name ra2 type dummy",
			"link set dev ra1 master a",
			"link set dev ra2 master a",
			"link set dev ra2 up",
			"link set dev ra1 up",
			"link set dev a up",
			"addr add 192.168.1.1/24 dev ra1",
			"addr add 192.168.2.1/24 dev ra2",
		}},
		// A link down that kept its link-local address has to come up
		// for the address to be made, and down again.
		{"down with its link-local kept", []string{
			"sysctl -w net.ipv6.conf.all.keep_addr_on_down=1",
			"link add x type dummy",
			"link set x up",
			"addr add 2001:db8::1/64 dev x",
			"link set x down",
		}},
		{"vxlan", []string{
			"link add name a type vrf table 10",
			"link add name vx100 type vxlan id 100 local 10.99.0.1 dstport 4789 nolearning",
			"link add name vx6 mtu 1400 type vxlan id 7 local fd00::1 dstport 4789 srcport 1000 2000 ttl 10",
			"link add name vxr type vxlan id 8 local 10.99.0.1 remote 10.99.0.3 dstport 0",
			"link add name vxa type vxlan id 10 local 10.99.0.1 dstport 4789 ageing 60",
			"link add name vxd type vxlan id 9 local 10.99.0.1 remote 10.99.0.4 dstport 4789",
			"link set dev vx100 master a",
			"link set dev vx100 up",
			"addr add 10.100.0.1/24 dev vx100",
			"bridge fdb append 00:00:00:00:00:00 dev vx100 dst 10.99.0.2",
			"bridge fdb append 00:00:00:00:00:00 dev vx100 dst 10.99.0.5",
			"bridge fdb add 02:00:00:00:00:01 dev vx100 dst 10.99.0.2 static",
			"bridge fdb add 02:00:00:00:00:02 dev vx100 dst 10.99.0.2 dynamic",
			"bridge fdb add 02:00:00:00:00:03 dev vx100 dst 10.99.0.2",
			"bridge fdb append 00:00:00:00:00:00 dev vxr dst 10.99.0.6",
			"bridge fdb del 00:00:00:00:00:00 dev vxd dst 10.99.0.4",
			"bridge fdb add 02:00:00:00:00:04 dev vx6 dst fd00::2",
		}},
		// Names with the script's quotes and comment sign in them.
		{"neighbours", []string{
			"link add name blue type vrf table 10",
			"link add name eth0 type dummy",
			"link add name eth1 type dummy",
			"link set dev eth0 master blue",
			"link set dev eth0 up",
			"addr add 10.0.0.1/24 dev eth0",
			"neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev eth0",
			"neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 dev eth0 nud noarp router protocol bgp",
			"neigh add 2001:db8::2 lladdr 02:00:00:00:00:02 dev eth0 nud permanent",
			"neigh add ::ffff:10.99.0.2 lladdr 02:00:00:00:00:09 dev eth0 nud noarp",
			"neigh add 10.1.0.2 lladdr 02:00:00:00:00:04 dev eth1", // on a down link
		}},
		{"quoted names", []string{
			`link add name "0 type dummy`,
			`link add name a'b#c type dummy`,
			`link add name ' type dummy`,
			`link set dev "0 up`,
			`link set dev a'b#c up`,
			`addr add 10.0.0.1/24 dev "0 label "0:x'`,
			`addr add 10.1.0.1/24 dev a'b#c`,
			`route add 10.9.0.0/16 via 10.1.0.2 dev a'b#c`,
			`rule add iif "0 oif ' lookup 10`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			roundTrip(t, build(t, tt.lines...))
		})
	}
}

// TestScriptNeighbours: configured neighbours come after the links are
// up with their addresses, and those marked extern_learn, which their
// control plane learns again, are left out.
func TestScriptNeighbours(t *testing.T) {
	ctl := build(t, "link add name eth0 type dummy", "link set dev eth0 up", "addr add 10.0.0.1/24 dev eth0",
		"neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev eth0",
		"neigh replace 10.99.0.2 lladdr 02:00:00:00:00:09 dev eth0 nud noarp extern_learn protocol bgp")
	script := config.Script(ctl.Snapshot())
	want := "neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev eth0 nud permanent\n"
	if !strings.HasSuffix(script, want) {
		t.Errorf("Script ends\n%s\nwant it to end with %q", script, want)
	}
	if strings.Contains(script, "10.99.0.2") {
		t.Errorf("Script writes the extern_learn entry:\n%s", script)
	}
	if i, j := strings.Index(script, "addr add 10.0.0.1/24"), strings.Index(script, "neigh add"); i < 0 || j < i {
		t.Errorf("Script adds the neighbour before the address:\n%s", script)
	}
}

// TestRoundTripRandom round-trips configurations made by seeded random
// command sequences, valid or not, in the phases a configuration is made
// in: links and VRFs, links up, addresses, then nexthops, routes and rules.
func TestRoundTripRandom(t *testing.T) {
	phases := []struct {
		n   int
		cmd func(r *rand.Rand) string
	}{{40, linkCommand}, {0, nil}, {60, addrCommand}, {120, routeCommand}, {20, neighCommand}}
	for seed := range uint64(40) {
		rng := rand.New(rand.NewPCG(seed, 1))
		ctl := control.New()
		run := func(cmd string) {
			cli.Run(ctl, strings.Fields(cmd), &bytes.Buffer{}, &bytes.Buffer{})
		}
		for _, p := range phases {
			if p.cmd == nil {
				for l := range ctl.Snapshot().Links() {
					run("link set dev " + l.Name + " up")
				}
			}
			for range p.n {
				run(p.cmd(rng))
			}
		}
		t.Run(fmt.Sprint(seed), func(t *testing.T) { roundTrip(t, ctl) })
	}
}

func linkCommand(rng *rand.Rand) string {
	port, vrf := fmt.Sprintf("d%d", rng.IntN(4)), fmt.Sprintf("v%d", rng.IntN(2))
	switch rng.IntN(6) {
	case 0, 1:
		return fmt.Sprintf("link add %s type dummy", port)
	case 2:
		return fmt.Sprintf("link add %s type vrf table %d", vrf, 10+rng.IntN(2))
	case 3:
		return fmt.Sprintf("link set dev %s master %s", port, vrf)
	case 4:
		return fmt.Sprintf("link set dev %s mtu %d group %d", port, 1280+rng.IntN(3000), rng.IntN(3))
	}
	return fmt.Sprintf("link del %s", []string{port, vrf}[rng.IntN(2)])
}

// addrCommand puts each link's addresses in subnets of its own: the order
// of equal connected routes of different links is history the script
// does not keep.
// neighCommand returns a random neighbour command on the links
// linkCommand makes, in a configured state or not.
func neighCommand(rng *rand.Rand) string {
	ops := []string{"add", "replace", "change", "del"}
	states := []string{"permanent", "noarp", "noarp router", "reachable"}
	addr := fmt.Sprintf("10.0.0.%d", rng.IntN(4))
	if rng.IntN(3) == 0 {
		addr = fmt.Sprintf("2001:db8::%d", rng.IntN(4))
	}
	return fmt.Sprintf("neigh %s %s lladdr 02:00:00:00:00:%02x dev d%d nud %s", ops[rng.IntN(len(ops))], addr,
		rng.IntN(3), rng.IntN(4), states[rng.IntN(len(states))])
}

func addrCommand(rng *rand.Rand) string {
	n := rng.IntN
	i := n(6)
	dev := []string{"d0", "d1", "d2", "d3", "v0", "v1"}[i]
	switch n(5) {
	case 0, 1:
		return fmt.Sprintf("addr add 10.%d.%d.%d/24 dev %s", i, n(3), 1+n(4), dev)
	case 2:
		return fmt.Sprintf("addr add 2001:db8:%x::%x/64 dev %s%s", i, 1+n(4), dev, []string{"", " noprefixroute", " metric 9"}[n(3)])
	case 3:
		return fmt.Sprintf("addr add 10.1%d.%d.1/24 dev %s metric %d", i, n(3), dev, n(3))
	}
	return fmt.Sprintf("addr add 10.2%d.%d.%d/24 dev %s", i, n(3), 1+n(4), dev)
}

func routeCommand(rng *rand.Rand) string {
	n := rng.IntN
	port := fmt.Sprintf("d%d", n(4))
	v4 := func() string { return fmt.Sprintf("10.%d.%d.%d", n(6), n(3), 100+n(4)) }
	v6 := func() string { return fmt.Sprintf("2001:db8:%x::%x", n(6), 100+n(4)) }
	table := []string{"main", "10", "11"}[n(3)]
	switch n(11) {
	case 0:
		return fmt.Sprintf("route append 1%d.0.0.0/8 via %s table %s metric %d", n(3), v4(), table, n(3))
	case 1:
		return fmt.Sprintf("route append 2001:db8:9%d::/48 via %s table %s metric %d", n(3), v6(), table, n(3))
	case 2:
		return fmt.Sprintf("route add %s 3%d.0.0.0/8 table %s", []string{"blackhole", "unreachable", "prohibit", "throw"}[n(4)], n(3), table)
	case 3:
		return fmt.Sprintf("route add 4%d.0.0.0/8 table %s tos 0x%x nexthop via %s weight %d nexthop via %s", n(3), table, 4*n(3), v4(), 1+n(3), v4())
	case 4:
		return fmt.Sprintf("nexthop add id %d via %s dev %s", 1+n(4), v4(), port)
	case 5:
		return fmt.Sprintf("nexthop add id %d group %d/%d", 5+n(2), 1+n(4), 1+n(4))
	case 6:
		return fmt.Sprintf("route add 5%d.0.0.0/8 nhid %d", n(3), 1+n(6))
	case 7:
		return fmt.Sprintf("route add 6%d.0.0.0/8 via 192.0.2.%d dev %s onlink table %s", n(3), n(3), port, table)
	case 8:
		return fmt.Sprintf("route del 1%d.0.0.0/8 table %s", n(3), table)
	case 9:
		return fmt.Sprintf("-6 rule %s pref %d %s lookup %s", []string{"add", "del"}[n(2)], []int{0, 1000, 32766, 100}[n(4)],
			[]string{"", "l3mdev", "from 2001:db8::/32", "iif d0"}[n(4)], table)
	}
	return fmt.Sprintf("rule %s pref %d %s lookup %s", []string{"add", "del"}[n(2)], []int{0, 1000, 32766, 100}[n(4)],
		[]string{"", "l3mdev", "from 10.0.0.0/8", "iif d0", "fwmark 3/7", "ipproto 17 dport 53"}[n(6)], table)
}

// TestLoadFails checks that a failing script names its line and leaves the
// control plane as it was.
func TestLoadFails(t *testing.T) {
	tests := []struct {
		script, want string
	}{
		{"link add x type dummy\nfoo bar\n", "govrf.conf:2: "},
		{"link add x type dummy\n\n# comment\naddr add 10.0.0.1/24 dev nosuch\n", "govrf.conf:4: "},
		{"route add 1.0.0.0/8 via 10.0.0.1\n", "govrf.conf:1: "},
		{"link add x type dummy\nlink add x type dummy\n", "govrf.conf:2: "},
		{"link add \"x type dummy\n", "govrf.conf:1: Unterminated"},
	}
	for _, tt := range tests {
		ctl := build(t, "link add base type dummy", "link set dev base up")
		before, gen := state(ctl), ctl.Snapshot().Gen()
		err := config.Load(ctl, strings.NewReader(tt.script), "govrf.conf", cli.Run)
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Fatalf("Load(%q) = %v, want an error starting %q", tt.script, err, tt.want)
		}
		if after := state(ctl); after != before || ctl.Snapshot().Gen() != gen {
			t.Fatalf("Load(%q) changed the state:\n%s\nwant\n%s", tt.script, after, before)
		}
	}
}

// firstDiff describes the first line where got and want differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d: got %q, want %q", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("got %d lines, want %d", len(g), len(w))
}

// bigConfig returns a control plane with a VRF and n routes in its table.
func bigConfig(b *testing.B, n int) *control.Control {
	ctl := build(b, "link add blue type vrf table 10", "link add eth0 type dummy",
		"link set dev eth0 master blue", "link set dev eth0 up", "addr add 10.0.0.1/24 dev eth0")
	release := ctl.Hold()
	for i := range n {
		r := fib.Route{Table: 10, Prefix: netip.PrefixFrom(netip.AddrFrom4([4]byte{11, byte(i >> 16), byte(i >> 8), byte(i)}), 32),
			Proto: fib.ProtoStatic, Nexthops: []fib.Nexthop{{Gateway: netip.MustParseAddr("10.0.0.2")}}}
		if err := ctl.AddRoute(r, fib.OpAppend); err != nil {
			b.Fatal(err)
		}
	}
	release()
	return ctl
}

// BenchmarkScript100k writes the script of 100,000 routes.
func BenchmarkScript100k(b *testing.B) {
	s := bigConfig(b, 100_000).Snapshot()
	for b.Loop() {
		config.Script(s)
	}
}

// BenchmarkLoad100k loads a script of 100,000 routes (checked on a scratch
// control plane, then applied).
func BenchmarkLoad100k(b *testing.B) {
	script := config.Script(bigConfig(b, 100_000).Snapshot())
	for b.Loop() {
		if err := config.Load(control.New(), strings.NewReader(script), "govrf.conf", cli.Run); err != nil {
			b.Fatal(err)
		}
	}
}

// TestScriptMultipathHash checks that the multipath hash sysctls are
// saved, in the form sysctl reads back.
func TestScriptMultipathHash(t *testing.T) {
	ctl := build(t, "sysctl -w net.ipv4.fib_multipath_hash_seed=0x5eed",
		"sysctl -w net.ipv6.fib_multipath_hash_policy=1", "sysctl -w net.ipv4.fib_multipath_hash_fields=0x10")
	script := config.Script(ctl.Snapshot())
	for _, want := range []string{"sysctl -w net.ipv4.fib_multipath_hash_seed=24301\n",
		"sysctl -w net.ipv6.fib_multipath_hash_policy=1\n", "sysctl -w net.ipv4.fib_multipath_hash_fields=16\n"} {
		if !strings.Contains(script, want) {
			t.Errorf("script lacks %q:\n%s", want, script)
		}
	}
	if strings.Contains(script, "fib_multipath_hash_policy=0") || strings.Contains(script, "ipv6.fib_multipath_hash_fields") {
		t.Errorf("script saves defaults:\n%s", script)
	}
	roundTrip(t, ctl)
}

func TestJoinLine(t *testing.T) {
	for _, words := range [][]string{
		{"link", "add", "name", "blue", "type", "vrf", "table", "10"},
		{"link", "add", "name", "a b", "type", "dummy"},
		{"link", "set", "dev", "it's", "alias", `say "hi" # not a comment`},
		{"addr", "add", "10.0.0.1/24", "dev", "'", "label", ""},
		{"x", "\t", "#", `""`, "''"},
	} {
		line := config.JoinLine(words)
		got, err := config.SplitLine(line)
		if err != nil || !slices.Equal(got, words) {
			t.Errorf("SplitLine(JoinLine(%q) = %q) = %q, %v", words, line, got, err)
		}
	}
}

// TestScriptSkipsExternLearn checks that FDB entries a control plane
// installed (extern_learn) stay out of the script: BGP learns them again.
func TestScriptSkipsExternLearn(t *testing.T) {
	ctl := build(t,
		"link add name vx100 type vxlan id 100 local 10.99.0.1 dstport 4789 nolearning",
		"bridge fdb add 02:00:00:00:00:01 dev vx100 dst 10.99.0.2",
		"bridge fdb replace 02:00:00:00:00:02 dev vx100 dst 10.99.0.2 self extern_learn",
	)
	s := config.Script(ctl.Snapshot())
	if !strings.Contains(s, "02:00:00:00:00:01") || strings.Contains(s, "02:00:00:00:00:02") {
		t.Fatalf("Script() =\n%s\nwant 02:00:00:00:00:01 and not the extern_learn 02:00:00:00:00:02", s)
	}
}

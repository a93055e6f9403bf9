package cli

import (
	"fmt"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/control"
)

// mpPaths is the number of paths of the multipath routes of mpSetup.
const mpPaths = 4

// mpSetup gives link v0 10.0.0.1/24 and 2001:db8::1/64 and a route over
// mpPaths gateways (.2 up) to 198.51.100.0/24 and 2001:db8:99::/64, and
// through nexthop groups of the same gateways to 203.0.113.0/24 and
// 2001:db8:98::/64.
func mpSetup() []string {
	r4 := "route add 198.51.100.0/24"
	r6 := "-6 route add 2001:db8:99::/64"
	for i := range mpPaths {
		r4 += fmt.Sprintf(" nexthop via 10.0.0.%d dev v0", i+2)
		r6 += fmt.Sprintf(" nexthop via 2001:db8::%d dev v0", i+2)
	}
	out := []string{"addr add 10.0.0.1/24 dev v0", "addr add 2001:db8::1/64 dev v0 nodad", r4, r6,
		"sysctl -w net.ipv4.ip_forward=1", "sysctl -w net.ipv6.conf.all.forwarding=1"}
	// The same gateways as nexthop groups, with weights, for
	// 203.0.113.0/24 and 2001:db8:98::/64.
	for i := range mpPaths {
		out = append(out, fmt.Sprintf("nexthop add id %d via 10.0.0.%d dev v0", i+1, i+2),
			fmt.Sprintf("nexthop add id %d via 2001:db8::%d dev v0", i+11, i+2))
	}
	return append(out, "nexthop add id 10 group 1,2/2/3,3/4", "nexthop add id 20 group 11/12,5/13/14,2",
		"route add 203.0.113.0/24 nhid 10", "route add 2001:db8:98::/64 nhid 20")
}

// mpSettings are the hash sysctls of a group of vectors.
type mpSettings struct {
	seed             uint32
	policy4, fields4 uint32
	policy6, fields6 uint32
}

func (m mpSettings) sysctls() []string {
	return []string{
		fmt.Sprintf("net.ipv4.fib_multipath_hash_seed=%d", m.seed),
		fmt.Sprintf("net.ipv4.fib_multipath_hash_policy=%d", m.policy4),
		fmt.Sprintf("net.ipv4.fib_multipath_hash_fields=%#x", m.fields4),
		fmt.Sprintf("net.ipv6.fib_multipath_hash_policy=%d", m.policy6),
		fmt.Sprintf("net.ipv6.fib_multipath_hash_fields=%#x", m.fields6),
	}
}

// mpVector is a `route get` and the index of the gateway Linux chose.
type mpVector struct {
	query string
	path  int
}

// govrfPath runs `route get` and returns the index of the gateway.
func govrfPath(t *testing.T, ctl *control.Control, query string) int {
	t.Helper()
	out, errText, code := run(t, ctl, "route get "+query)
	if code != 0 {
		t.Fatalf("route get %s: %s", query, errText)
	}
	f := strings.Fields(out)
	for i := range f {
		if f[i] == "via" && i+1 < len(f) {
			var n int
			g := f[i+1]
			fmt.Sscanf(g[strings.LastIndexAny(g, ".:")+1:], "%d", &n)
			return n - 2
		}
	}
	t.Fatalf("route get %s: no gateway in %q", query, out)
	return -1
}

// newMultipathGovrf returns a control plane loaded with mpSetup under
// settings m.
func newMultipathGovrf(t *testing.T, m mpSettings) *control.Control {
	t.Helper()
	ctl := control.New()
	for _, s := range append([]string{"link add v0 type dummy", "link set v0 up"}, mpSetup()...) {
		if _, e, code := run(t, ctl, s); code != 0 {
			t.Fatalf("Run(%q) = %d: %s", s, code, e)
		}
	}
	for _, s := range m.sysctls() {
		if _, e, code := run(t, ctl, "sysctl -w "+s); code != 0 {
			t.Fatalf("sysctl %s: %s", s, e)
		}
	}
	return ctl
}

// TestMultipathHashVectors checks govrf's path choices against answers
// recorded from Linux 6.18 (TestIntegrationMultipathHashKernel -mphash.record):
// with the same fib_multipath_hash_seed, policy and fields, `route get`
// names the same gateway for every flow.
func TestMultipathHashVectors(t *testing.T) {
	for _, g := range mpVectors {
		ctl := newMultipathGovrf(t, g.settings)
		bad := 0
		for _, v := range g.vectors {
			if got := govrfPath(t, ctl, v.query); got != v.path {
				bad++
				t.Errorf("%+v: route get %s: path %d, Linux %d", g.settings, v.query, got, v.path)
			}
		}
		if bad > 0 {
			t.Errorf("%+v: %d of %d vectors differ", g.settings, bad, len(g.vectors))
		}
	}
}

// TestMultipathHashSpreads checks that, without a seed, policy 1 spreads
// the flows of one source and destination over the paths by port, and
// that policy 0 keeps them on one path.
func TestMultipathHashSpreads(t *testing.T) {
	for _, tc := range []struct {
		policy uint32
		dst    string
		spread bool
	}{{0, "198.51.100.7", false}, {1, "198.51.100.7", true}, {0, "2001:db8:99::7", false}, {1, "2001:db8:99::7", true}} {
		ctl := newMultipathGovrf(t, mpSettings{policy4: tc.policy, policy6: tc.policy, fields4: 7, fields6: 7})
		var used [mpPaths]int
		for sport := 1000; sport < 1200; sport++ {
			p := govrfPath(t, ctl, fmt.Sprintf("%s ipproto udp sport %d dport 53", tc.dst, sport))
			used[p]++
			if again := govrfPath(t, ctl, fmt.Sprintf("%s ipproto udp sport %d dport 53", tc.dst, sport)); again != p {
				t.Fatalf("flow from port %d took path %d, then %d", sport, p, again)
			}
		}
		n := 0
		for _, u := range used {
			if u > 0 {
				n++
			}
		}
		if tc.spread && n != mpPaths || !tc.spread && n != 1 {
			t.Errorf("policy %d to %s: flows per path %v", tc.policy, tc.dst, used)
		}
	}
}

func TestMultipathHashSysctls(t *testing.T) {
	inval := func(k string) string { return fmt.Sprintf("sysctl: setting key %q: Invalid argument\n", k) }
	runCases(t, []cmdCase{
		{name: "policy default", cmd: "sysctl net.ipv4.fib_multipath_hash_policy", out: "net.ipv4.fib_multipath_hash_policy = 0\n"},
		{name: "fields default", cmd: "sysctl net.ipv6.fib_multipath_hash_fields", out: "net.ipv6.fib_multipath_hash_fields = 7\n"},
		{name: "seed default", cmd: "sysctl net.ipv4.fib_multipath_hash_seed", out: "net.ipv4.fib_multipath_hash_seed = 0\n"},
		{name: "policy 1", cmd: "sysctl -w net.ipv4.fib_multipath_hash_policy=1", out: "net.ipv4.fib_multipath_hash_policy = 1\n"},
		{name: "policy 3 v6", cmd: "sysctl -w net.ipv6.fib_multipath_hash_policy=3", out: "net.ipv6.fib_multipath_hash_policy = 3\n"},
		{name: "policy 4", cmd: "sysctl -w net.ipv4.fib_multipath_hash_policy=4", err: inval("net.ipv4.fib_multipath_hash_policy"), code: 1},
		{name: "policy -1", cmd: "sysctl -w net.ipv6.fib_multipath_hash_policy=-1", err: inval("net.ipv6.fib_multipath_hash_policy"), code: 1},
		{name: "fields hex", cmd: "sysctl -w net.ipv4.fib_multipath_hash_fields=0x37", out: "net.ipv4.fib_multipath_hash_fields = 55\n"},
		{name: "fields all", cmd: "sysctl -w net.ipv6.fib_multipath_hash_fields=4095", out: "net.ipv6.fib_multipath_hash_fields = 4095\n"},
		{name: "fields 0", cmd: "sysctl -w net.ipv4.fib_multipath_hash_fields=0", err: inval("net.ipv4.fib_multipath_hash_fields"), code: 1},
		{name: "fields unknown bit", cmd: "sysctl -w net.ipv6.fib_multipath_hash_fields=0x1000", err: inval("net.ipv6.fib_multipath_hash_fields"), code: 1},
		{name: "seed max", cmd: "sysctl -w net.ipv4.fib_multipath_hash_seed=4294967295", out: "net.ipv4.fib_multipath_hash_seed = 4294967295\n"},
		{name: "seed octal", cmd: "sysctl -w net.ipv4.fib_multipath_hash_seed=012", out: "net.ipv4.fib_multipath_hash_seed = 10\n"},
		{name: "seed too big", cmd: "sysctl -w net.ipv4.fib_multipath_hash_seed=4294967296", err: inval("net.ipv4.fib_multipath_hash_seed"), code: 1},
		{name: "seed negative", cmd: "sysctl -w net.ipv4.fib_multipath_hash_seed=-1", err: inval("net.ipv4.fib_multipath_hash_seed"), code: 1},
		{name: "no v6 seed", cmd: "sysctl net.ipv6.fib_multipath_hash_seed",
			err: "sysctl: cannot stat /proc/sys/net/ipv6/fib_multipath_hash_seed: No such file or directory\n", code: 1},
		{name: "flowlabel on IPv4", setup: []string{"link add v0 type dummy", "link set v0 up", "addr add 10.0.0.1/24 dev v0"},
			cmd: "route get 10.0.0.9 flowlabel 5", err: "Error: ipv4: Unsupported attribute in route get request.\n", code: 2},
		{name: "flowlabel too big", setup: []string{"link add v0 type dummy", "link set v0 up", "addr add 2001:db8::1/64 dev v0"},
			cmd: "route get 2001:db8::9 flowlabel 0x100000", err: "Error: Invalid flow label.\n", code: 2},
		{name: "sctp", setup: []string{"link add v0 type dummy", "link set v0 up", "addr add 10.0.0.1/24 dev v0"},
			cmd: "route get 10.0.0.9 ipproto sctp", err: "Error: Unsupported ip proto.\n", code: 2},
		{name: "icmp on IPv6", setup: []string{"link add v0 type dummy", "link set v0 up", "addr add 2001:db8::1/64 dev v0"},
			cmd: "route get 2001:db8::9 ipproto icmp", err: "Error: Unsupported ip proto.\n", code: 2},
		{name: "flowlabel bad", cmd: "route get 2001:db8::9 flowlabel x", err: "Error: argument \"x\" is wrong: invalid flowlabel\n", code: 255},
	})
}

// TestMultipathHashRunningConfig checks that show running-config gives
// the hash sysctls that differ from the defaults, and that the script
// loads back to the same values.
func TestMultipathHashRunningConfig(t *testing.T) {
	ctl := control.New()
	set := []string{"net.ipv4.fib_multipath_hash_policy=3", "net.ipv4.fib_multipath_hash_fields=55",
		"net.ipv4.fib_multipath_hash_seed=4294967295", "net.ipv6.fib_multipath_hash_policy=1"}
	for _, s := range set {
		if _, e, code := run(t, ctl, "sysctl -w "+s); code != 0 {
			t.Fatal(e)
		}
	}
	out, e, code := run(t, ctl, "show running-config")
	if code != 0 {
		t.Fatal(e)
	}
	for _, s := range set {
		if !strings.Contains(out, "sysctl -w "+s+"\n") {
			t.Errorf("running-config lacks %s:\n%s", s, out)
		}
	}
	if strings.Contains(out, "net.ipv6.fib_multipath_hash_fields") {
		t.Errorf("running-config saves a default:\n%s", out)
	}
	again := control.New()
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "sysctl") {
			if _, e, code := run(t, again, line); code != 0 {
				t.Fatalf("%s: %s", line, e)
			}
		}
	}
	if got, _, _ := run(t, again, "show running-config"); got != out {
		t.Errorf("reloaded running-config:\n%s\nwant:\n%s", got, out)
	}
}

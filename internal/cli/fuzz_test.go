package cli

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/config"
	"github.com/govrf/govrf/internal/control"
)

// FuzzRun feeds command lines (one per input line, words split on
// spaces) to Run on one fresh control plane: no command may panic, and
// every exit code must be one ip uses. Then what was applied must
// survive a reload: `show running-config` loaded into another fresh
// control plane (as govrfd loads its file) gives the same running
// configuration and the same listings (reloads), but for the order of
// equal kernel routes of different links that the running configuration
// cannot carry.
func FuzzRun(f *testing.F) {
	for _, s := range runSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script string) {
		ctl := control.New()
		for _, line := range strings.Split(script, "\n") {
			words := strings.Split(line, " ")
			if inv, err := parseOptions(words); err == nil && inv.batch != "" {
				continue // would read a file or standard input
			}
			var out, errOut bytes.Buffer
			switch code := Run(ctl, words, &out, &errOut); code {
			case exitOK, exitSyntax, exitRefused, exitUsage:
			default:
				t.Fatalf("Run(%q) = %d", words, code)
			}
		}
		reloads(t, ctl)
	})
}

// runSeeds are FuzzRun's seeds: each kind of state the running
// configuration carries.
var runSeeds = []string{
	"link add name a type vrf table 10\nlink add name vx100 type vxlan id 100 local 10.99.0.1 remote 10.99.0.3 dstport 4789 nolearning\n" +
		"link set dev vx100 master a\nlink set dev vx100 up\naddr add 10.100.0.1/24 dev vx100\n" +
		"bridge fdb append 00:00:00:00:00:00 dev vx100 dst 10.99.0.2\nbridge fdb add 02:00:00:00:00:01 dev vx100 dst 10.99.0.2 static\n" +
		"bridge fdb replace 02:00:00:00:00:02 dev vx100 dst 10.99.0.2 self extern_learn\nbridge fdb del 00:00:00:00:00:00 dev vx100 dst 10.99.0.3\n" +
		"link add name vx6 type vxlan id 6 local fd00::1 srcport 100 200 ttl 9 dstport 0\n-j bridge fdb show",
	"link add d0 type dummy\nlink set d0 up\nneigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev d0 router protocol 9\n" +
		"neigh add 10.0.0.3 lladdr 2:0:0:0:0:3 dev d0 nud noarp extern_learn\n-6 neigh add 2001:db8::3 lladdr 2:0:0:0:0:3 dev d0 nud noarp",
	"link add d0 type dummy\nlink set d0 up\naddr add 10.0.0.1/24 dev d0\n-j -p addr show",
	"link add name a type vrf table 10\nlink add name b type vrf table 20\nlink add ra1 type dummy\nlink add rb1 type dummy\n" +
		"link set dev ra1 master a\nlink set dev rb1 master b\nlink set dev ra1 up\nlink set dev rb1 up\nlink set dev a up\nlink set dev b up\n" +
		"addr add 192.168.1.1/24 dev ra1\naddr add 192.168.1.1/24 dev rb1\naddr add 2001:db8:1::1/64 dev ra1\n" +
		"addr add 2001:db8:1::1/64 dev rb1\nroute add 10.3.0.0/16 dev b vrf a\nroute add 2001:db8:3::/48 dev b vrf a\n" +
		"route add 10.8.0.0/24 via 192.168.1.10 dev rb1 vrf a\nroute add unreachable default metric 4278198272 vrf b",
	"link add p0 type dummy\nlink add p1 type dummy\nlink set p0 up\nlink set p1 up\naddr add 10.1.0.1/24 dev p0\n" +
		"addr add 10.2.0.1/24 dev p1\nnexthop add id 1 via 10.1.0.2 dev p0\nnexthop add id 2 via 10.2.0.2 dev p1\n" +
		"nexthop add id 3 group 1/2,3\nroute add 20.0.0.0/8 nhid 3\nroute add 21.0.0.0/8 nexthop via 10.1.0.2 weight 2 nexthop via 10.2.0.2\n" +
		"link set p1 down",
	"link add name v type vrf table 7\nrule add pref 10 from 10.0.0.0/8 iif v lookup 7\nrule del pref 0\n-6 rule add pref 5 to 2001:db8::/32 lookup 7\n" +
		"rule add fwmark 3/7 ipproto 17 dport 53 blackhole\nrule del pref 1000",
	"sysctl -w net.ipv4.ip_forward=1\nsysctl -w net.ipv6.conf.all.keep_addr_on_down=1\nlink add y type dummy\nlink del y\nlink add x mtu 9000 type dummy\n" +
		"link set x up\naddr add 2001:db8::1/64 dev x\naddr add 10.0.0.1/8 broadcast 10.255.255.255 label x:1 dev x\nlink set x down\n" +
		"link set lo mtu 1500\naddr del 127.0.0.1/8 dev lo",
	"link add name e0 type dummy\nlink set e0 up\naddr add 10.0.0.1/24 dev e0\naddr add 10.0.0.2/24 dev e0\n" +
		"addr add 10.9.0.1/16 dev e0 metric 7\naddr add 2001:db8:1::1/64 dev e0 noprefixroute\naddr add fe80::99/64 dev e0\n" +
		"route add 192.168.0.0/16 via 10.0.0.254\nroute append 192.168.0.0/16 via 10.0.0.253\n" +
		"route add 172.16.0.0/12 tos 0x10 metric 5 via 10.0.0.254 src 10.0.0.1\nroute add throw 4.0.0.0/8 table 10\n" +
		"route add 2001:db8:9::/48 via fe80::1 dev e0 metric 10\nroute add 6.0.0.0/8 via 7.7.7.7 dev e0 onlink\n" +
		"-6 nexthop add id 4 via fe80::2 dev e0\n-6 nexthop add id 5 dev e0\nroute add 2001:db8:7::/48 nhid 4\n" +
		"link set e0 group 3\nrule add pref 9 iif e0 ipproto 6 sport 80 dport 1000-2000 goto 32766\nlink set e0 down\nlink set e0 up",
	"sysctl -w net.ipv4.fib_multipath_hash_policy=3\nsysctl -w net.ipv4.fib_multipath_hash_fields=0x37\n" +
		"sysctl -w net.ipv4.fib_multipath_hash_seed=4294967295\nsysctl -w net.ipv6.fib_multipath_hash_policy=2\n" +
		"link add link veth8 name p1 type packet force\nlink add link veth9 name p2 mtu 9000 type packet\n" +
		"link add name t0 type tap\nlink set p1 up\nlink set t0 up\naddr add 10.0.0.1/24 dev p1",
	"link add name a type vrf table 10\nlink add name b type vrf table 20\nlink add a1 type dummy\nlink set a1 master a up\n" +
		"bgp set as 65001 router-id 10.99.0.1\nbgp neighbor add 10.99.0.2 remote-as 4200000000\n" +
		"bgp vrf add a vni 100 rd 65001:100 rt 65000:100 advertise all\nbgp vrf add b vni 200 rd 10.0.0.1:2 rt import 1:2 3:4 export 1:2\n" +
		"route add 192.168.9.0/24 vrf a via 10.99.0.2 dev a1 onlink proto bgp metric 20\nlink del b\n-j bgp show",
}

// reloadViews are the listings a reload must keep.
var reloadViews = [][]string{
	{"show", "running-config"},
	{"-d", "link", "show"},
	{"-d", "addr", "show"},
	{"route", "show", "table", "all"},
	{"-6", "route", "show", "table", "all"},
	{"rule", "show"},
	{"-6", "rule", "show"},
	{"nexthop", "show"},
	{"sysctl", "-a"},
	{"vrf", "show"},
	{"bgp", "vrf", "show"},
}

// reloads checks that the running configuration of ctl, loaded into a
// fresh control plane, rebuilds the same state.
func reloads(t *testing.T, ctl *control.Control) {
	t.Helper()
	var script, errs bytes.Buffer
	if code := Run(ctl, []string{"show", "running-config"}, &script, &errs); code != exitOK {
		t.Fatalf("show running-config = %d: %s", code, errs.String())
	}
	fresh := control.New()
	if err := config.Load(fresh, strings.NewReader(script.String()), "running-config", Run); err != nil {
		t.Fatalf("the running configuration does not load: %v\n%s", err, script.String())
	}
	if got, want := listings(fresh), listings(ctl); got != want {
		t.Fatalf("the reloaded state differs: %s\nrunning-config:\n%s", lineDiff(got, want), script.String())
	}
}

// withoutBGP drops the routes of proto bgp from a route listing: they
// are the BGP speaker's, never configuration (docs/bgp.md).
func withoutBGP(listing string) string {
	lines := strings.SplitAfter(listing, "\n")
	return strings.Join(slices.DeleteFunc(lines, func(l string) bool { return strings.Contains(l, " proto bgp ") }), "")
}

// listings returns every reloadViews output of ctl, each route listing
// with its runs of equal kernel routes of different links sorted: the
// order of those is history a running configuration does not carry
// (docs/configuration.md) when it is not the order the links came up in.
func listings(ctl *control.Control) string {
	var b bytes.Buffer
	for _, v := range reloadViews {
		fmt.Fprintf(&b, "== %s\n", strings.Join(v, " "))
		var out bytes.Buffer
		Run(ctl, v, &out, &out)
		if slices.Contains(v, "route") {
			b.WriteString(sortEqualKernelRoutes(withoutBGP(out.String())))
		} else {
			b.Write(out.Bytes())
		}
	}
	return b.String()
}

// sortEqualKernelRoutes sorts each run of consecutive `proto kernel`
// lines of a route listing that differ only in their dev and src.
func sortEqualKernelRoutes(listing string) string {
	lines := strings.SplitAfter(listing, "\n")
	key := func(l string) string {
		if !strings.Contains(l, " proto kernel ") {
			return l // its own run
		}
		f := strings.Fields(l)
		var k []string
		for i := 0; i < len(f); i++ {
			if (f[i] == "dev" || f[i] == "src") && i+1 < len(f) {
				i++
				continue
			}
			k = append(k, f[i])
		}
		return strings.Join(k, " ")
	}
	for i := 0; i < len(lines); {
		j := i + 1
		for j < len(lines) && key(lines[j]) == key(lines[i]) {
			j++
		}
		slices.Sort(lines[i:j])
		i = j
	}
	return strings.Join(lines, "")
}

// lineDiff describes the first line where got and want differ, under the
// heading of its listing.
func lineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	head := ""
	for i := range min(len(g), len(w)) {
		if strings.HasPrefix(w[i], "== ") {
			head = w[i]
		}
		if g[i] != w[i] {
			return fmt.Sprintf("%s line %d: reloaded %q, applied %q", head, i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("reloaded %d lines, applied %d", len(g), len(w))
}

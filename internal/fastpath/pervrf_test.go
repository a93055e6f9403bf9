package fastpath

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

// vrfBase is three VRFs, red (r1, r2), blue (b1) and green (g1), each
// with a route through its own port and one leaking through another
// VRF's, and a port of the default VRF.
var vrfBase = []string{
	"link add red type vrf table 10", "link add blue type vrf table 20", "link add green type vrf table 30",
	"link set red up", "link set blue up", "link set green up",
	"link add r1 type dummy", "link add r2 type dummy", "link add b1 type dummy", "link add g1 type dummy", "link add d0 type dummy",
	"link set r1 master red", "link set r2 master red", "link set b1 master blue", "link set g1 master green",
	"link set r1 up", "link set r2 up", "link set b1 up", "link set g1 up", "link set d0 up",
	"addr add 192.168.1.1/24 dev r1", "addr add 192.168.2.1/24 dev r2", "addr add 192.168.3.1/24 dev b1",
	"addr add 192.168.4.1/24 dev g1", "addr add 10.0.0.1/24 dev d0", "addr add 2001:db8:3::1/64 dev b1 nodad",
	"route add 172.16.0.0/16 via 192.168.2.10 vrf red", "route add 172.17.0.0/16 via 192.168.3.10 dev b1 vrf red",
	"route add 172.18.0.0/16 via 192.168.3.10 vrf blue", "route add 2001:db8:9::/48 via 2001:db8:3::10 vrf blue",
	"route add 172.19.0.0/16 via 192.168.4.10 vrf green",
	"sysctl -w net.ipv4.ip_forward=1", "sysctl -w net.ipv6.conf.all.forwarding=1",
}

// vrfPorts returns vrfBase's ports (r1, r2, b1, g1, d0 on slots 0 to 4,
// ifindexes 101 to 105) with neighbours, one on link in each VRF.
func vrfPorts(t *testing.T, s *control.Snapshot) []Port {
	t.Helper()
	clock := neigh.NewManualClock(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	var ports []Port
	for i, n := range []string{"r1", "r2", "b1", "g1", "d0"} {
		l := s.LinkByName(n)
		ports = append(ports, Port{Link: l.Index, Ifindex: 101 + i, Slot: i, MAC: header.MAC(l.MAC), MTU: 1500,
			Neigh: neigh.New(neigh.DefaultConfig(), clock)})
	}
	for i, n := range []struct {
		port int
		addr string
	}{{1, "192.168.2.10"}, {2, "192.168.3.10"}, {2, "192.168.3.20"}, {2, "2001:db8:3::10"}, {3, "192.168.4.10"}, {4, "10.0.0.10"}} {
		if err := ports[n.port].Neigh.Add(neigh.Static{Addr: netip.MustParseAddr(n.addr), MAC: hostMAC(i), State: neigh.StatePermanent}); err != nil {
			t.Fatal(err)
		}
	}
	return ports
}

// randomVRFChange returns a random change of addresses, links, rules or
// routes in one of vrfBase's VRFs or the default VRF.
func randomVRFChange(r *rand.Rand) string {
	vrfs := []struct{ name, port, net string }{{"red", "r2", "192.168.2"}, {"blue", "b1", "192.168.3"}, {"green", "g1", "192.168.4"}}
	v := vrfs[r.IntN(len(vrfs))]
	host := fmt.Sprint(50 + r.IntN(4))
	switch r.IntN(12) {
	case 0, 1:
		return "addr add " + v.net + "." + host + "/24 dev " + v.port
	case 2:
		return "addr del " + v.net + "." + host + "/24 dev " + v.port
	case 3:
		return "addr add 10.0." + host + ".1/24 dev " + v.port
	case 4:
		return "link set " + v.port + " " + []string{"down", "up"}[r.IntN(2)]
	case 5:
		if r.IntN(4) == 0 {
			return "addr add 10.0.0." + host + "/24 dev d0" // the local table: every VRF
		}
		return "rule add pref " + fmt.Sprint(2000+r.IntN(3)) + " from 10.9.0.0/16 lookup 10" // rules: every VRF
	case 6:
		w := vrfs[r.IntN(len(vrfs))]
		return "route add 172.20." + host + ".0/24 via " + w.net + ".10 dev " + w.port + " vrf " + v.name // maybe a leak
	case 7:
		return "route add 172.21." + host + ".0/24 dev " + v.port + " vrf " + v.name // on link
	case 8:
		return "route flush vrf " + v.name + " 172.20.0.0/16"
	}
	verb := []string{"add", "replace", "del"}[r.IntN(3)]
	return "route " + verb + " 172.22." + host + ".0/24 via " + v.net + ".10 vrf " + v.name
}

// TestUpdateVRFsDifferential makes random changes of addresses, links,
// rules and routes in several VRFs and applies each publication as
// govrfd does: key by key where Update can, else per VRF (the domains
// Affected names rebuilt by UpdateVRFs, sometimes several publications
// later, as the compiler does), else a full compilation. After every
// rebuild the maps' contents must be a full compilation's of the same
// snapshot, key by key, with the same nexthop behind each key, and the
// same ports map.
func TestUpdateVRFsDifferential(t *testing.T) {
	perVRF, full := 0, 0
	for seed := range uint64(12) {
		r := rand.New(rand.NewPCG(seed, 11))
		ctl := control.New()
		for _, l := range vrfBase {
			if out, ok := run(ctl, l); !ok {
				t.Fatalf("%s: %s", l, out)
			}
		}
		var pairs [][2]*control.Snapshot
		cancel := ctl.Subscribe(func(o, n *control.Snapshot) { pairs = append(pairs, [2]*control.Snapshot{o, n}) })
		ports := vrfPorts(t, ctl.Snapshot())
		s := ctl.Snapshot()
		c, err := Compile(s, ports, compileMono)
		if err != nil {
			t.Fatal(err)
		}
		owed := map[int]bool{}
		for step := range 150 {
			cmd := randomVRFChange(r)
			pairs = pairs[:0]
			run(ctl, cmd)
			for _, p := range pairs {
				if p[0] != s {
					t.Fatalf("%s: publication not after the last", cmd)
				}
				c = stepOne(t, c, p[0], p[1], ports, owed)
				if c == nil {
					full++
					if c, err = Compile(p[1], ports, compileMono); err != nil {
						t.Fatal(err)
					}
					clear(owed)
				}
				s = p[1]
			}
			if len(owed) == 0 || r.IntN(3) == 0 {
				continue // the compiler rebuilds later
			}
			rb, err := UpdateVRFs(c, s, ports, compileMono, slices.Sorted(maps.Keys(owed)))
			if err != nil {
				t.Fatalf("step %d %s: UpdateVRFs: %v", step, cmd, err)
			}
			perVRF++
			c = c.With(rb)
			clear(owed)
			want, err := Compile(s, ports, compileMono)
			if err != nil {
				t.Fatal(err)
			}
			compareCompiled(t, fmt.Sprintf("seed %d step %d %s", seed, step, cmd), c, want)
		}
		cancel()
	}
	t.Logf("%d rebuilds per VRF, %d full compilations", perVRF, full)
	if perVRF < 10*full {
		t.Errorf("%d rebuilds per VRF, %d full compilations: want most changes per VRF", perVRF, full)
	}
}

// stepOne applies publication old→now to c as catchUp does: key by key,
// the keys of owed domains left out, or by adding the domains it reaches
// to owed; nil when it needs a full compilation.
func stepOne(t *testing.T, c *Compiled, old, now *control.Snapshot, ports []Port, owed map[int]bool) *Compiled {
	t.Helper()
	if changed, ok := control.RouteChanges(old, now, 1024); ok {
		d, err := Update(c, old, now, ports, compileMono, changed)
		if err == nil {
			d.Keys = slices.DeleteFunc(d.Keys, func(k KeyChange) bool { return owed[k.VRF] })
			return applied(c, d)
		}
		if !errors.Is(err, ErrCompile) {
			t.Fatal(err)
		}
	}
	tc, ok := control.ChangedTables(old, now)
	if !ok {
		return nil
	}
	vrfs, err := Affected(c, old, now, ports, tc)
	if errors.Is(err, ErrCompile) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vrfs {
		owed[v] = true
	}
	return c
}

// compareCompiled fails unless got holds want's entries, resolved to
// their nexthops whole, and want's ports.
func compareCompiled(t *testing.T, what string, got, want *Compiled) {
	t.Helper()
	g, w := resolveWhole(got), resolveWhole(want)
	for k := range w {
		if g[k] != w[k] {
			t.Errorf("%s: %s = %q, want %q", what, k, g[k], w[k])
		}
	}
	for k := range g {
		if _, ok := w[k]; !ok {
			t.Errorf("%s: %s = %q, want none", what, k, g[k])
		}
	}
	if !maps.Equal(got.Ports, want.Ports) {
		t.Errorf("%s: ports %v, want %v", what, got.Ports, want.Ports)
	}
	if t.Failed() {
		t.FailNow()
	}
}

// resolveWhole is resolve with each nexthop's whole value.
func resolveWhole(c *Compiled) map[string]string {
	out := map[string]string{}
	for i, tr := range c.VRFs {
		for fi := range 2 {
			for _, e := range tr.Routes[fi] {
				nh := "slow"
				if id := e.Nexthop(); id != 0 {
					nh = fmt.Sprintf("%v %+v", c.Neighbours[id-1], c.Nexthops[id-1])
				}
				out[fmt.Sprintf("%d/%d %s", i, tr.VRF, e.Prefix)] = fmt.Sprintf("%s src %v", nh, e.SourceOK())
			}
		}
	}
	return out
}

// run runs one command line on ctl.
func run(ctl *control.Control, line string) (string, bool) {
	var out bytes.Buffer
	ok := cli.Run(ctl, strings.Fields(line), &out, &out) == 0
	return out.String(), ok
}

// TestAffected checks which domains a change reaches: its own VRF for an
// address or a route, the VRFs routing through a port whose link
// changed, and every domain (ErrCompile, or no TableChanges) for the
// local table, a rule or a VRF going down.
func TestAffected(t *testing.T) {
	for _, c := range []struct {
		cmd  string
		want []string // VRF names; nil: a full compilation
	}{
		{"addr add 192.168.3.7/24 dev b1", []string{"blue"}},
		{"addr del 192.168.4.1/24 dev g1", []string{"green"}},
		{"route add 172.30.0.0/16 via 192.168.4.10 vrf green", []string{"green"}},
		{"link set b1 down", []string{"red", "blue"}}, // red routes through b1
		{"link set g1 down", []string{"green"}},
		{"link set r1 mtu 1400", nil},
		{"addr add 10.0.0.7/24 dev d0", nil},
		{"rule add pref 40000 from 10.9.0.0/16 lookup 10", []string{}}, // after every lookup compiled
		{"rule add pref 100 from 10.9.0.0/16 lookup 10", nil},
		{"link set green down", nil},
		{"sysctl -w net.ipv6.conf.all.forwarding=0", nil},
		{"link add purple type vrf table 40", []string{}}, // no port: no domain
		{"link set d0 master red", nil},                   // the default VRF's last port
	} {
		t.Run(c.cmd, func(t *testing.T) {
			ctl := control.New()
			for _, l := range vrfBase {
				if out, ok := run(ctl, l); !ok {
					t.Fatalf("%s: %s", l, out)
				}
			}
			old := ctl.Snapshot()
			ports := vrfPorts(t, old)
			comp, err := Compile(old, ports, compileMono)
			if err != nil {
				t.Fatal(err)
			}
			if out, ok := run(ctl, c.cmd); !ok {
				t.Fatalf("%s: %s", c.cmd, out)
			}
			var got []string
			tc, ok := control.ChangedTables(old, ctl.Snapshot())
			if ok {
				vrfs, err := Affected(comp, old, ctl.Snapshot(), ports, tc)
				switch {
				case errors.Is(err, ErrCompile):
					ok = false
				case err != nil:
					t.Fatal(err)
				}
				for _, v := range vrfs {
					got = append(got, old.Link(comp.VRFs[v].VRF).Name)
				}
			}
			if !ok && c.want != nil || ok && !slices.Equal(got, c.want) {
				t.Errorf("%s reaches %v (per VRF: %v), want %v", c.cmd, got, ok, c.want)
			}
		})
	}
}

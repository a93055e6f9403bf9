package fastpath

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

// updatePrefixes are the prefixes the random changes write: nested, so
// that changes cover one another, some on link, some inside the overlay.
var updatePrefixes = [2][]string{
	{"172.16.0.0/12", "172.16.0.0/16", "172.16.1.0/24", "172.16.1.128/25", "172.16.1.7/32", "0.0.0.0/0",
		"192.168.2.0/25", "192.168.2.10/32", "127.1.0.0/16", "192.168.2.1/32", "10.9.0.0/16", "224.1.0.0/16"},
	{"2001:db8:9::/48", "2001:db8:9:1::/64", "2001:db8:9:1::7/128", "::/0", "2001:db8:2::/96",
		"2001:db8:2::10/128", "fe80::/64", "2001:db8::/32"},
}

// randomChange returns a random route command for the VRF red or the
// default VRF.
func randomChange(r *rand.Rand) string {
	fi := r.IntN(2)
	p := updatePrefixes[fi][r.IntN(len(updatePrefixes[fi]))]
	vrf, gws, dev := " vrf red", [2][]string{{"192.168.2.10", "192.168.2.11", "192.168.2.12"}, {"2001:db8:2::10", "2001:db8:2::11"}}, "r2"
	if r.IntN(3) == 0 {
		vrf, gws, dev = "", [2][]string{{"10.0.0.10", "10.0.0.11"}, {"2001:db8:2::10"}}, "d0"
		if fi == 1 {
			gws[1] = nil
		}
	}
	metric := fmt.Sprintf(" metric %d", r.IntN(2)*10)
	switch r.IntN(7) {
	case 0, 1:
		return "route del " + p + vrf
	case 2:
		return "route add blackhole " + p + vrf + metric
	case 3:
		return "route add " + p + " dev " + dev + vrf + metric
	}
	verb := "add"
	if r.IntN(2) == 0 {
		verb = "replace"
	}
	if len(gws[fi]) == 0 {
		return "route add unreachable " + p + vrf + metric
	}
	return "route " + verb + " " + p + " via " + gws[fi][r.IntN(len(gws[fi]))] + vrf + metric
}

// resolved is a compilation's tries with nexthop ids replaced by their
// neighbours, to compare compilations that number nexthops differently.
type resolved map[string]string

func resolve(c *Compiled) resolved {
	out := resolved{}
	for i, tr := range c.VRFs {
		for fi := range 2 {
			for _, e := range tr.Routes[fi] {
				nh := "slow"
				if id := e.Nexthop(); id != 0 {
					nh = fmt.Sprint(c.Neighbours[id-1], c.Nexthops[id-1].MTU)
				}
				out[fmt.Sprintf("%d/%d %s", i, tr.VRF, e.Prefix)] = fmt.Sprintf("%s src %v", nh, e.SourceOK())
			}
		}
	}
	return out
}

// applied returns c with d applied to its tries, as Path.ApplyDelta
// applies it to the maps.
func applied(c *Compiled, d *Delta) *Compiled {
	n := *c
	if int(d.First) != len(c.Nexthops)+1 || len(d.Nexthops) != len(d.Neighbours) {
		panic(fmt.Sprintf("delta numbers nexthops from %d for %d, %d neighbours; compilation has %d", d.First, len(d.Nexthops), len(d.Neighbours), len(c.Nexthops)))
	}
	n.Nexthops = append(c.Nexthops[:len(c.Nexthops):len(c.Nexthops)], d.Nexthops...)
	n.Neighbours = append(c.Neighbours[:len(c.Neighbours):len(c.Neighbours)], d.Neighbours...)
	n.VRFs = make([]Tries, len(c.VRFs))
	for i, tr := range c.VRFs {
		n.VRFs[i].VRF = tr.VRF
		for fi := range 2 {
			m := map[netip.Prefix]uint32{}
			for _, e := range tr.Routes[fi] {
				m[e.Prefix] = e.Value
			}
			for _, k := range d.Keys {
				if k.VRF == i && k.Family == fi {
					if k.Delete {
						delete(m, k.Entry.Prefix)
					} else {
						m[k.Entry.Prefix] = k.Entry.Value
					}
				}
			}
			for p, v := range m {
				n.VRFs[i].Routes[fi] = append(n.VRFs[i].Routes[fi], Entry{p, v})
			}
		}
	}
	return &n
}

// TestUpdateDifferential makes random route changes to random tables and
// checks that each compilation updated key by key (Update) has the
// entries of a full compilation of the new snapshot, entry by entry,
// with the same neighbour behind each nexthop; and that the changes
// Update refuses are few.
func TestUpdateDifferential(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 7))
			ctl := control.New()
			run := func(l string) bool {
				var out bytes.Buffer
				return cli.Run(ctl, strings.Fields(l), &out, &out) == 0
			}
			for _, l := range compileBase {
				if !run(l) {
					t.Fatalf("%s failed", l)
				}
			}
			var pairs [][2]*control.Snapshot
			cancel := ctl.Subscribe(func(o, n *control.Snapshot) { pairs = append(pairs, [2]*control.Snapshot{o, n}) })
			defer cancel()
			for range 30 {
				run(randomChange(r))
			}
			ports := updatePorts(t, ctl.Snapshot())
			s := ctl.Snapshot()
			c, err := Compile(s, ports, compileMono)
			if err != nil {
				t.Fatal(err)
			}
			incremental := 0
			for step := range 200 {
				cmd := randomChange(r)
				pairs = pairs[:0]
				if ok := run(cmd); !ok || len(pairs) == 0 {
					if len(pairs) > 0 { // a failed command published: start again
						s = ctl.Snapshot()
						if c, err = Compile(s, ports, compileMono); err != nil {
							t.Fatal(err)
						}
					}
					continue
				}
				old, now := pairs[0][0], pairs[len(pairs)-1][1]
				if old != s || len(pairs) != 1 {
					t.Fatalf("%s: %d publications, want one after the last (%v %v)", cmd, len(pairs), old.Gen(), s.Gen())
				}
				changed, ok := control.RouteChanges(old, now, 1000)
				if !ok {
					t.Fatalf("%s: RouteChanges says more than routes changed", cmd)
				}
				want, err := Compile(now, ports, compileMono)
				if err != nil {
					t.Fatal(err)
				}
				d, err := Update(c, old, now, ports, compileMono, changed)
				s = now
				if errors.Is(err, ErrCompile) {
					c = want
					continue
				}
				if err != nil {
					t.Fatal(err)
				}
				incremental++
				got := applied(c, d)
				if g, w := resolve(got), resolve(want); !maps.Equal(g, w) {
					for k := range maps.Keys(w) {
						if g[k] != w[k] {
							t.Errorf("step %d %s: %s = %q, want %q", step, cmd, k, g[k], w[k])
						}
					}
					for k := range maps.Keys(g) {
						if _, ok := w[k]; !ok {
							t.Errorf("step %d %s: %s = %q, want none", step, cmd, k, g[k])
						}
					}
					t.FailNow()
				}
				c = got
			}
			t.Logf("%d changes made key by key", incremental)
			if incremental < 20 {
				t.Errorf("%d changes made key by key, want most", incremental)
			}
		})
	}
}

// updatePorts returns the ports of compileBase with neighbours on r2 and
// d0, some inside the changed prefixes.
func updatePorts(t *testing.T, s *control.Snapshot) []Port {
	t.Helper()
	clock := neigh.NewManualClock(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	var ports []Port
	for i, n := range []string{"r1", "r2", "d0"} {
		l := s.LinkByName(n)
		ports = append(ports, Port{Link: l.Index, Ifindex: 101 + i, Slot: i, MAC: header.MAC(l.MAC), MTU: 1500,
			Neigh: neigh.New(neigh.DefaultConfig(), clock)})
	}
	for i, a := range []string{"192.168.2.10", "192.168.2.11", "192.168.2.99", "2001:db8:2::10"} {
		if err := ports[1].Neigh.Add(neigh.Static{Addr: netip.MustParseAddr(a), MAC: hostMAC(i), State: neigh.StatePermanent}); err != nil {
			t.Fatal(err)
		}
	}
	if err := ports[2].Neigh.Add(neigh.Static{Addr: netip.MustParseAddr("10.0.0.10"), MAC: hostMAC(9), State: neigh.StateReachable}); err != nil {
		t.Fatal(err)
	}
	return ports
}

// TestUpdateRefuses: changes whose effect reaches beyond their own
// prefix's key are left to a full compilation.
func TestUpdateRefuses(t *testing.T) {
	for _, c := range []struct {
		name, cmd string
		before    func(ports []Port)
	}{
		{"a route on link", "route add 172.16.0.0/16 dev r2 vrf red", nil},
		{"a prefix over a neighbour's host entry", "route add 192.168.2.96/28 via 192.168.2.10 vrf red", nil},
		{"a prefix over a host entry whose neighbour is gone", "route add 192.168.2.96/28 via 192.168.2.10 vrf red", func(ports []Port) {
			if err := ports[1].Neigh.Delete(netip.MustParseAddr("192.168.2.99")); err != nil {
				t.Fatal(err)
			}
		}},
		{"the local table", "route add local 172.16.0.1 dev r2 table local", nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctl := control.New()
			for _, l := range compileBase {
				var out bytes.Buffer
				if cli.Run(ctl, strings.Fields(l), &out, &out) != 0 {
					t.Fatalf("%s: %s", l, out.String())
				}
			}
			var pairs [][2]*control.Snapshot
			defer ctl.Subscribe(func(o, n *control.Snapshot) { pairs = append(pairs, [2]*control.Snapshot{o, n}) })()
			ports := updatePorts(t, ctl.Snapshot())
			comp, err := Compile(ctl.Snapshot(), ports, compileMono)
			if err != nil {
				t.Fatal(err)
			}
			if c.before != nil {
				c.before(ports)
			}
			var out bytes.Buffer
			if cli.Run(ctl, strings.Fields(c.cmd), &out, &out) != 0 || len(pairs) != 1 {
				t.Fatalf("%s: %s, %d publications", c.cmd, out.String(), len(pairs))
			}
			changed, ok := control.RouteChanges(pairs[0][0], pairs[0][1], 1000)
			if !ok {
				t.Fatalf("%s: RouteChanges not ok", c.cmd)
			}
			if _, err := Update(comp, pairs[0][0], pairs[0][1], ports, compileMono, changed); !errors.Is(err, ErrCompile) {
				t.Errorf("Update after %s = %v, want ErrCompile", c.cmd, err)
			}
		})
	}
}

package fastpath

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/control"
)

// TestHoldingNeverMixes publishes random batches of route changes, each
// whole, and applies the delta Update makes of each key by key, after
// its Holding delta, as govrfd does; after every single key written, the
// longest match of addresses in and around the changed prefixes must be
// the old snapshot's answer, the new one's or the slow path's (value 0,
// or a miss). Written without Holding, some batches do show a third
// answer, which the test also checks, so that it can fail.
func TestHoldingNeverMixes(t *testing.T) {
	prefixes := [2][]string{
		{"172.16.0.0/12", "172.16.0.0/16", "172.16.1.0/24", "172.16.1.128/25", "172.16.1.7/32", "0.0.0.0/0", "10.9.0.0/16"},
		{"2001:db8:9::/48", "2001:db8:9:1::/64", "2001:db8:9:1::7/128", "::/0"},
	}
	gws := [2][]string{{"192.168.2.10", "192.168.2.11", "192.168.2.12"}, {"2001:db8:2::10", "2001:db8:2::11"}}
	var probes []netip.Addr
	for fi := range 2 {
		for _, p := range prefixes[fi] {
			a := netip.MustParsePrefix(p).Addr()
			probes = append(probes, a, a.Next(), a.Next().Next().Next().Next().Next().Next().Next())
		}
	}
	batches, mixedWithout := 0, 0
	for seed := range uint64(40) {
		r := rand.New(rand.NewPCG(seed, 3))
		ctl := control.New()
		for _, l := range compileBase {
			if out, ok := run(ctl, l); !ok {
				t.Fatalf("%s: %s", l, out)
			}
		}
		replace := func(fi int, p string) string {
			if r.IntN(4) == 0 {
				return "route replace blackhole " + p + " vrf red"
			}
			return "route replace " + p + " via " + gws[fi][r.IntN(len(gws[fi]))] + " vrf red"
		}
		for fi := range 2 {
			for _, p := range prefixes[fi] {
				if r.IntN(3) > 0 {
					run(ctl, replace(fi, p))
				}
			}
		}
		var lines []string
		for fi := range 2 {
			for _, p := range prefixes[fi] {
				switch r.IntN(3) {
				case 0:
					lines = append(lines, replace(fi, p))
				case 1:
					if len(ctl.Snapshot().Table(10).Get(netip.MustParsePrefix(p))) > 0 {
						lines = append(lines, "route del "+p+" vrf red")
					}
				}
			}
		}
		path := filepath.Join(t.TempDir(), "b")
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		old := ctl.Snapshot()
		ports := updatePorts(t, old)
		c, err := Compile(old, ports, compileMono)
		if err != nil {
			t.Fatal(err)
		}
		var pairs [][2]*control.Snapshot
		cancel := ctl.Subscribe(func(o, n *control.Snapshot) { pairs = append(pairs, [2]*control.Snapshot{o, n}) })
		_, ok := run(ctl, "-batch "+path)
		cancel()
		if !ok || len(pairs) != 1 {
			continue // refused, or published in parts
		}
		changed, ok := control.RouteChanges(old, pairs[0][1], 1024)
		if !ok {
			t.Fatal("RouteChanges: more than routes")
		}
		d, err := Update(c, old, pairs[0][1], ports, compileMono, changed)
		if err != nil || d.MaxPerTrie() < 2 {
			continue
		}
		batches++
		now := applied(c, d)
		if mixes(c, now, d.Keys, probes) > 0 {
			mixedWithout++
		}
		if n := mixes(c, now, append(d.Holding().Keys, d.Keys...), probes); n > 0 {
			t.Errorf("seed %d: %s: %d lookups found neither snapshot's answer nor the slow path", seed, lines, n)
		}
	}
	t.Logf("%d batches, %d of which showed a mix written without Holding", batches, mixedWithout)
	if batches < 10 || mixedWithout == 0 {
		t.Errorf("%d batches of several keys a trie, %d showing a mix without Holding: want both", batches, mixedWithout)
	}
}

// mixes writes keys one at a time into c's tries and counts, after each,
// the probes whose longest match (nexthop resolved) is neither c's, nor
// now's, nor the slow path's.
func mixes(c, now *Compiled, keys []KeyChange, probes []netip.Addr) int {
	tries := make([][2]map[netip.Prefix]uint32, len(c.VRFs))
	for i, tr := range c.VRFs {
		for fi := range 2 {
			tries[i][fi] = map[netip.Prefix]uint32{}
			for _, e := range tr.Routes[fi] {
				tries[i][fi][e.Prefix] = e.Value
			}
		}
	}
	answer := func(m map[netip.Prefix]uint32, a netip.Addr) string {
		for bits := a.BitLen(); bits >= 0; bits-- {
			p, _ := a.Prefix(bits)
			if v, ok := m[p]; ok {
				if v == 0 {
					return "slow"
				}
				nh := ""
				if id := v & trieNexthopMask; id != 0 {
					nh = fmt.Sprint(now.Neighbours[id-1])
				}
				return fmt.Sprintf("%s src %v", nh, v&trieSourceOK != 0)
			}
		}
		return "slow"
	}
	entries := func(cc *Compiled, i, fi int) map[netip.Prefix]uint32 {
		m := map[netip.Prefix]uint32{}
		for _, e := range cc.VRFs[i].Routes[fi] {
			m[e.Prefix] = e.Value
		}
		return m
	}
	n := 0
	for _, k := range keys {
		m := tries[k.VRF][k.Family]
		if k.Delete {
			delete(m, k.Entry.Prefix)
		} else {
			m[k.Entry.Prefix] = k.Entry.Value
		}
		was, will := entries(c, k.VRF, k.Family), entries(now, k.VRF, k.Family)
		for _, a := range probes {
			if a.Is4() != (k.Family == 0) {
				continue
			}
			got := answer(m, a)
			if got != "slow" && got != answer(was, a) && got != answer(will, a) {
				n++
			}
		}
	}
	return n
}

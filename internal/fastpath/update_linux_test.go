package fastpath

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/port/mem"
)

// incrementalPrefixes are the prefixes TestIntegrationIncremental
// changes: around the generated frames' addresses (diffAddrs4,
// diffAddrs6), nested in diffScript's.
var incrementalPrefixes = [2][]string{
	{"172.16.1.0/24", "172.16.1.1/32", "172.17.0.0/16", "172.18.0.0/24", "172.19.0.0/16", "172.30.0.0/16",
		"203.0.113.0/24", "10.9.0.0/16", "0.0.0.0/0", "192.168.2.30/32"},
	{"2001:db8:100::/48", "2001:db8:100::/64", "2001:db8:200::/48", "2001:db8:101::/48", "::/0", "2001:db8:2::30/128"},
}

// incrementalGateways are the gateways of each domain by family.
var incrementalGateways = map[string][2][]string{
	" vrf red":  {{"192.168.2.10", "192.168.2.11", "192.168.2.12", "192.168.2.20"}, {"2001:db8:2::10", "2001:db8:2::20"}},
	" vrf blue": {{"192.168.3.10", "192.168.3.11"}, {"2001:db8:4::10", "2001:db8:4::11"}},
	"":          {{"10.6.0.10", "10.6.0.20"}, {"2001:db8:6::10"}},
}

// incrementalChange returns a random route change of diffScript's
// tables.
func incrementalChange(r *rand.Rand) string {
	fi := r.IntN(2)
	p := incrementalPrefixes[fi][r.IntN(len(incrementalPrefixes[fi]))]
	vrf := []string{" vrf red", " vrf blue", ""}[r.IntN(3)]
	gws := incrementalGateways[vrf][fi]
	switch r.IntN(6) {
	case 0, 1:
		return "route del " + p + vrf
	case 2:
		return "route add " + []string{"blackhole", "unreachable"}[r.IntN(2)] + " " + p + vrf
	}
	return fmt.Sprintf("route replace %s via %s%s", p, gws[r.IntN(len(gws))], vrf)
}

// ports returns the world's ports in the snapshot s, for Compile.
func (w *world) portsIn(s *control.Snapshot) []Port {
	var ports []Port
	for i, n := range w.ports {
		l := s.LinkByName(n)
		ports = append(ports, Port{Link: l.Index, Ifindex: w.ifx[n], Slot: i, MAC: w.mac[n], MTU: mem.DefaultMTU,
			Neigh: w.dp.Neighbors(l.Index)})
	}
	return ports
}

// TestIntegrationIncremental makes random route changes to the
// differential test's configuration, applies each to both programs' maps
// key by key (Update, Path.ApplyDelta; one in ten with a full
// compilation of the snapshot before, Path.Apply with the delta) or,
// where Update refuses, by a full compilation, and after each checks generated frames through both
// programs against the data plane, as TestIntegrationDifferential does.
func TestIntegrationIncremental(t *testing.T) {
	w := newWorld(t, diffScript, diffNeighs)
	var pairs [][2]*control.Snapshot
	cancel := w.ctl.Subscribe(func(o, n *control.Snapshot) { pairs = append(pairs, [2]*control.Snapshot{o, n}) })
	defer cancel()
	c := w.compile(t)
	r := rand.New(rand.NewPCG(3, 11))
	incremental, full, forwarded := 0, 0, 0
	for step := range 150 {
		cmd := incrementalChange(r)
		pairs = pairs[:0]
		var out bytes.Buffer
		cli.Run(w.ctl, strings.Fields(cmd), &out, &out)
		if len(pairs) == 0 {
			continue
		}
		old, now := pairs[0][0], pairs[len(pairs)-1][1]
		changed, ok := control.RouteChanges(old, now, 1000)
		if !ok || len(pairs) != 1 {
			t.Fatalf("%s: %d publications, RouteChanges %v: want one of routes alone", cmd, len(pairs), ok)
		}
		d, err := Update(c, old, now, w.portsIn(now), Monotonic(), changed)
		switch {
		case errors.Is(err, ErrCompile):
			c = w.compile(t)
			full++
		case err != nil:
			t.Fatal(err)
		case incremental%10 == 9:
			// A full compilation of the old snapshot, applied with the
			// delta into the next generation before the switch.
			cold, err := Compile(old, w.portsIn(old), Monotonic())
			if err != nil {
				t.Fatal(err)
			}
			if d, err = Update(cold, old, now, w.portsIn(now), Monotonic(), changed); err != nil {
				t.Fatal(err)
			}
			for _, p := range w.paths {
				if err := p.Apply(cold, d); err != nil {
					t.Fatal(err)
				}
			}
			c = applied(cold, d)
			incremental++
		default:
			for _, p := range w.paths {
				if err := p.ApplyDelta(d); err != nil {
					t.Fatal(err)
				}
			}
			c = applied(c, d)
			incremental++
		}
		for i := range 100 {
			in, frame, desc := w.genFrame(r)
			slow := w.slow(t, in, frame)
			for m := range w.paths {
				f := w.fast(t, m, in, frame)
				if err := f.check(frame, slow, w.ports); err != nil {
					t.Fatalf("step %d (%s), packet %d (%s into %s), %s: %v", step, cmd, i, desc, in, Mode(m), err)
				}
				if f.forwarded {
					forwarded++
				}
			}
		}
	}
	t.Logf("%d changes applied key by key, %d by a full compilation; %d frames forwarded by the programs", incremental, full, forwarded)
	if incremental < 50 || forwarded == 0 {
		t.Fatalf("%d changes key by key and %d frames forwarded: want most changes and some frames", incremental, forwarded)
	}
}

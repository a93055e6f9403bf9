package fastpath

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/govrf/govrf/internal/control"
)

// randomPortlessChange returns a random change of VRFs t0 to t7, none of
// which holds an attached port: made, brought up or down, given a port
// of their own that the fast path does not run on (a TAP port, say),
// addresses and routes, dropped. An address goes only on a port in a VRF
// (s): one of the default VRF writes the local table, which every domain
// reads.
func randomPortlessChange(r *rand.Rand, s *control.Snapshot) string {
	n := r.IntN(8)
	v, p := fmt.Sprintf("t%d", n), fmt.Sprintf("tp%d", n)
	switch r.IntN(9) {
	case 0, 1:
		return fmt.Sprintf("link add %s type vrf table %d", v, 100+n)
	case 2:
		return "link set " + v + " " + []string{"up", "down"}[r.IntN(2)]
	case 3:
		return "link add " + p + " type dummy"
	case 4:
		return "link set " + p + " master " + v
	case 5:
		if l := s.LinkByName(p); l == nil || l.Master == 0 {
			return "link set " + p + " master " + v
		}
		return fmt.Sprintf("addr add 10.%d.%d.1/24 dev %s", 100+n, r.IntN(4), p)
	case 6:
		return fmt.Sprintf("route add 172.30.%d.0/24 via 10.%d.0.10 vrf %s", r.IntN(8), 100+n, v)
	case 7:
		return "link del " + p
	}
	if l, w := s.LinkByName(p), s.LinkByName(v); l != nil && w != nil && l.Master == w.Index {
		return "link del " + p // a VRF dropped releases its ports into the default VRF
	}
	return "link del " + v
}

// TestPortlessVRFs makes random changes of VRFs that hold no attached
// port beside vrfBase's and checks that each reaches no domain
// (Affected names none, nothing is suspended or compiled again) and that
// the compilation then still equals a full compilation of the snapshot,
// key by key, with the same ports map.
func TestPortlessVRFs(t *testing.T) {
	for seed := range uint64(4) {
		r := rand.New(rand.NewPCG(seed, 17))
		ctl := control.New()
		for _, l := range vrfBase {
			if out, ok := run(ctl, l); !ok {
				t.Fatalf("%s: %s", l, out)
			}
		}
		var pairs [][2]*control.Snapshot
		cancel := ctl.Subscribe(func(o, n *control.Snapshot) { pairs = append(pairs, [2]*control.Snapshot{o, n}) })
		ports := vrfPorts(t, ctl.Snapshot())
		c, err := Compile(ctl.Snapshot(), ports, compileMono)
		if err != nil {
			t.Fatal(err)
		}
		published := 0
		for step := range 300 {
			cmd := randomPortlessChange(r, ctl.Snapshot())
			pairs = pairs[:0]
			run(ctl, cmd) // some fail (no such VRF yet): no publication
			for _, p := range pairs {
				owed := map[int]bool{}
				if c = stepOne(t, c, p[0], p[1], ports, owed); c == nil || len(owed) > 0 {
					t.Fatalf("seed %d step %d %s: reaches domains %v (nil: all)", seed, step, cmd, owed)
				}
				published++
			}
			want, err := Compile(ctl.Snapshot(), ports, compileMono)
			if err != nil {
				t.Fatal(err)
			}
			compareCompiled(t, fmt.Sprintf("seed %d step %d %s", seed, step, cmd), c, want)
		}
		cancel()
		if published < 60 {
			t.Errorf("seed %d: %d of 300 changes published", seed, published)
		}
	}
}

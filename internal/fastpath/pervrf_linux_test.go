package fastpath

import (
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/govrf/govrf/internal/control"
)

// perVRFChange returns a random change of diffScript's configuration
// that reaches some VRFs only, or now and then all of them: addresses,
// links and routes of red, blue and green, a batch of routes (a flush),
// an address of the default VRF.
func perVRFChange(r *rand.Rand) string {
	vrfs := []struct{ name, port, addr, gw string }{
		{"red", "r2", "192.168.2.", "192.168.2.10"}, {"blue", "b2", "192.168.3.", "192.168.3.10"},
		{"green", "g1", "192.168.9.", "192.168.9.10"},
	}
	v := vrfs[r.IntN(len(vrfs))]
	host := []string{"30", "31", "40"}[r.IntN(3)]
	switch r.IntN(10) {
	case 0, 1:
		return "addr add " + v.addr + host + "/24 dev " + v.port
	case 2:
		return "addr del " + v.addr + host + "/24 dev " + v.port
	case 3:
		return "link set " + []string{"b1", "g1", "r1"}[r.IntN(3)] + " " + []string{"down", "up"}[r.IntN(2)]
	case 4:
		return "route flush vrf " + v.name + " 172.30.0.0/16"
	case 5:
		if r.IntN(3) == 0 {
			return "addr add 10.5.7." + host + "/16 dev d0" // the local table: every VRF
		}
	}
	return "route replace 172.30." + host + ".0/24 via " + v.gw + " vrf " + v.name
}

// TestIntegrationPerVRF makes random changes of addresses, links and
// routes in diffScript's VRFs and applies each to both programs' maps as
// govrfd does: key by key where Update can (Delta.Holding first where a
// trie changes in several keys), else by suspending the VRFs it reaches
// (Path.SuspendPorts) and rebuilding them (UpdateVRFs, Path.ApplyRebuild),
// else by a full compilation. While VRFs are suspended, generated frames
// into their ports must all be handed over, and frames into the other
// VRFs' ports still forwarded, each as the data plane does (the programs
// alone forward them: no Go path runs); after each rebuild every frame
// must be handed over or forwarded as the data plane does.
func TestIntegrationPerVRF(t *testing.T) {
	w := newWorld(t, diffScript, diffNeighs)
	var pairs [][2]*control.Snapshot
	cancel := w.ctl.Subscribe(func(o, n *control.Snapshot) { pairs = append(pairs, [2]*control.Snapshot{o, n}) })
	defer cancel()
	c := w.compile(t)
	r := rand.New(rand.NewPCG(5, 13))
	owed := map[int]bool{}
	rebuilds, full, during, duringSuspended := 0, 0, 0, 0
	for step := range 60 {
		cmd := perVRFChange(r)
		pairs = pairs[:0]
		run(w.ctl, cmd)
		w.drain()
		for _, p := range pairs {
			if c = w.stepMaps(t, c, p[0], p[1], owed); c == nil {
				c, full = w.compile(t), full+1
				clear(owed)
			}
		}
		now := w.ctl.Snapshot()
		if len(owed) > 0 {
			// Meanwhile: the suspended VRFs hand everything over, the
			// others forward by the snapshot published.
			for i := range 100 {
				in, frame, desc := w.genFrame(r)
				v, ok := c.Ports[uint32(w.ifx[in])]
				suspended := ok && owed[int(v.VRF)]
				slow := w.slow(t, in, frame)
				for m := range w.paths {
					f := w.fast(t, m, in, frame)
					switch err := f.check(frame, slow, w.ports); {
					case err != nil:
						t.Fatalf("step %d (%s), packet %d (%s into %s), %s, VRFs %v suspended: %v", step, cmd, i, desc, in, Mode(m), owed, err)
					case f.forwarded && suspended:
						t.Fatalf("step %d (%s): %s into suspended %s forwarded", step, cmd, desc, in)
					case f.forwarded:
						during++
					case suspended:
						duringSuspended++
					}
				}
			}
			rb, err := UpdateVRFs(c, now, w.portsIn(now), Monotonic(), slices.Sorted(maps.Keys(owed)))
			if err != nil {
				t.Fatalf("step %d (%s): %v", step, cmd, err)
			}
			for _, p := range w.paths {
				if err := p.ApplyRebuild(rb); err != nil {
					t.Fatal(err)
				}
			}
			c = c.With(rb)
			clear(owed)
			rebuilds++
			for _, p := range w.paths {
				if got := portsIn(t, p); !maps.Equal(got, c.Ports) {
					t.Fatalf("step %d (%s): ports map %v after the rebuild, want %v", step, cmd, got, c.Ports)
				}
			}
		}
		for i := range 100 {
			in, frame, desc := w.genFrame(r)
			slow := w.slow(t, in, frame)
			for m := range w.paths {
				if err := w.fast(t, m, in, frame).check(frame, slow, w.ports); err != nil {
					t.Fatalf("step %d (%s), packet %d (%s into %s), %s: %v", step, cmd, i, desc, in, Mode(m), err)
				}
			}
		}
	}
	t.Logf("%d rebuilds per VRF, %d full compilations; while VRFs were suspended, %d frames forwarded by the others and %d handed over by them",
		rebuilds, full, during, duringSuspended)
	if rebuilds < 3*full || during == 0 || duringSuspended == 0 {
		t.Errorf("want most changes rebuilt per VRF, the other VRFs forwarding meanwhile and the suspended ones handing over")
	}
}

// stepMaps applies publication old→now to both programs' maps, as
// stepOne does to c, and returns c after it (nil: compile in full).
func (w *world) stepMaps(t *testing.T, c *Compiled, old, now *control.Snapshot, owed map[int]bool) *Compiled {
	t.Helper()
	if changed, ok := control.RouteChanges(old, now, 1024); ok {
		if d, err := Update(c, old, now, w.portsIn(now), Monotonic(), changed); err == nil {
			d.Keys = slices.DeleteFunc(d.Keys, func(k KeyChange) bool { return owed[k.VRF] })
			for _, p := range w.paths {
				if d.MaxPerTrie() > 1 {
					if err := p.ApplyDelta(d.Holding()); err != nil {
						t.Fatal(err)
					}
				}
				if err := p.ApplyDelta(d); err != nil {
					t.Fatal(err)
				}
			}
			return applied(c, d)
		}
	}
	before := maps.Clone(owed)
	if stepOne(t, c, old, now, w.portsIn(now), owed) == nil {
		return nil
	}
	var fresh []int
	for v := range owed {
		if !before[v] {
			fresh = append(fresh, v)
		}
	}
	for _, p := range w.paths {
		if err := p.SuspendPorts(c.PortsOf(fresh)); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// portsIn returns p's ports map as a Compiled holds it (VRF slots of the
// generation in use).
func portsIn(t *testing.T, p *Path) map[uint32]PortValue {
	t.Helper()
	out := map[uint32]PortValue{}
	var ifx uint32
	var v PortValue
	it := p.ports.Iterate()
	for it.Next(&ifx, &v) {
		v.VRF -= uint32(p.gen * MaxVRFs)
		out[ifx] = v
	}
	if err := it.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

package fastpath

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/dataplane"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/netnstest"
	"github.com/govrf/govrf/internal/port/mem"
)

// world is a router configuration run two ways: by the data plane over
// mem ports, and by the fast path's program over the same configuration
// compiled, with a veth kernel link standing for each port (the test
// run needs a real ingress device).
type world struct {
	ctl   *control.Control
	dp    *dataplane.Plane
	clock *neigh.ManualClock
	ports []string             // port names, slot order
	far   map[string]*mem.Port // the far end of each port's pair
	mac   map[string]header.MAC
	ifx   map[string]int // kernel ifindex of each port's veth link
	paths [2]*Path       // XDP, TC
}

// newWorld enters a fresh network namespace, runs the configuration
// script (iproute2 lines), attaches a mem port to each port link and
// adds the neighbours ("PORT ADDR STATE"; a line starting with "?" may
// be refused), then compiles into both
// programs.
func newWorld(t *testing.T, script []string, neighs []string) *world {
	t.Helper()
	netnstest.Enter(t)
	w := &world{ctl: control.New(), far: map[string]*mem.Port{}, mac: map[string]header.MAC{}, ifx: map[string]int{}}
	refused := 0
	for _, l := range script {
		var out bytes.Buffer
		optional := strings.HasPrefix(l, "?") // a generated line the configuration may refuse
		if code := cli.Run(w.ctl, strings.Fields(strings.TrimPrefix(l, "?")), &out, &out); code != 0 {
			if !optional {
				t.Fatalf("%s: %s", l, out.String())
			}
			refused++
		}
	}
	if refused > 0 {
		t.Logf("%d generated lines refused", refused)
	}
	w.clock = neigh.NewManualClock(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	w.dp = dataplane.New(w.ctl, w.clock, dataplane.Config{})
	s := w.ctl.Snapshot()
	for l := range s.Links() {
		if !l.Kind.IsPort() {
			continue
		}
		near, far := mem.Pair(mem.Config{Name: l.Name, MAC: header.MAC(l.MAC)}, mem.Config{Name: "far-" + l.Name, MAC: hostMAC(0xff)})
		if err := w.dp.Attach(l.Index, near); err != nil {
			t.Fatal(err)
		}
		dummy := fmt.Sprintf("fpt%d", len(w.ports))
		netnstest.IP(t, "link", "add", dummy, "type", "veth", "peer", "name", dummy+"p")
		ni, err := net.InterfaceByName(dummy)
		if err != nil {
			t.Fatal(err)
		}
		w.ports = append(w.ports, l.Name)
		w.far[l.Name], w.mac[l.Name], w.ifx[l.Name] = far, header.MAC(l.MAC), ni.Index
	}
	for i, n := range neighs {
		f := strings.Fields(n)
		st := map[string]neigh.State{"REACHABLE": neigh.StateReachable, "STALE": neigh.StateStale,
			"PERMANENT": neigh.StatePermanent, "DELAY": neigh.StateDelay, "PROBE": neigh.StateProbe}[f[2]]
		err := w.dp.Neighbors(s.LinkByName(f[0]).Index).Add(neigh.Static{Addr: netip.MustParseAddr(f[1]), MAC: hostMAC(i), State: st})
		if err != nil {
			t.Fatalf("neighbour %s: %v", n, err)
		}
	}
	w.clock.Advance(time.Second)
	w.dp.Poll() // publish the neighbours to lookups
	for i, m := range []Mode{XDP, TC} {
		p, err := New(m)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		w.paths[i] = p
		for slot := range w.ports {
			if err := p.SetXmit(slot, true); err != nil {
				t.Fatal(err)
			}
		}
	}
	w.compile(t)
	return w
}

// compile compiles the current state into both programs.
func (w *world) compile(t *testing.T) *Compiled {
	t.Helper()
	s := w.ctl.Snapshot()
	var ports []Port
	for i, n := range w.ports {
		l := s.LinkByName(n)
		ports = append(ports, Port{Link: l.Index, Ifindex: w.ifx[n], Slot: i, MAC: w.mac[n], MTU: mem.DefaultMTU,
			Neigh: w.dp.Neighbors(l.Index)})
	}
	c, err := Compile(s, ports, Monotonic())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range w.paths {
		if err := p.Apply(c); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// out is a frame the data plane sent, and by which port.
type out struct {
	port  string
	frame []byte
}

// slow runs frame into port in through the data plane and returns every
// frame that came out of any port.
func (w *world) slow(t *testing.T, in string, frame []byte) []out {
	t.Helper()
	if _, err := w.far[in].Write([][]byte{frame}, 0); err != nil {
		t.Fatal(err)
	}
	w.dp.Poll()
	var got []out
	bufs, sizes := [][]byte{make([]byte, 9000)}, []int{0}
	for _, n := range w.ports {
		for {
			k, _ := w.far[n].TryRead(bufs, sizes, 0)
			if k == 0 {
				break
			}
			got = append(got, out{n, bytes.Clone(bufs[0][:sizes[0]])})
		}
	}
	return got
}

package control

import (
	"errors"
	"net/netip"
	"slices"
	"syscall"
	"testing"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

// neighbors returns the addresses of link name's configured neighbours.
func neighbors(c *Control, name string) []netip.Addr {
	var out []netip.Addr
	for _, n := range c.Snapshot().LinkByName(name).Neighbors {
		out = append(out, n.Addr)
	}
	return out
}

// TestSetNeighbor: configured neighbours are kept in address order,
// replaced in place, deleted, and refused on what is not a port or not a
// configured state.
func TestSetNeighbor(t *testing.T) {
	c := New()
	port(t, c, "d0", "10.0.0.1/24")
	vrf(t, c, "blue", 10)
	mac := header.MAC{2, 0, 0, 0, 0, 2}
	for _, a := range []string{"10.0.0.9", "2001:db8::2", "10.0.0.2", "::ffff:10.99.0.2"} {
		must(t, c.SetNeighbor("d0", neigh.Static{Addr: addr(a), MAC: mac, State: neigh.StatePermanent}))
	}
	want := []netip.Addr{addr("10.0.0.2"), addr("10.0.0.9"), addr("::ffff:10.99.0.2"), addr("2001:db8::2")}
	if got := neighbors(c, "d0"); !slices.Equal(got, want) {
		t.Fatalf("neighbours = %v, want %v", got, want)
	}
	before := c.Snapshot()
	must(t, c.SetNeighbor("d0", neigh.Static{Addr: addr("10.0.0.2"), MAC: mac, State: neigh.StateNoARP, ExternLearn: true}))
	if n, _ := c.Snapshot().LinkByName("d0").Neighbor(addr("10.0.0.2")); n.State != neigh.StateNoARP || !n.ExternLearn {
		t.Errorf("after replace: %+v, want NOARP extern_learn", n)
	}
	if n, _ := before.LinkByName("d0").Neighbor(addr("10.0.0.2")); n.State != neigh.StatePermanent {
		t.Errorf("the published snapshot changed: %+v", n)
	}
	must(t, c.DelNeighbor("d0", addr("10.0.0.9")))
	for _, tc := range []struct {
		name string
		err  error
		want syscall.Errno
	}{
		{"del missing", c.DelNeighbor("d0", addr("10.0.0.9")), syscall.ENOENT},
		{"no device", c.SetNeighbor("nope", neigh.Static{Addr: addr("10.0.0.3"), MAC: mac, State: neigh.StatePermanent}), syscall.ENODEV},
		{"vrf", c.SetNeighbor("blue", neigh.Static{Addr: addr("10.0.0.3"), MAC: mac, State: neigh.StatePermanent}), syscall.EOPNOTSUPP},
		{"loopback", c.SetNeighbor("lo", neigh.Static{Addr: addr("10.0.0.3"), MAC: mac, State: neigh.StatePermanent}), syscall.EOPNOTSUPP},
		{"dynamic", c.SetNeighbor("d0", neigh.Static{Addr: addr("10.0.0.3"), MAC: mac, State: neigh.StateReachable}), syscall.EINVAL},
	} {
		if !errors.Is(tc.err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, tc.err, tc.want)
		}
	}
}

// TestNeighborsLinkDown: as Linux's neigh_ifdown on NETDEV_DOWN, a link
// going down forgets its configured neighbours of both families; one
// added while it is down stays until it goes down again.
func TestNeighborsLinkDown(t *testing.T) {
	c := New()
	port(t, c, "d0", "10.0.0.1/24")
	mac := header.MAC{2, 0, 0, 0, 0, 2}
	for _, a := range []string{"10.0.0.2", "2001:db8::2"} {
		must(t, c.SetNeighbor("d0", neigh.Static{Addr: addr(a), MAC: mac, State: neigh.StatePermanent}))
	}
	must(t, c.SetLink("d0", LinkChange{Up: ptr(false)}))
	if got := neighbors(c, "d0"); len(got) != 0 {
		t.Fatalf("after link down: neighbours %v, want none", got)
	}
	must(t, c.SetNeighbor("d0", neigh.Static{Addr: addr("10.0.0.2"), MAC: mac, State: neigh.StateNoARP}))
	must(t, c.SetLink("d0", LinkChange{Up: ptr(true)}))
	if got := neighbors(c, "d0"); len(got) != 1 {
		t.Fatalf("after link up: neighbours %v, want 10.0.0.2", got)
	}
	vrf(t, c, "blue", 10)
	enslave(t, c, "d0", "blue") // cycles the port: down flushes
	if got := neighbors(c, "d0"); len(got) != 0 {
		t.Fatalf("after enslaving: neighbours %v, want none", got)
	}
}

package daemon

import (
	"net/netip"
	"testing"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
)

// TestFingerprintNexthops: replacing a nexthop object leaves the tables
// whose routes name it as they are, but may change those routes'
// sources; the host stacks must sync again.
func TestFingerprintNexthops(t *testing.T) {
	c := control.New()
	up := true
	for _, n := range []string{"d0", "d1"} {
		if err := c.AddLink(control.LinkSpec{Name: n, Kind: control.KindDummy}); err != nil {
			t.Fatal(err)
		}
		if err := c.SetLink(n, control.LinkChange{Up: &up}); err != nil {
			t.Fatal(err)
		}
	}
	s := c.Snapshot()
	d0, d1 := s.LinkByName("d0").Index, s.LinkByName("d1").Index
	if _, err := c.AddNexthop(control.Nexthop{ID: 1, Family: fib.IPv4, Dev: d0}, false); err != nil {
		t.Fatal(err)
	}
	if err := c.AddRoute(fib.Route{Table: fib.TableMain, Prefix: netip.MustParsePrefix("10.0.0.0/8"), Type: fib.TypeUnicast, Proto: fib.ProtoStatic, NHID: 1}, fib.OpAdd); err != nil {
		t.Fatal(err)
	}
	before := c.Snapshot()
	if _, err := c.AddNexthop(control.Nexthop{ID: 1, Family: fib.IPv4, Dev: d1}, true); err != nil {
		t.Fatal(err)
	}
	after := c.Snapshot()
	if fingerprint(before) == fingerprint(after) {
		t.Errorf("fingerprint unchanged by `nexthop replace id 1 dev d1`: the stacks would not sync")
	}
}

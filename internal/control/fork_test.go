package control

import (
	"errors"
	"testing"

	"github.com/govrf/govrf/internal/fib"
)

// TestForkInstall checks that a fork's changes stay out of the control
// plane until Install, which publishes them at once, and that a fork
// taken before another change is refused.
func TestForkInstall(t *testing.T) {
	c := New()
	port(t, c, "d0", "10.0.0.1/24")
	var pubs int
	defer c.Subscribe(func(old, new *Snapshot) { pubs++ })()
	before := c.Snapshot()
	f := c.Fork()
	for _, p := range []string{"10.9.0.0/16", "10.8.0.0/16"} {
		must(t, f.AddRoute(fib.Route{Prefix: pfx(p), Proto: fib.ProtoBoot,
			Nexthops: []fib.Nexthop{{Gateway: addr("10.0.0.2")}}}, fib.OpAdd))
	}
	if c.Snapshot() != before || has(c, fib.TableMain, fib.TypeUnicast, "10.9.0.0/16") {
		t.Fatal("a fork's change reached the control plane before Install")
	}
	if f.Changes() != 2 {
		t.Errorf("fork Changes() = %d, want 2", f.Changes())
	}
	n := c.Changes()
	must(t, c.Install(f))
	if !has(c, fib.TableMain, fib.TypeUnicast, "10.9.0.0/16") || !has(c, fib.TableMain, fib.TypeUnicast, "10.8.0.0/16") {
		t.Fatal("Install did not install the fork's routes")
	}
	if pubs != 1 {
		t.Errorf("Install made %d publications, want 1", pubs)
	}
	if c.Changes() != n+2 {
		t.Errorf("Changes() = %d after Install, want %d", c.Changes(), n+2)
	}
	if d := Diff(before, c.Snapshot()); len(d) != 2 {
		t.Errorf("Diff after Install has %d changes, want the 2 routes: %v", len(d), d)
	}

	stale := c.Fork()
	must(t, stale.AddRoute(fib.Route{Prefix: pfx("10.7.0.0/16"), Proto: fib.ProtoBoot,
		Nexthops: []fib.Nexthop{{Gateway: addr("10.0.0.2")}}}, fib.OpAdd))
	must(t, c.AddRoute(fib.Route{Prefix: pfx("10.6.0.0/16"), Proto: fib.ProtoBoot,
		Nexthops: []fib.Nexthop{{Gateway: addr("10.0.0.2")}}}, fib.OpAdd))
	if err := c.Install(stale); !errors.Is(err, ErrMoved) {
		t.Errorf("Install of a stale fork: %v, want ErrMoved", err)
	}
	if has(c, fib.TableMain, fib.TypeUnicast, "10.7.0.0/16") {
		t.Error("a refused Install changed the state")
	}
}

// TestForkPublished: a fork published on its own (Publish) still
// installs its latest state.
func TestForkPublished(t *testing.T) {
	c := New()
	port(t, c, "d0", "10.0.0.1/24")
	f := c.Fork()
	must(t, f.AddRoute(fib.Route{Prefix: pfx("10.9.0.0/16"), Proto: fib.ProtoBoot,
		Nexthops: []fib.Nexthop{{Gateway: addr("10.0.0.2")}}}, fib.OpAdd))
	f.Publish()
	must(t, c.Install(f))
	if !has(c, fib.TableMain, fib.TypeUnicast, "10.9.0.0/16") {
		t.Error("Install of a fork that published lost its route")
	}
}

// TestForkUnchanged checks that installing a fork that changed nothing
// publishes nothing.
func TestForkUnchanged(t *testing.T) {
	c := New()
	before := c.Snapshot()
	must(t, c.Install(c.Fork()))
	if c.Snapshot() != before {
		t.Error("installing an unchanged fork published")
	}
}

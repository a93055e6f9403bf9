package daemon

import (
	"os"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/port/mem"
)

// TestNeighboursSaved: a configured neighbour is saved and comes back;
// one marked extern_learn does not, nor does its deletion break the
// journal's replay; a dynamic entry lives in the port's cache only.
func TestNeighboursSaved(t *testing.T) {
	cfg := paths(t)
	d := boot(t, cfg)
	for _, cmd := range setup {
		do(t, d, cmd, 0)
	}
	do(t, d, "link add link eth7 name p7 type packet", 0)
	do(t, d, "link set dev p7 up", 0)
	do(t, d, "neigh add 10.1.1.9 lladdr 02:00:00:00:00:09 dev d0 router", 0)
	do(t, d, "neigh replace ::ffff:10.99.0.2 lladdr 02:00:00:00:00:08 dev d0 nud noarp extern_learn protocol bgp", 0)
	do(t, d, "neigh replace 10.99.0.3 lladdr 02:00:00:00:00:08 dev d0 nud noarp extern_learn", 0)
	do(t, d, "neigh add 10.7.0.2 lladdr 02:00:00:00:00:07 dev p7 nud reachable", 0)
	if out := do(t, d, "neigh show dev p7", 0); out != "10.7.0.2 lladdr 02:00:00:00:00:07 REACHABLE \n" {
		t.Errorf("govrf neigh show dev p7 = %q, want the REACHABLE entry", out)
	}
	if rc := do(t, d, "show running-config", 0); strings.Contains(rc, "10.99.0.") || strings.Contains(rc, "10.7.0.2") {
		t.Errorf("the running configuration has an extern_learn or a dynamic neighbour:\n%s", rc)
	}
	do(t, d, "save", 0)
	saved, err := os.ReadFile(cfg.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	do(t, d, "neigh del 10.99.0.3 dev d0", 0) // not in the file: a journaled del could not replay
	do(t, d, "neigh add 10.1.1.8 lladdr 02:00:00:00:00:08 dev d0", 0)
	do(t, d, "neigh replace 10.1.1.8 lladdr 02:00:00:00:00:08 dev d0 extern_learn", 0)
	do(t, d, "neigh replace 10.1.1.7 lladdr 02:00:00:00:00:07 dev d0 nud noarp", 0)
	do(t, d, "route add 10.5.0.0/16 via 10.1.1.1 vrf blue", 0)
	if now, _ := os.ReadFile(cfg.ConfigFile); string(now) != string(saved) {
		t.Errorf("a neighbour change rewrote the configuration file; it belongs in the journal")
	}
	before := views(t, d)
	crash(d)

	d = boot(t, cfg)
	same(t, d, before, "after a kill")
	want := "10.1.1.7 dev d0 lladdr 02:00:00:00:00:07 NOARP \n10.1.1.9 dev d0 lladdr 02:00:00:00:00:09 router PERMANENT \n"
	if out := do(t, d, "neigh show nud all", 0); out != want {
		t.Errorf("after a kill: govrf neigh show nud all = %q, want %q", out, want)
	}
}

// TestMonitorNeighbours: `monitor neigh` tells of configured and dynamic
// entries as the port's cache takes them in and lets them go.
func TestMonitorNeighbours(t *testing.T) {
	cfg := paths(t)
	f := &fakePorts{opened: map[string]*mem.Port{}}
	d, _ := start(t, cfg, f.open)
	call(t, cfg.Socket, "link add link eth7 name p7 type packet", 0)
	call(t, cfg.Socket, "link set dev p7 up", 0)
	events, _ := monitor(t, d, "monitor", "neigh")
	const entry = "10.7.0.2 dev p7 lladdr 02:00:00:00:00:07 "
	for _, step := range []struct{ cmd, want string }{
		{"neigh add 10.7.0.2 lladdr 02:00:00:00:00:07 dev p7 nud noarp extern_learn protocol bgp", entry + "extern_learn NOARP proto bgp \n"},
		{"neigh replace 10.7.0.2 lladdr 02:00:00:00:00:07 dev p7 nud permanent extern_learn", entry + "extern_learn PERMANENT proto bgp \n"},
		{"neigh change 10.7.0.2 dev p7 nud reachable", entry + "REACHABLE proto bgp \n"},
		{"neigh del 10.7.0.2 dev p7", "Deleted " + entry + "REACHABLE proto bgp \n"},
	} {
		call(t, cfg.Socket, step.cmd, 0)
		expect(t, events, step.cmd, step.want)
	}
}

// TestNeighboursBatch: neighbour lines in plain and -atomic batches are
// saved as the single commands are, extern_learn ones left out, so that
// the next start replays cleanly.
func TestNeighboursBatch(t *testing.T) {
	for _, args := range []string{"-batch f", "-atomic -batch f"} {
		t.Run(args, func(t *testing.T) {
			cfg := paths(t)
			d, stop := start(t, cfg, nil)
			body := "link add d0 type dummy\nlink set dev d0 up\n" +
				"neigh replace 10.99.0.2 lladdr 02:00:00:00:00:09 dev d0 nud noarp extern_learn protocol bgp\n" +
				"neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev d0\n"
			if out, code := batchCall(t, cfg.Socket, args, body); code != 0 {
				t.Fatalf("govrf %s: exit %d: %s", args, code, out)
			}
			do(t, d, "save", 0)
			if out, code := batchCall(t, cfg.Socket, args, "neigh del 10.99.0.2 dev d0\nlink add d1 type dummy\n"); code != 0 {
				t.Fatalf("govrf %s: exit %d: %s", args, code, out)
			}
			stop()
			d = boot(t, cfg)
			if out, want := do(t, d, "neigh show nud all", 0), "10.0.0.2 dev d0 lladdr 02:00:00:00:00:02 PERMANENT \n"; out != want {
				t.Errorf("after a restart: govrf neigh show nud all = %q, want %q", out, want)
			}
			if links(d, "d1") != "d1" {
				t.Errorf("after a restart, the batch's d1 is missing")
			}
		})
	}
}

package daemon

import (
	"os"
	"strings"
	"testing"
)

// TestLearntNotJournaled checks that the speaker's changes run on the
// control plane, a failure each, and never reach the configuration file
// or its journal.
func TestLearntNotJournaled(t *testing.T) {
	cfg := paths(t)
	d, stop := start(t, cfg, nil)
	for _, cmd := range []string{
		"link add name a type vrf table 10",
		"link add d0 type dummy",
		"link set dev d0 master a up",
		"addr add 192.168.1.1/24 dev d0",
	} {
		call(t, cfg.Socket, cmd, 0)
	}
	errs := d.applyLearnt([][]string{
		{"route", "replace", "192.168.2.0/24", "vrf", "a", "via", "10.99.0.2", "dev", "d0", "onlink", "proto", "bgp", "metric", "20"},
		{"route", "replace", "192.168.3.0/24", "vrf", "nosuch", "via", "10.99.0.2", "dev", "d0", "onlink", "proto", "bgp"},
	})
	if len(errs) != 2 || errs[0] != nil || errs[1] == nil {
		t.Fatalf("Apply() = %v, want the second line to fail", errs)
	}
	if got := call(t, cfg.Socket, "route show vrf a proto bgp", 0).Stdout; !strings.Contains(got, "192.168.2.0/24 via 10.99.0.2 dev d0 metric 20 onlink") {
		t.Errorf("route show vrf a proto bgp = %q, want the learnt route", got)
	}
	journal, _ := os.ReadFile(cfg.ConfigFile + ".journal")
	if strings.Contains(string(journal), "192.168.2.0") {
		t.Errorf("journal:\n%s\nwant no learnt route", journal)
	}
	call(t, cfg.Socket, "save", 0)
	file, err := os.ReadFile(cfg.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(file), "192.168.2.0") {
		t.Errorf("configuration file:\n%s\nwant no learnt route", file)
	}
	stop()
	start(t, cfg, nil)
	if got := call(t, cfg.Socket, "route show vrf a proto bgp", 0).Stdout; got != "" {
		t.Errorf("route show vrf a proto bgp after restart = %q, want none", got)
	}
}

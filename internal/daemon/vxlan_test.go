package daemon

import (
	"os"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/port/mem"
	"github.com/govrf/govrf/internal/vxlan"
)

// TestVXLANPort: a vxlan link gets govrf's own port, never the opener's
// (it has no kernel device), which goes with the link; the link and its
// configured FDB entries reach the configuration file, extern_learn
// entries do not.
func TestVXLANPort(t *testing.T) {
	cfg := paths(t)
	f := &fakePorts{opened: map[string]*mem.Port{}}
	d, _ := start(t, cfg, f.open)
	call(t, cfg.Socket, "link add name vx100 type vxlan id 100 local 10.99.0.1 dstport 4789 nolearning", 0)
	call(t, cfg.Socket, "bridge fdb append 00:00:00:00:00:00 dev vx100 dst 10.99.0.2", 0)
	call(t, cfg.Socket, "bridge fdb replace 02:00:00:00:00:02 dev vx100 dst 10.99.0.2 self extern_learn", 0)
	index := d.ctl.Snapshot().LinkByName("vx100").Index
	d.mu.Lock()
	p := d.ports[index].port
	d.mu.Unlock()
	if _, ok := p.(*vxlan.Port); !ok {
		t.Fatalf("vx100's port is %T, want a *vxlan.Port", p)
	}
	if f.get("vx100") != nil {
		t.Fatal("the opener was asked for vx100's port")
	}
	if resp := call(t, cfg.Socket, "bridge fdb show dev vx100", 0); resp.Stdout !=
		"02:00:00:00:00:02 dst 10.99.0.2 self extern_learn permanent\n00:00:00:00:00:00 dst 10.99.0.2 self permanent\n" {
		t.Fatalf("bridge fdb show dev vx100:\n%s", resp.Stdout)
	}
	call(t, cfg.Socket, "save", 0)
	file, _ := os.ReadFile(cfg.ConfigFile)
	if !strings.Contains(string(file), "type vxlan id 100 local 10.99.0.1 dstport 4789 nolearning") ||
		!strings.Contains(string(file), "bridge fdb append 00:00:00:00:00:00 dev vx100 dst 10.99.0.2") ||
		strings.Contains(string(file), "02:00:00:00:00:02") {
		t.Fatalf("configuration file:\n%s", file)
	}
	call(t, cfg.Socket, "link del dev vx100", 0)
	d.mu.Lock()
	_, ok := d.ports[index]
	d.mu.Unlock()
	if ok {
		t.Fatal("vx100's port outlived its link")
	}
}

// TestFDBJournaled: forwarding entry changes reach the journal as their
// effect on the address, so that a kill -9 keeps the configured ones and
// a change to an extern_learn entry (which the script leaves out) does not
// break the replay.
func TestFDBJournaled(t *testing.T) {
	cfg := paths(t)
	d := boot(t, cfg)
	do(t, d, "link add name vx100 type vxlan id 100 local 10.99.0.1 dstport 4789 nolearning remote 10.99.0.9", 0)
	do(t, d, "save", 0)
	do(t, d, "bridge fdb replace 02:00:00:00:00:02 dev vx100 dst 10.99.0.2 self extern_learn", 0)
	do(t, d, "bridge fdb del 02:00:00:00:00:02 dev vx100", 0)
	do(t, d, "bridge fdb append 00:00:00:00:00:00 dev vx100 dst 10.99.0.3", 0)
	do(t, d, "bridge fdb add 02:00:00:00:00:04 dev vx100 dst 10.99.0.4 static", 0)
	do(t, d, "bridge fdb replace 02:00:00:00:00:05 dev vx100 dst 10.99.0.5 extern_learn", 0)
	want := do(t, d, "bridge fdb show dev vx100", 0)
	crash(d)

	d = boot(t, cfg)
	got := do(t, d, "bridge fdb show dev vx100", 0)
	for _, line := range strings.SplitAfter(want, "\n") {
		if !strings.Contains(line, "extern_learn") && !strings.Contains(got, line) {
			t.Errorf("after a kill, bridge fdb show lacks %q:\n%s", line, got)
		}
	}
	if strings.Contains(got, "02:00:00:00:00:05") || strings.Contains(got, "02:00:00:00:00:02") {
		t.Errorf("after a kill, bridge fdb show has an extern_learn entry:\n%s", got)
	}
}

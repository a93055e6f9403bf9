package daemon

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/config"
	"github.com/govrf/govrf/internal/journal"
	"github.com/govrf/govrf/internal/port/mem"
)

// crash ends d as SIGKILL would: nothing is flushed or closed, but the
// locks and the socket go with the process.
func crash(d *Daemon) {
	d.ln.Close()
	releaseLocks(d.locks)
}

// boot makes a daemon on cfg without running it.
func boot(t *testing.T, cfg Config) *Daemon {
	t.Helper()
	f := &fakePorts{opened: map[string]*mem.Port{}}
	d, err := newDaemon(cfg, f.open)
	if err != nil {
		t.Fatalf("New = %v", err)
	}
	t.Cleanup(func() { crash(d) })
	return d
}

// do runs cmd in d and fails the test unless it exits with want.
func do(t *testing.T, d *Daemon, cmd string, want int) string {
	t.Helper()
	argv, err := config.SplitLine(cmd)
	if err != nil {
		t.Fatal(err)
	}
	resp := d.handle(api.Request{Argv: argv})
	if resp.Code != want {
		t.Fatalf("govrf %s = %+v; want code %d", cmd, resp, want)
	}
	return resp.Stdout
}

// views returns what d shows.
func views(t *testing.T, d *Daemon) map[string]string {
	t.Helper()
	v := map[string]string{}
	for _, cmd := range []string{"link show", "-j addr show", "route show table all", "rule show", "nexthop show", "show running-config"} {
		v[cmd] = do(t, d, cmd, 0)
	}
	return v
}

// same checks that d shows what was seen before, and that its file is
// its running configuration.
func same(t *testing.T, d *Daemon, before map[string]string, when string) {
	t.Helper()
	for cmd, out := range views(t, d) {
		if out != before[cmd] {
			t.Errorf("%s: govrf %s:\n%s\nwant, as before:\n%s", when, cmd, out, before[cmd])
		}
	}
	file, _ := os.ReadFile(d.cfg.ConfigFile)
	if rc := do(t, d, "show running-config", 0); string(file) != rc {
		t.Errorf("%s: the file is not the running configuration:\n%s\nwant:\n%s", when, file, rc)
	}
}

// TestKillKeepsCommitted kills daemons after changes, saves and
// compactions and checks that each new daemon has exactly every
// acknowledged change, MACs included, and its file is the running
// configuration.
func TestKillKeepsCommitted(t *testing.T) {
	cfg := paths(t)
	d := boot(t, cfg)
	for _, cmd := range setup {
		do(t, d, cmd, 0)
	}
	do(t, d, "link add link eth9 name p9 type packet", 2) // no eth9: added, then removed
	do(t, d, "link add link eth8 name p8 type packet force", 0)
	for i := range 20 {
		do(t, d, fmt.Sprintf("route add 10.%d.0.0/16 via 10.1.1.1 vrf blue", i), 0)
	}
	before := views(t, d)
	crash(d)

	d = boot(t, cfg)
	same(t, d, before, "after a kill")
	do(t, d, `link add name "it's#1" type dummy`, 0)
	do(t, d, "save", 0)
	do(t, d, "route del 10.3.0.0/16 vrf blue", 0)
	d.changed([]string{"route", "add", "10.99.0.0/16", "via", "10.1.1.1", "vrf", "blue"}) // never committed
	before = views(t, d)
	crash(d)

	d = boot(t, cfg)
	same(t, d, before, "after a save and a kill")
}

// TestKillAfterFailedCommit checks that a change the journal failed to
// keep is refused as not saved, and that the next change writes the
// whole state, so that a restart misses nothing.
func TestKillAfterFailedCommit(t *testing.T) {
	cfg := paths(t)
	d := boot(t, cfg)
	do(t, d, "link add d0 type dummy", 0)
	d.disk.j.Close() // every append now fails
	resp := d.handle(api.Request{Argv: strings.Fields("link add d1 type dummy")})
	if resp.Code != 2 || !strings.Contains(resp.Stderr, "the changes are made but not saved") {
		t.Errorf("a change the journal failed: %+v, want it made but not saved", resp)
	}
	do(t, d, "link add d2 type dummy", 0)
	do(t, d, "link add d3 type dummy", 0)
	before := views(t, d)
	crash(d)
	same(t, boot(t, cfg), before, "after a failed commit and a kill")
}

// TestBackgroundCompaction lets the journal outgrow the script and
// checks that a compaction in the background makes the file the script
// again, without losing the changes made meanwhile.
func TestBackgroundCompaction(t *testing.T) {
	defer func(n int64) { compactMin = n }(compactMin)
	compactMin = 1
	cfg := paths(t)
	d := boot(t, cfg)
	do(t, d, "link add d0 type dummy", 0)
	do(t, d, "link set dev d0 up", 0)
	do(t, d, "addr add 10.0.0.1/8 dev d0", 0)
	for i := range 200 {
		do(t, d, fmt.Sprintf("route add 10.%d.%d.0/24 via 10.0.0.2", i/100, i%100), 0)
	}
	d.disk.bg.Wait()
	d.mu.Lock()
	gen := d.disk.j.Gen()
	d.mu.Unlock()
	if gen == 0 {
		t.Errorf("no compaction after 200 changes with a journal larger than the script")
	}
	before := views(t, d)
	crash(d)
	same(t, boot(t, cfg), before, "after compactions and a kill")
}

// TestReplayFailure checks that a journal line that fails stops the
// start, naming the record, and leaves the files as they are.
func TestReplayFailure(t *testing.T) {
	cfg := paths(t)
	d := boot(t, cfg)
	do(t, d, "link add d0 type dummy", 0)
	crash(d)
	j, _, err := journal.Open(cfg.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	j.Append("route add 10.0.0.0/8 dev nosuch")
	if err := j.Commit(); err != nil {
		t.Fatal(err)
	}
	j.Close()
	file, _ := os.ReadFile(cfg.ConfigFile)
	_, err = newDaemon(cfg, nil)
	if err == nil {
		t.Fatal("New with a journal line that fails = nil error")
	}
	if want := journal.Path(cfg.ConfigFile) + ": record 2: "; !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "move the journal aside") {
		t.Errorf("New = %v, want it to name %s and how to go on", err, want)
	}
	if after, _ := os.ReadFile(cfg.ConfigFile); string(after) != string(file) {
		t.Errorf("the file changed after the failed start")
	}
}

// TestOrphanedJournal checks that a file edited while govrfd was
// stopped wins over the journal, which is set aside.
func TestOrphanedJournal(t *testing.T) {
	cfg := paths(t)
	d := boot(t, cfg)
	do(t, d, "link add d0 type dummy", 0)
	crash(d)
	os.WriteFile(cfg.ConfigFile, []byte("link add e0 type dummy\n"), 0o644)
	d = boot(t, cfg)
	if out := do(t, d, "link show", 0); strings.Contains(out, ": d0:") || !strings.Contains(out, ": e0:") {
		t.Errorf("link show after an edit by hand:\n%s\nwant e0 from the file, not d0 from the journal", out)
	}
	if _, err := os.Stat(journal.Orphan(cfg.ConfigFile)); err != nil {
		t.Errorf("the orphaned journal: %v", err)
	}
}

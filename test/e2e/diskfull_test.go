package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// mountTmpfs mounts a tmpfs of size (as mount(8) takes it) on a new
// directory under the topology's, unmounted when the test ends, and
// returns the directory.
func (tp *topo) mountTmpfs(size string) string {
	tp.t.Helper()
	dir := filepath.Join(tp.dir, "etc")
	if err := os.Mkdir(dir, 0o755); err != nil {
		tp.t.Fatal(err)
	}
	tp.must("mount", "-t", "tmpfs", "-o", "size="+size, "govrf-e2e", dir)
	tp.t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
	return dir
}

// fill writes a file in dir until the file system is full, and returns
// its path.
func fill(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	block := make([]byte, 4096)
	for {
		if _, err := f.Write(block); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("filling %s: %v", dir, err)
			}
			return path
		}
	}
}

// govrfExit runs the real govrf client with args and returns its
// standard output, standard error and exit code.
func (tp *topo) govrfExit(args ...string) (stdout, stderr string, code int) {
	var o, e bytes.Buffer
	c := tp.client(args...)
	c.Stdout, c.Stderr = &o, &e
	code = exitCode(c.Run())
	return o.String(), e.String(), code
}

// hasRoute reports whether VRF a has a route to prefix.
func (tp *topo) hasRoute(prefix string) bool {
	return tp.vrfARoutes(strings.SplitN(prefix, ".", 2)[0] + ".")[prefix]
}

// addUntilUnsaved adds routes 10.N.i.0/24 to VRF a, i = 0, 1, ..., until
// one is answered with an error (a journal's page has room for many a
// change), and returns those acknowledged, the one that was not, and
// its error.
func (tp *topo) addUntilUnsaved(n int) (acked []string, unsaved, stderr string) {
	tp.t.Helper()
	for i := range 250 {
		p := fmt.Sprintf("10.%d.%d.0/24", n, i)
		_, stderr, code := tp.govrfExit("route", "add", p, "via", "192.168.2.10", "vrf", "a")
		switch code {
		case 0:
			acked = append(acked, p)
		case 2:
			return acked, p, stderr
		default:
			tp.t.Fatalf("govrf route add %s with the disk full: exit %d, %q", p, code, stderr)
		}
	}
	tp.t.Fatalf("250 changes saved on a full disk")
	return
}

// wantUnsaved checks the answer to a change or a save that could not be
// saved: the cause and what to do.
func wantUnsaved(t *testing.T, what, stderr string) {
	t.Helper()
	if !strings.Contains(stderr, "not saved") || !strings.Contains(stderr, "no space left on device") ||
		!strings.Contains(stderr, "then run \"govrf save\"") {
		t.Errorf("%s with the disk full: %q; want not saved, the cause and what to do", what, stderr)
	}
}

// TestIntegrationConfigDiskFull runs govrfd with its configuration file
// on a small tmpfs and fills it. Changes are acknowledged while the
// journal has room, then one is answered with exit 2 and an error
// saying that it is made but not saved, why, and what to do; so are the
// changes after it, and `govrf save`; forwarding goes on. Restarted
// after space came back, govrfd runs exactly what its file says: every
// acknowledged change and none it could not save. Filled again, a
// change that could not be saved is saved by the first change after
// space came back, which is acknowledged; a restart then has both.
func TestIntegrationConfigDiskFull(t *testing.T) {
	tp := newTopo(t)
	dir := tp.moveConfig("256k")
	tp.start()
	tp.govrf("route add 10.49.0.0/24 via 192.168.2.10 vrf a") // the journal exists

	filler := fill(t, dir)
	acked, unsaved, stderr := tp.addUntilUnsaved(50)
	wantUnsaved(t, "govrf route add "+unsaved, stderr)
	t.Logf("govrf route add %s with the disk full:\n%s", unsaved, stderr)
	_, stderr, code := tp.govrfExit("route", "add", "10.51.0.0/24", "via", "192.168.2.10", "vrf", "a")
	if code != 2 {
		t.Errorf("a second change with the disk full: exit %d, want 2", code)
	}
	wantUnsaved(t, "a second change", stderr)
	_, stderr, code = tp.govrfExit("save")
	if code != 2 {
		t.Errorf("govrf save with the disk full: exit %d, want 2", code)
	}
	wantUnsaved(t, "govrf save", stderr)
	if !tp.hasRoute(unsaved) {
		t.Errorf("%s, made but not saved, is not running", unsaved)
	}
	if out, ok := tp.ping("A1", "-c", "2", "-i", "0.2", "-W", "1", "192.168.2.10"); !ok {
		t.Errorf("ping A1 → A2 with the disk full:\n%s", out)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	tp.stop()
	tp.start()
	file, err := os.ReadFile(tp.conf)
	if err != nil {
		t.Fatal(err)
	}
	if run := tp.govrf("show running-config"); run != string(file) {
		t.Errorf("after the restart the running configuration is not the file:\nfile:\n%s\nrunning:\n%s", file, run)
	}
	routes := tp.vrfARoutes("10.")
	for _, p := range acked {
		if !routes[p] {
			t.Errorf("after the restart the acknowledged route %s is missing", p)
		}
	}
	for _, p := range []string{unsaved, "10.51.0.0/24"} {
		if routes[p] {
			t.Errorf("after the restart %s, which was not saved, is running", p)
		}
	}
	t.Logf("%d changes acknowledged before the disk was full", len(acked))

	filler = fill(t, dir)
	_, unsaved, _ = tp.addUntilUnsaved(52)
	os.Remove(filler)
	if _, stderr, code := tp.govrfExit("route", "add", "10.53.0.0/24", "via", "192.168.2.10", "vrf", "a"); code != 0 {
		t.Errorf("govrf route add once space came back: exit %d, %q; want it saved", code, stderr)
	}
	tp.stop()
	tp.start()
	routes = tp.vrfARoutes("10.")
	for _, p := range []string{unsaved, "10.53.0.0/24"} {
		if !routes[p] {
			t.Errorf("after the second restart %s is missing", p)
		}
	}
	if file, err = os.ReadFile(tp.conf); err != nil || tp.govrf("show running-config") != string(file) {
		t.Errorf("after the second restart the running configuration is not the file (%v)", err)
	}
}

// TestIntegrationConfigReadOnly starts govrfd with its configuration
// file on a file system mounted read-only: it starts and forwards, a
// change is answered with exit 2, not saved, the cause and what to do,
// and runs; once the file system is writable again, the next change is
// acknowledged and saves both, which a restart then has.
func TestIntegrationConfigReadOnly(t *testing.T) {
	tp := newTopo(t)
	dir := tp.moveConfig("1m")
	tp.must("mount", "-o", "remount,ro", dir)
	tp.start()
	if out, ok := tp.ping("A1", "-c", "2", "-i", "0.2", "-W", "1", "192.168.2.10"); !ok {
		t.Errorf("ping A1 → A2 with the configuration read-only:\n%s", out)
	}
	_, stderr, code := tp.govrfExit("route", "add", "10.54.0.0/24", "via", "192.168.2.10", "vrf", "a")
	if code != 2 || !strings.Contains(stderr, "not saved") || !strings.Contains(stderr, "read-only file system") ||
		!strings.Contains(stderr, "make it writable, then run \"govrf save\"") {
		t.Errorf("govrf route add with the configuration read-only: exit %d, %q; want exit 2, not saved, the cause and what to do", code, stderr)
	}
	if !tp.hasRoute("10.54.0.0/24") {
		t.Error("a change that could not be saved is not running")
	}
	tp.must("mount", "-o", "remount,rw", dir)
	tp.govrf("route add 10.55.0.0/24 via 192.168.2.10 vrf a")
	tp.stop()
	tp.start()
	for _, p := range []string{"10.54.0.0/24", "10.55.0.0/24"} {
		if !tp.hasRoute(p) {
			t.Errorf("after the restart %s is missing", p)
		}
	}
	if file, err := os.ReadFile(tp.conf); err != nil || tp.govrf("show running-config") != string(file) {
		t.Errorf("after the restart the running configuration is not the file (%v)", err)
	}
}

// moveConfig saves the topology's configuration, stops govrfd and moves
// the file to a tmpfs of size it mounts (removed with the test), and
// returns the tmpfs's directory; the test starts govrfd again.
func (tp *topo) moveConfig(size string) string {
	tp.t.Helper()
	tp.govrf("save")
	tp.stop()
	conf, err := os.ReadFile(tp.conf)
	if err != nil {
		tp.t.Fatal(err)
	}
	dir := tp.mountTmpfs(size)
	tp.conf = filepath.Join(dir, "govrf.conf")
	if err := os.WriteFile(tp.conf, conf, 0o644); err != nil {
		tp.t.Fatal(err)
	}
	return dir
}

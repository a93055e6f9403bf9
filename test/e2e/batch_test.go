package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeRoutes writes a batch file of n `route add` lines in VRF a, the
// i-th made by prefix(i), and returns its path.
func writeRoutes(t *testing.T, name string, n int, prefix func(int) string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range n {
		fmt.Fprintf(w, "route add %s via 192.168.2.10 vrf a\n", prefix(i))
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

// batch returns the command that runs `govrf -batch file` on the
// topology's daemon with the real client.
func (tp *topo) batch(file string) *exec.Cmd {
	return exec.Command(filepath.Join(binaries(tp.t), "govrf"), "-socket", tp.sock, "-batch", file)
}

// vrfARoutes returns the prefixes of VRF a's routes that start with
// first (the first octet and its dot).
func (tp *topo) vrfARoutes(first string) map[string]bool {
	tp.t.Helper()
	got := map[string]bool{}
	for _, l := range strings.Split(tp.govrf("route show vrf a"), "\n") {
		if f := strings.Fields(l); len(f) > 0 && strings.HasPrefix(f[0], first) {
			got[f[0]] = true
		}
	}
	return got
}

// TestIntegrationKillDuringBatch applies a batch of 10,000 routes
// through govrfd, kills govrfd with SIGKILL in the middle of a second,
// larger batch, and starts it again on the same files: every route of
// the acknowledged batch is there, none of the one that was never
// acknowledged, and `show running-config` equals the configuration
// file.
func TestIntegrationKillDuringBatch(t *testing.T) {
	tp := newTopo(t)
	const first, second = 10_000, 400_000
	one := func(i int) string { return fmt.Sprintf("10.%d.%d.0/24", 100+i/256, i%256) }
	two := func(i int) string { return fmt.Sprintf("11.%d.%d.%d/32", i>>16, i>>8&255, i&255) }
	if out, err := tp.batch(writeRoutes(t, "first", first, one)).CombinedOutput(); err != nil {
		t.Fatalf("govrf -batch of %d routes: %v\n%s", first, err, out)
	}
	if got := tp.vrfARoutes("10."); len(got) != first {
		t.Fatalf("VRF a holds %d routes of the first batch, want %d", len(got), first)
	}

	c := tp.batch(writeRoutes(t, "second", second, two))
	var out strings.Builder
	c.Stdout, c.Stderr = &out, &out
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	time.Sleep(300 * time.Millisecond)
	tp.kill()
	select {
	case err := <-done:
		if err == nil {
			t.Fatalf("the second batch was acknowledged before the kill: make it longer\n%s", out.String())
		}
		t.Logf("the client of the killed batch: %v: %s", err, strings.TrimSpace(out.String()))
	case <-time.After(10 * time.Second):
		c.Process.Kill()
		t.Fatal("the client of the killed batch did not end within 10 s of the kill")
	}

	tp.start()
	got := tp.vrfARoutes("10.")
	for i := range first {
		if !got[one(i)] {
			t.Fatalf("after the restart VRF a lacks %s of the acknowledged batch (%d of %d there)", one(i), len(got), first)
		}
	}
	if n := len(tp.vrfARoutes("11.")); n != 0 {
		t.Errorf("after the restart VRF a holds %d routes of the batch that was never acknowledged", n)
	}
	file, err := os.ReadFile(tp.conf)
	if err != nil {
		t.Fatal(err)
	}
	if run := tp.govrf("show running-config"); run != string(file) {
		t.Errorf("show running-config after the restart differs from the configuration file (%d and %d bytes)", len(run), len(file))
	}
}

package daemon

import (
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/port/mem"
)

// TestMetricsAddressTaken: a -metrics address that cannot be listened on
// stops the start with what to do, and frees what the start had taken.
func TestMetricsAddressTaken(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	sock := filepath.Join(t.TempDir(), "s.sock")
	f := &fakePorts{opened: map[string]*mem.Port{}}
	_, err = newDaemon(Config{Socket: sock, Metrics: ln.Addr().String()}, f.open)
	if err == nil || !strings.Contains(err.Error(), "give a free host:port") {
		t.Fatalf("a start with a taken -metrics address: %v, want a refusal saying what to do", err)
	}
	// The socket and its lock are free for the next start.
	d, err := newDaemon(Config{Socket: sock}, f.open)
	if err != nil {
		t.Fatalf("a start after the refused one: %v", err)
	}
	d.ln.Close()
	releaseLocks(d.locks)
}

// TestSample: the metrics' sample names each port's VRF, counts its
// neighbours, and follows the configuration's generation and what was
// saved of it.
func TestSample(t *testing.T) {
	f := &fakePorts{opened: map[string]*mem.Port{}}
	cfg := Config{Socket: filepath.Join(t.TempDir(), "s.sock"), ConfigFile: filepath.Join(t.TempDir(), "c.conf")}
	d, err := newDaemon(cfg, f.open)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { d.ln.Close(); d.disk.close(); releaseLocks(d.locks) }()
	for _, cmd := range []string{"link add blue type vrf table 10", "link add d0 type tap", "link set dev d0 master blue", "link set dev d0 up"} {
		if resp := d.handle(api.Request{Argv: strings.Fields(cmd)}); resp.Code != 0 {
			t.Fatalf("%s: %+v", cmd, resp)
		}
	}
	s := d.Sample()
	if s.PortVRF["d0"] != "blue" {
		t.Errorf("the sample puts d0 in VRF %q, want blue", s.PortVRF["d0"])
	}
	if _, ok := s.Neighbours["d0"]; !ok {
		t.Error("the sample has no neighbour census of d0")
	}
	if s.Changes == 0 || s.Generation == 0 || s.Saved != s.Generation {
		t.Errorf("sample changes %d, generation %d, saved %d: want changes, all saved", s.Changes, s.Generation, s.Saved)
	}
}

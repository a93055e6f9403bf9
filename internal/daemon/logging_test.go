package daemon

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/netnstest"
	"github.com/govrf/govrf/internal/port/mem"
)

// TestLogStartStop: govrfd says at start what it serves and what it
// loaded (addresses count the kernel-made link-local of p0, which is
// up), port by port with the port's VRF, and at stop what it
// released.
func TestLogStartStop(t *testing.T) {
	var logs netnstest.Buffer
	old := slog.Default()
	slog.SetDefault(newLogger(&logs, false))
	t.Cleanup(func() { slog.SetDefault(old) })

	cfg := paths(t)
	script := "link add name blue type vrf table 10\n" +
		"link add link veth0 name p0 type packet\n" +
		"link set dev p0 master blue\n" +
		"link set dev p0 up\n" +
		"link set dev blue up\n" +
		"addr add 10.1.1.2/24 dev p0\n" +
		"route add default via 10.1.1.1 vrf blue\n"
	os.MkdirAll(filepath.Dir(cfg.ConfigFile), 0o755)
	if err := os.WriteFile(cfg.ConfigFile, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &fakePorts{opened: map[string]*mem.Port{}}
	_, stop := start(t, cfg, f.open)
	call(t, cfg.Socket, "link show", 0)
	stop()

	got := logs.String()
	for _, want := range []string{
		`level=INFO msg="configuration loaded" file=` + cfg.ConfigFile + ` links=2 vrfs=1 ports=1 addresses=2 routes=1 rules=7 nexthops=0`,
		`level=INFO msg="port attached" port=p0 vrf=blue device=veth0 kind=packet`,
		`level=INFO msg="govrfd serving" pid=`,
		` socket=` + cfg.Socket + ` config=` + cfg.ConfigFile + ` state=` + DefaultStateFile(cfg.Socket),
		`level=INFO msg="govrfd stopping" reason="context canceled"`,
		`level=INFO msg="port closed" port=p0 vrf=blue device=veth0`,
		`level=INFO msg="govrfd stopped" ports_closed=1 stacks_removed=0 socket_removed=` + cfg.Socket,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the daemon's log lacks %s; it is:\n%s", want, got)
		}
	}
}

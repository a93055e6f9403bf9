package e2e

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// unitFile reads examples/govrfd.service: its [Service] settings by key.
func unitFile(t *testing.T) (path string, service map[string]string) {
	t.Helper()
	path = filepath.Join("..", "..", "examples", "govrfd.service")
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	service = map[string]string{}
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "["):
			section = l
		case section == "[Service]":
			k, v, _ := strings.Cut(l, "=")
			service[k] = v
		}
	}
	return path, service
}

// TestIntegrationSystemdUnit: examples/govrfd.service passes
// systemd-analyze verify (where systemd is installed), and its ExecStart,
// run as systemd would run it (the binary from this tree, the runtime
// and configuration directories made, in a namespace and mount
// namespace of its own), serves govrf, saves the configuration where
// the unit says and ends cleanly on the unit's KillSignal.
func TestIntegrationSystemdUnit(t *testing.T) {
	needRoot(t)
	bin := binaries(t)
	path, svc := unitFile(t)
	exe, args, _ := strings.Cut(svc["ExecStart"], " ")
	if filepath.Base(exe) != "govrfd" {
		t.Fatalf("ExecStart=%s: want govrfd", svc["ExecStart"])
	}
	exe = filepath.Join(bin, "govrfd")
	if sa, err := exec.LookPath("systemd-analyze"); err == nil {
		unit := filepath.Join(t.TempDir(), "govrfd.service")
		b, _ := os.ReadFile(path)
		os.WriteFile(unit, []byte(strings.Replace(string(b), "ExecStart=/usr/local/bin/govrfd", "ExecStart="+exe, 1)), 0o644)
		if out, err := exec.Command(sa, "verify", unit).CombinedOutput(); err != nil || len(out) != 0 {
			t.Errorf("systemd-analyze verify %s: %v\n%s", path, err, out)
		}
	}
	for _, k := range []string{"RuntimeDirectory", "ConfigurationDirectory", "KillSignal"} {
		if svc[k] == "" {
			t.Fatalf("%s sets no %s", path, k)
		}
	}
	tp := &topo{t: t, prefix: fmt.Sprintf("gvu%d-", os.Getpid()%100000)}
	tp.addNS("R")
	rw := t.TempDir()
	script := `set -e
mount -t tmpfs govrf-test-run /run
mount -t tmpfs govrf-test-etc "$RW"
mkdir "$RW/upper" "$RW/work"
mount -t overlay govrf-test-etc -o "lowerdir=/etc,upperdir=$RW/upper,workdir=$RW/work" /etc
mkdir -p /run/` + svc["RuntimeDirectory"] + ` /etc/` + svc["ConfigurationDirectory"] + `
"$EXE" ` + args + ` &
daemon=$!
trap 'kill -9 $daemon 2>/dev/null || true' EXIT
for i in $(seq 100); do [ -S /run/govrf/govrf.sock ] && break; sleep 0.1; done
govrf link add name blue type vrf table 10
govrf save
cat /etc/govrf/govrf.conf
kill -s ` + strings.TrimPrefix(svc["KillSignal"], "SIG") + ` $daemon
wait $daemon
echo "govrfd exit $?"
`
	c := exec.Command("ip", "netns", "exec", tp.ns("R"), "bash", "-c", script)
	c.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "RW="+rw, "EXE="+exe)
	out, err := c.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "link add name blue ") || !strings.Contains(string(out), " type vrf table 10\n") || !strings.Contains(string(out), "govrfd exit 0\n") {
		t.Errorf("govrfd as the unit runs it: %v\n%s\nwant the VRF saved in /etc/govrf/govrf.conf and exit 0 on %s", err, out, svc["KillSignal"])
	}
}

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

// readmeSnippet returns the shell block of README.md's "Run the daemon"
// section, as a reader would paste it.
func readmeSnippet(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(b), "\n## Run the daemon\n")
	if !ok {
		t.Fatal(`README.md has no "## Run the daemon" section`)
	}
	section, _, _ = strings.Cut(section, "\n## ")
	_, block, ok := strings.Cut(section, "\n```sh\n")
	if !ok {
		t.Fatal("README.md's \"Run the daemon\" has no ```sh block")
	}
	block, _, ok = strings.Cut(block, "\n```\n")
	if !ok {
		t.Fatal("README.md's \"Run the daemon\" block does not end")
	}
	return block + "\n"
}

// TestIntegrationREADME runs README.md's daemon snippet, exactly as it
// stands, as root in a router namespace whose eth1 and eth2 are veths to
// two host namespaces numbered as the README says (10.0.1.10 and
// 10.0.2.10, 2001:db8:1::10 and 2001:db8:2::10, the router .1 and ::1),
// with the govrf and govrfd built from this tree first on PATH. Then
// each host pings the other, in both families. The snippet runs in a
// mount namespace of its own (`ip netns exec`) with a fresh /run and an
// overlay on /etc, so that its /run/govrf and /etc/govrf are the test's.
func TestIntegrationREADME(t *testing.T) {
	needRoot(t)
	snippet := readmeSnippet(t)
	bin := binaries(t)
	tp := &topo{t: t, prefix: fmt.Sprintf("gvr%d-", os.Getpid()%100000)}
	for _, n := range []string{"R", "H1", "H2"} {
		tp.addNS(n)
	}
	for i, h := range []string{"H1", "H2"} {
		net := fmt.Sprint(i + 1)
		dev := "eth" + net
		// The router's ends stay down: the snippet brings them up.
		tp.must("ip", "-n", tp.ns("R"), "link", "add", dev, "type", "veth", "peer", "name", "eth0", "netns", tp.ns(h))
		n := tp.ns(h)
		tp.must("ip", "-n", n, "link", "set", "eth0", "up")
		tp.must("ip", "-n", n, "addr", "add", "10.0."+net+".10/24", "dev", "eth0")
		tp.must("ip", "-n", n, "-6", "addr", "add", "2001:db8:"+net+"::10/64", "dev", "eth0", "nodad")
		tp.must("ip", "-n", n, "route", "add", "default", "via", "10.0."+net+".1")
		tp.must("ip", "-n", n, "-6", "route", "add", "default", "via", "2001:db8:"+net+"::1")
	}

	rw := t.TempDir()
	script := `set -e
mount -t tmpfs govrf-test-run /run
mount -t tmpfs govrf-test-etc "$RW"
mkdir "$RW/upper" "$RW/work"
mount -t overlay govrf-test-etc -o "lowerdir=/etc,upperdir=$RW/upper,workdir=$RW/work" /etc
` + snippet + `
echo README-SNIPPET-DONE
read -r _ || true
kill $(jobs -p)
wait
`
	c := exec.Command("ip", "netns", "exec", tp.ns("R"), "bash", "-c", script)
	c.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"), "RW="+rw)
	c.Stderr = os.Stderr
	stdin, err := c.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	var output strings.Builder
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		done := false
		for sc.Scan() {
			output.WriteString(sc.Text() + "\n")
			if sc.Text() == "README-SNIPPET-DONE" && !done {
				done = true
				ready <- true
			}
		}
		if !done {
			ready <- false
		}
		exited <- c.Wait()
	}()
	t.Cleanup(func() {
		stdin.Close()
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("the snippet's shell, on ending govrfd: %v", err)
			}
		case <-time.After(10 * time.Second):
			c.Process.Kill()
			t.Error("govrfd did not end within 10s of SIGTERM")
		}
	})
	select {
	case ok := <-ready:
		if !ok {
			t.Fatalf("README snippet failed (set -e); it printed:\n%s", output.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("README snippet did not finish in 60s; it printed:\n%s", output.String())
	}
	for _, p := range []struct{ from, dst string }{
		{"H1", "10.0.2.10"}, {"H2", "10.0.1.10"}, {"H1", "2001:db8:2::10"}, {"H2", "2001:db8:1::10"},
	} {
		out, err := tp.in(p.from, "ping", "-c", "2", "-i", "0.2", "-W", "2", p.dst).CombinedOutput()
		if err != nil {
			t.Errorf("after README's snippet, %s: ping %s: %v\n%s", p.from, p.dst, err, out)
		}
	}
}

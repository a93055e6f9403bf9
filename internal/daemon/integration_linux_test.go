package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/api"
)

// TestMain runs the test binary as a daemon when asked to, so that
// TestIntegration* can start one inside a network namespace with `ip
// netns exec`: a namespace is per thread, and a Go program's goroutines
// move between threads, so the whole process must be in it.
func TestMain(m *testing.M) {
	if socket := os.Getenv("GOVRF_TEST_DAEMON_SOCKET"); socket != "" {
		os.Exit(runDaemon(Config{Socket: socket, ConfigFile: os.Getenv("GOVRF_TEST_DAEMON_CONFIG")}))
	}
	os.Exit(m.Run())
}

func runDaemon(cfg Config) int {
	slog.SetDefault(newLogger(os.Stderr, false))
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	d, err := New(cfg)
	if err == nil {
		err = d.Run(ctx)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "daemon:", err)
		return 1
	}
	return 0
}

// needRoot skips the test without root, unless CI=true, where it fails.
func needRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("integration test needs root")
		}
		t.Skip("integration test needs root")
	}
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// startIn starts a daemon in namespace ns, on a socket and
// configuration file of a fresh directory, and waits for its socket. It
// returns the socket, the daemon's standard error (to be read once it
// has stopped) and a function that stops it with SIGTERM, which the
// test's cleanup calls too.
func startIn(t *testing.T, ns string) (socket string, stderr *strings.Builder, stop func()) {
	t.Helper()
	dir := t.TempDir()
	socket = filepath.Join(dir, "govrf.sock")
	cmd := exec.Command("ip", "netns", "exec", ns, os.Args[0])
	cmd.Env = append(os.Environ(), "GOVRF_TEST_DAEMON_SOCKET="+socket, "GOVRF_TEST_DAEMON_CONFIG="+filepath.Join(dir, "govrf.conf"))
	stderr = &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cmd.Process.Signal(syscall.SIGTERM)
		if err := cmd.Wait(); err != nil {
			t.Errorf("daemon: %v\n%s", err, stderr.String())
		}
	}
	t.Cleanup(stop)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		// The socket's file appears when it is bound, just before it
		// listens: wait until it answers.
		if c, err := net.Dial("unix", socket); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no daemon socket after 10 s; daemon stderr:\n%s", stderr.String())
		}
	}
	return socket, stderr, stop
}

// TestIntegrationForce gives a daemon a veth end that carries an IPv4
// address: the port is refused with what to do about it, and attached
// with `type packet force`, which the running configuration keeps.
func TestIntegrationForce(t *testing.T) {
	needRoot(t)
	router := fmt.Sprintf("govrf-f%d", os.Getpid())
	run(t, "ip", "netns", "add", router)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", router).Run() })
	run(t, "ip", "-n", router, "link", "add", "va", "type", "veth", "peer", "name", "vb")
	run(t, "ip", "-n", router, "addr", "add", "10.9.0.1/24", "dev", "va")
	socket, _, _ := startIn(t, router)

	r, err := api.Call(socket, strings.Fields("link add link va name p0 type packet"))
	want := `Error: cannot attach "va": interface carries IPv4 addresses (10.9.0.1/24), which the kernel would go on ` +
		`answering and routing for; remove them with "ip addr flush dev va", or attach it anyway with ` +
		`"govrf link add link va name p0 type packet force"` + "\n"
	if err != nil || r.Code != 2 || r.Stderr != want {
		t.Errorf("link add on an addressed interface = exit %d, %q, %v; want exit 2, %q", r.Code, r.Stderr, err, want)
	}
	if r, err := api.Call(socket, strings.Fields("link add link va name p0 type packet force")); err != nil || r.Code != 0 {
		t.Fatalf("link add ... type packet force = %+v, %v", r, err)
	}
	r, err = api.Call(socket, strings.Fields("show running-config"))
	if err != nil || !strings.Contains(r.Stdout, "link add link va name p0 address ") || !strings.Contains(r.Stdout, " type packet force\n") {
		t.Errorf("show running-config = %+v, %v; want p0 with force", r, err)
	}
	if got := run(t, "ip", "netns", "exec", router, "sysctl", "-n", "net.ipv4.conf.va.arp_ignore"); strings.TrimSpace(got) != "8" {
		t.Errorf("arp_ignore of the forced va = %s, want it quiesced (8)", got)
	}
}

// TestIntegrationPing joins a veth pair across two namespaces, gives one
// end to a daemon as packet port p0 with an address, and pings that
// address from the other end, whose kernel is the host.
func TestIntegrationPing(t *testing.T) {
	needRoot(t)
	router, host := fmt.Sprintf("govrf-r%d", os.Getpid()), fmt.Sprintf("govrf-h%d", os.Getpid())
	for _, ns := range []string{router, host} {
		run(t, "ip", "netns", "add", ns)
		t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	}
	run(t, "ip", "link", "add", "va", "netns", router, "type", "veth", "peer", "name", "vb", "netns", host)
	run(t, "ip", "-n", router, "link", "set", "va", "up")
	run(t, "ip", "-n", host, "link", "set", "vb", "up")
	run(t, "ip", "-n", host, "addr", "add", "10.9.0.2/24", "dev", "vb")

	socket, stderr, stop := startIn(t, router)
	for _, c := range []string{
		"link add link va name p0 type packet",
		"link set dev p0 up",
		"addr add 10.9.0.1/24 dev p0",
	} {
		if resp, err := api.Call(socket, strings.Fields(c)); err != nil || resp.Code != 0 {
			t.Fatalf("govrf %s = %+v, %v", c, resp, err)
		}
	}
	out, err := exec.Command("ip", "netns", "exec", host, "ping", "-c", "3", "-i", "0.2", "-w", "5", "10.9.0.1").CombinedOutput()
	if err != nil {
		t.Fatalf("ping 10.9.0.1 from the host: %v\n%s\ndaemon stderr:\n%s", err, out, stderr.String())
	}
	stop()
	// The packet port gave va back to the kernel as it found it.
	if got := run(t, "ip", "-n", router, "-o", "link", "show", "va"); strings.Contains(got, "PROMISC") {
		t.Errorf("va after the daemon stopped: %s, want it no longer promiscuous", got)
	}
	// The daemon's log told the port's life.
	for _, want := range []string{
		`msg="port attached" port=p0 device=va kind=packet`,
		`msg="interface has carrier" port=p0 device=va up=true carrier=true operstate=UP`,
		`msg="port closed; interface settings restored" port=p0 device=va`,
		`msg="govrfd stopped" ports_closed=1`,
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the daemon's log lacks %s; it is:\n%s", want, stderr.String())
		}
	}
}

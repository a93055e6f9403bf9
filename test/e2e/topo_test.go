package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/demo"
	"github.com/govrf/govrf/internal/hoststack"
	"github.com/govrf/govrf/internal/netnstest"
)

// site is one host of the seed topology and the router port facing it.
type site struct{ name, port, net string }

var sites = []site{{"A1", "ra1", "1"}, {"A2", "ra2", "2"}, {"B1", "rb1", "1"}, {"B2", "rb2", "2"}}

// seedConfig is the demo's router configuration, on packet ports over
// the router's veth ends.
func seedConfig() []string {
	return demo.Config(func(name string) string { return "link add link " + name + " name " + name + " type packet" })
}

// topo is a running seed topology.
type topo struct {
	t      *testing.T
	prefix string // of the namespaces' names, unique per topology
	dir    string // holds the socket and the configuration file
	sock   string
	conf   string
	// netnsDir names the host stacks' namespaces, private to the
	// topology so that daemons of other tests never meet.
	netnsDir string
	// privateMounts starts govrfd with `ip netns exec`, which gives it
	// a mount namespace of its own, rather than with nsenter.
	privateMounts bool
	args          []string // more govrfd flags
	daemon        *exec.Cmd
	exited        chan struct{}
}

var topoSeq atomic.Int32

// needRoot skips the test without root, unless CI=true, where it fails.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the end-to-end tests need root")
		}
		t.Skip("needs root")
	}
}

// newTopo builds the namespaces and veth pairs, starts govrfd in R and
// applies seedConfig. t.Cleanup stops the daemon and removes every
// namespace.
func newTopo(t *testing.T) *topo {
	t.Helper()
	return buildTopo(t, false)
}

// buildTopo is newTopo, with govrfd in a mount namespace of its own if
// privateMounts, and given args besides the topology's own flags.
func buildTopo(t *testing.T, privateMounts bool, args ...string) *topo {
	t.Helper()
	needRoot(t)
	dir := t.TempDir()
	tp := &topo{
		t:      t,
		prefix: fmt.Sprintf("gve%d-%d-", os.Getpid()%100000, topoSeq.Add(1)),
		dir:    dir,
		sock:   filepath.Join(dir, "govrf.sock"),
		conf:   filepath.Join(dir, "govrf.conf"),

		privateMounts: privateMounts,
		args:          args,
	}
	tp.netnsDir = filepath.Join(dir, "netns")
	t.Cleanup(func() { hoststack.ReleaseDir(tp.netnsDir) })
	for _, n := range []string{"R", "A1", "A2", "B1", "B2"} {
		tp.addNS(n)
	}
	for _, s := range sites {
		tp.addPort(s.name, s.port)
		tp.addHostAddrs(s.name, s.net)
	}
	tp.start()
	tp.configure(seedConfig()...)
	return tp
}

// ns returns the full name of namespace n.
func (tp *topo) ns(n string) string { return tp.prefix + n }

// addNS creates namespace n with lo up, removed when the test ends.
func (tp *topo) addNS(n string) {
	tp.t.Helper()
	name := tp.ns(n)
	tp.must("ip", "netns", "add", name)
	tp.t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	tp.must("ip", "-n", name, "link", "set", "lo", "up")
}

// addPort links host namespace host's eth0 to R's interface port.
func (tp *topo) addPort(host, port string) {
	tp.t.Helper()
	tp.must("ip", "-n", tp.ns("R"), "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", tp.ns(host))
	tp.must("ip", "-n", tp.ns("R"), "link", "set", port, "up")
	tp.must("ip", "-n", tp.ns(host), "link", "set", "eth0", "up")
}

// addHostAddrs numbers host's eth0 .10 in 192.168.net.0/24 and
// 2001:db8:net::/64, with default routes via .1 and ::1.
func (tp *topo) addHostAddrs(host, net string) {
	tp.t.Helper()
	n := tp.ns(host)
	tp.must("ip", "-n", n, "addr", "add", "192.168."+net+".10/24", "dev", "eth0")
	tp.must("ip", "-n", n, "-6", "addr", "add", "2001:db8:"+net+"::10/64", "dev", "eth0", "nodad")
	tp.must("ip", "-n", n, "route", "add", "default", "via", "192.168."+net+".1")
	tp.must("ip", "-n", n, "-6", "route", "add", "default", "via", "2001:db8:"+net+"::1")
}

// start runs govrfd in R on the topology's socket and configuration
// file and waits until it answers.
func (tp *topo) start() {
	tp.t.Helper()
	self, err := os.Executable()
	if err != nil {
		tp.t.Fatal(err)
	}
	// nsenter rather than `ip netns exec`: the daemon must share the
	// mount namespace, so that its host stacks' namespace files are
	// visible to `govrf vrf exec`.
	d := exec.Command("nsenter", "--net=/run/netns/"+tp.ns("R"), self)
	if tp.privateMounts {
		d = exec.Command("ip", "netns", "exec", tp.ns("R"), self)
	}
	d.Env = append(os.Environ(), demo.DaemonEnv+"=-socket "+tp.sock+" -config "+tp.conf+" -netns-dir "+tp.netnsDir+" "+strings.Join(tp.args, " "))
	d.Stdout, d.Stderr = os.Stderr, os.Stderr
	if err := d.Start(); err != nil {
		tp.t.Fatal(err)
	}
	tp.daemon, tp.exited = d, make(chan struct{})
	exited := tp.exited
	go func() { d.Wait(); close(exited) }()
	tp.t.Cleanup(func() { tp.stop() })
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := api.Call(tp.sock, []string{"vrf", "show"}); err == nil {
			return
		}
		select {
		case <-exited:
			tp.t.Fatalf("govrfd exited: %v", d.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			tp.t.Fatalf("govrfd did not answer on %s", tp.sock)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop sends govrfd SIGTERM and waits for it to exit, killing it after
// three seconds. It returns whether the daemon exited by itself. `ip
// netns exec` execs the command, so the signal reaches govrfd itself.
func (tp *topo) stop() bool {
	if tp.daemon == nil {
		return true
	}
	d, exited := tp.daemon, tp.exited
	tp.daemon = nil
	return netnstest.Stop(d.Process, exited)
}

// govrf runs one govrf command line on the daemon and returns its
// output; a refused command fails the test.
func (tp *topo) govrf(line string) string {
	tp.t.Helper()
	r, err := api.Call(tp.sock, strings.Fields(line))
	if err != nil {
		tp.t.Fatalf("govrf %s: %v", line, err)
	}
	if r.Code != 0 {
		tp.t.Fatalf("govrf %s: exit %d\n%s%s", line, r.Code, r.Stdout, r.Stderr)
	}
	return r.Stdout
}

// configure runs each line with govrf.
func (tp *topo) configure(lines ...string) {
	tp.t.Helper()
	for _, l := range lines {
		tp.govrf(l)
	}
}

// in returns a command running args in namespace host.
func (tp *topo) in(host string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", tp.ns(host)}, args...)...)
}

// must runs a command and fails the test if it fails.
func (tp *topo) must(args ...string) string {
	tp.t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		tp.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

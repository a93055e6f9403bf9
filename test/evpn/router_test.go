package evpn

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/hoststack"
	"github.com/govrf/govrf/internal/netnstest"
)

// router is govrfd as router R<n> of the lab: namespace R<n> holds its
// packet ports, the underlay's ul0 and the ports ra<n> and rb<n> to
// hosts A<n> and B<n> (192.168.<n>.0/24 and 2001:db8:<n>::/64, the same
// in both companies).
type router struct {
	lab      *lab
	n        int
	name     string // of its namespace
	sock     string
	conf     string
	netnsDir string // its host stacks' namespaces
	daemon   *exec.Cmd
	exited   chan struct{}
	log      netnstest.Buffer // what govrfd logged, across restarts
}

// addr is the router's underlay address: its VTEP and BGP router ID.
func (r *router) addr() string { return fmt.Sprintf("10.99.0.%d", r.n) }

// addRouter builds router n and its hosts, starts govrfd and applies
// routerConfig; t.Cleanup stops the daemon.
func (l *lab) addRouter(n int) *router {
	l.t.Helper()
	dir := l.t.TempDir()
	r := &router{lab: l, n: n, name: fmt.Sprintf("R%d", n),
		sock: filepath.Join(dir, "govrf.sock"), conf: filepath.Join(dir, "govrf.conf"),
		netnsDir: filepath.Join(dir, "netns")}
	l.t.Cleanup(func() { hoststack.ReleaseDir(r.netnsDir) })
	l.addNS(r.name)
	l.plug(r.name, "ul0")
	net := fmt.Sprint(n)
	for _, c := range companies {
		l.addHost(c.host+net, r.name, r.port(c), net)
	}
	r.start()
	r.configure(r.config()...)
	return r
}

// port is the name of the router's port to c's host.
func (r *router) port(c company) string { return fmt.Sprintf("r%s%d", c.vrf, r.n) }

// config is the router's configuration before EVPN: VRFs a (table 10)
// and b (table 20) with their hosts' ports, misses kept inside each VRF,
// and the underlay port in the default VRF.
func (r *router) config() []string {
	net := fmt.Sprint(r.n)
	lines := []string{
		"link add name a type vrf table 10", "link add name b type vrf table 20",
		"link set dev a up", "link set dev b up",
	}
	for _, c := range companies {
		p := r.port(c)
		lines = append(lines, "link add link "+p+" name "+p+" type packet",
			"link set dev "+p+" master "+c.vrf, "link set dev "+p+" up",
			"addr add 192.168."+net+".1/24 dev "+p, "addr add 2001:db8:"+net+"::1/64 dev "+p,
			"route add unreachable default metric 4278198272 vrf "+c.vrf,
			"-6 route add unreachable default metric 4278198272 vrf "+c.vrf)
	}
	return append(lines,
		"link add link ul0 name ul0 type packet", "link set dev ul0 up",
		"addr add "+r.addr()+"/24 dev ul0",
		"sysctl -w net.ipv4.ip_forward=1", "sysctl -w net.ipv6.conf.all.forwarding=1")
}

// vxlanConfig gives the router a VXLAN port per company, its L3VNI,
// with the router's underlay address as local VTEP, in the company's
// VRF.
func (r *router) vxlanConfig() []string {
	var lines []string
	for _, c := range companies {
		vx := fmt.Sprintf("vx%d", c.vni)
		lines = append(lines,
			fmt.Sprintf("link add name %s type vxlan id %d local %s dstport 4789 nolearning", vx, c.vni, r.addr()),
			"link set dev "+vx+" master "+c.vrf, "link set dev "+vx+" up")
	}
	return lines
}

// start runs govrfd in the router's namespace on its socket and
// configuration file and waits until it answers.
func (r *router) start() {
	t := r.lab.t
	t.Helper()
	d := exec.Command("nsenter", "--net=/run/netns/"+r.lab.ns(r.name), govrfd(t),
		"-socket", r.sock, "-config", r.conf, "-netns-dir", r.netnsDir)
	d.Stdout = os.Stderr
	d.Stderr = io.MultiWriter(os.Stderr, &r.log)
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	r.daemon, r.exited = d, make(chan struct{})
	exited := r.exited
	go func() { d.Wait(); close(exited) }()
	t.Cleanup(func() { r.stop() })
	r.lab.eventually(10*time.Second, r.name+"'s govrfd", func() string {
		select {
		case <-exited:
			t.Fatalf("%s's govrfd exited: %v", r.name, d.ProcessState)
		default:
		}
		if _, err := api.Call(r.sock, []string{"vrf", "show"}); err != nil {
			return err.Error()
		}
		return ""
	})
}

// stop sends govrfd SIGTERM and waits for it to exit, killing it after
// three seconds; it returns whether it exited by itself.
func (r *router) stop() bool {
	if r.daemon == nil {
		return true
	}
	d, exited := r.daemon, r.exited
	r.daemon = nil
	return netnstest.Stop(d.Process, exited)
}

// kill ends govrfd with SIGKILL, as a crash would.
func (r *router) kill() {
	if r.daemon == nil {
		return
	}
	d, exited := r.daemon, r.exited
	r.daemon = nil
	d.Process.Kill()
	<-exited
}

// try runs one govrf command line on the router's daemon.
func (r *router) try(line string) (api.Response, error) {
	return api.Call(r.sock, strings.Fields(line))
}

// govrf runs one govrf command line and returns its output; a refused
// command fails the test.
func (r *router) govrf(line string) string {
	r.lab.t.Helper()
	res, err := r.try(line)
	if err != nil {
		r.lab.t.Fatalf("%s: govrf %s: %v", r.name, line, err)
	}
	if res.Code != 0 {
		r.lab.t.Fatalf("%s: govrf %s: exit %d\n%s%s", r.name, line, res.Code, res.Stdout, res.Stderr)
	}
	return res.Stdout
}

// configure runs each line with govrf.
func (r *router) configure(lines ...string) {
	r.lab.t.Helper()
	for _, line := range lines {
		r.govrf(line)
	}
}

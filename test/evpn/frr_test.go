package evpn

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// company is one tenant: its VRF's name on every router, its L3VNI and
// the letter of its hosts' namespaces.
type company struct {
	vrf  string
	vni  int
	host string
}

// companies are the two tenants, with the same addresses.
var companies = []company{{"a", 100, "A"}, {"b", 200, "B"}}

// The FRR daemons and how they run: zebra with its netns VRF backend,
// since the kernel has no VRF driver, and bgpd; both as frr:frr with the
// datacenter defaults (short timers, no advertisement interval).
const (
	frrDir = "/usr/lib/frr"
	vtysh  = "vtysh"
)

// frrPeer is a BGP neighbour of an FRR site.
type frrPeer struct {
	addr string
	as   int
}

// frrSite is FRR as a router of the lab: namespace F<n> holds the
// underlay port ul0, 10.99.0.<n>/24, and the VXLAN sockets; each
// company's VRF is namespace F<n><vrf>, holding its VXLAN device (made
// in F<n>, so that its underlay stays there), the L3VNI's bridge
// br<vni> with the router MAC, and the port h<n> to host <letter><n>,
// 192.168.<n>.0/24 and 2001:db8:<n>::/64. This is FRR's EVPN with the
// netns VRF backend (zebra -n), as its bgp_evpn_rt5 topotest builds it.
// zebra -n adopts every namespace under /run/netns as a VRF, so the
// daemons run in a mount namespace of their own whose /run/netns holds
// only the site's VRFs, by their short names.
type frrSite struct {
	lab    *lab
	n      int
	as     int
	router string // the namespace of the default VRF
	dir    string // configuration, pid files, sockets, logs
}

// frrDirRE matches the names of the sites' directories in the temporary
// directory: evpn-frr-<pid>-..., where pid is the test process's.
var frrDirRE = regexp.MustCompile(`^evpn-frr-(\d+)-`)

// addr is the site's underlay address, its VTEP and BGP router ID.
func (s *frrSite) addr() string { return fmt.Sprintf("10.99.0.%d", s.n) }

// rmac is the router MAC of the site's VRF for c: its L3VNI bridge's.
func (s *frrSite) rmac(c company) string {
	return fmt.Sprintf("02:00:00:00:%02x:%02x", s.n, c.vni/100)
}

// rd is the route distinguisher of the site's VRF for c.
func (s *frrSite) rd(c company) string { return fmt.Sprintf("%s:%d", s.addr(), c.vni) }

// vrfNS is the lab name of the namespace of the site's VRF for c.
func (s *frrSite) vrfNS(c company) string { return fmt.Sprintf("F%d%s", s.n, c.vrf) }

// addFRR builds FRR site n with AS as, peering over EVPN with peers,
// and starts its daemons; t.Cleanup stops them.
func (l *lab) addFRR(n, as int, peers ...frrPeer) *frrSite {
	l.t.Helper()
	needTools(l.t, filepath.Join(frrDir, "zebra"), filepath.Join(frrDir, "bgpd"), vtysh, "unshare", "nsenter")
	s := &frrSite{lab: l, n: n, as: as, router: fmt.Sprintf("F%d", n)}
	l.addNS(s.router)
	l.plug(s.router, "ul0")
	l.must("ip", "-n", l.ns(s.router), "addr", "add", s.addr()+"/24", "dev", "ul0")
	for _, c := range companies {
		s.addVRF(c)
	}
	s.start(peers)
	return s
}

// addVRF makes the namespace of c's VRF with its L3VNI and its host.
func (s *frrSite) addVRF(c company) {
	l := s.lab
	v := s.vrfNS(c)
	l.addNS(v)
	l.must("ip", "netns", "exec", l.ns(v), "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1")
	vx, br := fmt.Sprintf("vx%d", c.vni), fmt.Sprintf("br%d", c.vni)
	l.must("ip", "-n", l.ns(s.router), "link", "add", vx, "type", "vxlan", "id", strconv.Itoa(c.vni),
		"local", s.addr(), "dev", "ul0", "dstport", "4789", "nolearning")
	l.must("ip", "-n", l.ns(s.router), "link", "set", vx, "netns", l.ns(v))
	l.must("ip", "-n", l.ns(v), "link", "add", br, "type", "bridge", "stp_state", "0")
	l.must("ip", "-n", l.ns(v), "link", "set", br, "addrgenmode", "none", "address", s.rmac(c))
	l.must("ip", "-n", l.ns(v), "link", "set", vx, "master", br, "addrgenmode", "none")
	l.must("ip", "-n", l.ns(v), "link", "set", vx, "type", "bridge_slave", "learning", "off", "neigh_suppress", "on")
	l.must("ip", "-n", l.ns(v), "link", "set", vx, "up")
	l.must("ip", "-n", l.ns(v), "link", "set", br, "up")
	port, net := fmt.Sprintf("h%d", s.n), strconv.Itoa(s.n)
	l.addHost(c.host+net, v, port, net)
	l.must("ip", "-n", l.ns(v), "addr", "add", "192.168."+net+".1/24", "dev", port)
	l.must("ip", "-n", l.ns(v), "-6", "addr", "add", "2001:db8:"+net+"::1/64", "dev", port, "nodad")
}

// zebraConf binds each VRF to its L3VNI.
func (s *frrSite) zebraConf() string {
	var b strings.Builder
	for _, c := range companies {
		fmt.Fprintf(&b, "vrf %s\n vni %d\nexit-vrf\n!\n", c.vrf, c.vni)
	}
	return b.String()
}

// bgpdConf peers with peers over l2vpn evpn only, and exports each
// VRF's connected prefixes as type-5 routes with RT 65000:<vni>.
func (s *frrSite) bgpdConf(peers []frrPeer) string {
	var b strings.Builder
	fmt.Fprintf(&b, "router bgp %d\n bgp router-id %s\n no bgp default ipv4-unicast\n no bgp ebgp-requires-policy\n", s.as, s.addr())
	for _, p := range peers {
		fmt.Fprintf(&b, " neighbor %s remote-as %d\n neighbor %s timers connect 2\n", p.addr, p.as, p.addr)
	}
	b.WriteString(" address-family l2vpn evpn\n")
	for _, p := range peers {
		fmt.Fprintf(&b, "  neighbor %s activate\n", p.addr)
	}
	b.WriteString("  advertise-all-vni\n exit-address-family\n!\n")
	for _, c := range companies {
		fmt.Fprintf(&b, "router bgp %d vrf %s\n bgp router-id %s\n", s.as, c.vrf, s.addr())
		for _, af := range []string{"ipv4", "ipv6"} {
			fmt.Fprintf(&b, " address-family %s unicast\n  redistribute connected\n exit-address-family\n", af)
		}
		fmt.Fprintf(&b, " address-family l2vpn evpn\n  rd %s\n  route-target import 65000:%d\n  route-target export 65000:%d\n",
			s.rd(c), c.vni, c.vni)
		b.WriteString("  advertise ipv4 unicast\n  advertise ipv6 unicast\n exit-address-family\n!\n")
	}
	return b.String()
}

// start writes the configuration and starts zebra, then bgpd, in a
// private mount namespace of the site's router namespace.
func (s *frrSite) start(peers []frrPeer) {
	l := s.lab
	l.t.Helper()
	u, err := user.Lookup("frr")
	if err != nil {
		l.t.Fatalf("the frr package's user: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	// Not t.TempDir: the daemons read it as frr.
	if s.dir, err = os.MkdirTemp("", fmt.Sprintf("evpn-frr-%d-", os.Getpid())); err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() { os.RemoveAll(s.dir) })
	l.t.Cleanup(s.stop)
	for name, text := range map[string]string{"zebra.conf": s.zebraConf(), "bgpd.conf": s.bgpdConf(peers)} {
		p := filepath.Join(s.dir, name)
		if err := os.WriteFile(p, []byte(text), 0o640); err != nil {
			l.t.Fatal(err)
		}
		os.Chown(p, uid, gid)
	}
	os.Chown(s.dir, uid, gid)
	os.Chmod(s.dir, 0o755)
	if out, err := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-ec", s.script()).CombinedOutput(); err != nil {
		l.t.Fatalf("starting FRR site %d: %v\n%s%s", s.n, err, out, s.logs())
	}
}

// script is the shell that starts the daemons: it keeps the site's
// namespaces at paths of its own, hides the host's /run/netns under a
// tmpfs, binds the VRFs' namespaces there by their VRF names and starts
// the daemons daemonized in the router namespace. zserv.api is the
// socket between them, <daemon>.vty their vtysh sockets.
func (s *frrSite) script() string {
	var b strings.Builder
	d := s.dir
	fmt.Fprintf(&b, "mkdir %s/ns\n", d)
	bind := func(from, to string) { fmt.Fprintf(&b, "touch %s\nmount --bind %s %s\n", to, from, to) }
	bind("/run/netns/"+s.lab.ns(s.router), d+"/ns/default")
	for _, c := range companies {
		bind("/run/netns/"+s.lab.ns(s.vrfNS(c)), d+"/ns/"+c.vrf)
	}
	b.WriteString("mount -t tmpfs -o mode=755 evpn-netns /run/netns\n")
	for _, c := range companies {
		bind(d+"/ns/"+c.vrf, "/run/netns/"+c.vrf)
	}
	common := fmt.Sprintf("-d -u frr -g frr -F datacenter --vty_socket %s -z %s/zserv.api", d, d)
	for _, daemon := range []string{"zebra", "bgpd"} {
		flags := ""
		if daemon == "zebra" {
			flags = " -n"
		}
		fmt.Fprintf(&b, "nsenter --net=%s/ns/default %s/%s%s %s -i %s/%s.pid -f %s/%s.conf --log file:%s/%s.log\n",
			d, frrDir, daemon, flags, common, d, daemon, d, daemon, d, daemon)
		if daemon == "zebra" {
			fmt.Fprintf(&b, "i=0; until [ -S %s/zserv.api ]; do i=$((i+1)); [ $i -lt 100 ] || exit 1; sleep 0.05; done\n", d)
		}
	}
	return b.String()
}

// stop kills the daemons by their pid files. SIGKILL, not SIGTERM:
// zebra and bgpd take seconds to shut down gracefully, and everything
// they would tidy lives in the site's namespaces, removed next.
func (s *frrSite) stop() {
	if s.lab.t.Failed() {
		s.lab.t.Logf("FRR site %d:\n%s", s.n, s.logs())
	}
	for _, daemon := range []string{"bgpd", "zebra"} {
		b, err := os.ReadFile(filepath.Join(s.dir, daemon+".pid"))
		if err != nil {
			continue
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 1 {
			killWait(pid)
		}
	}
}

// killWait kills pid and waits up to a second for it to be gone.
func killWait(pid int) {
	if syscall.Kill(pid, syscall.SIGKILL) != nil {
		return
	}
	for range 100 {
		if syscall.Kill(pid, 0) != nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// logs returns the last lines of the daemons' logs.
func (s *frrSite) logs() string {
	var b strings.Builder
	for _, daemon := range []string{"zebra", "bgpd"} {
		out, _ := exec.Command("tail", "-n", "20", filepath.Join(s.dir, daemon+".log")).CombinedOutput()
		fmt.Fprintf(&b, "--- %s.log\n%s", daemon, out)
	}
	return b.String()
}

// vtysh runs FRR commands on the site and returns their output.
func (s *frrSite) vtysh(cmds ...string) string {
	s.lab.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	args := []string{"--vty_socket", s.dir}
	for _, c := range cmds {
		args = append(args, "-c", c)
	}
	out, err := exec.CommandContext(ctx, vtysh, args...).CombinedOutput()
	if err != nil {
		s.lab.t.Fatalf("vtysh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// kernelRoute returns the route the site's kernel holds for prefix in
// c's VRF, "" if none.
func (s *frrSite) kernelRoute(c company, prefix string) string {
	fam := "-4"
	if strings.Contains(prefix, ":") {
		fam = "-6"
	}
	out, _ := exec.Command("ip", "-n", s.lab.ns(s.vrfNS(c)), fam, "route", "show", prefix).CombinedOutput()
	return strings.TrimSpace(string(out))
}

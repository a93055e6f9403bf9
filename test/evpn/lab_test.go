package evpn

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// labNS matches the names of the namespaces of labs: evp<pid>-<n>-<name>,
// where pid is the test process's.
var labNS = regexp.MustCompile(`^evp(\d+)-\d+-`)

// sweep removes what labs of test processes that died left, as a test
// binary killed by its -timeout does, which runs no cleanup: every
// process in their namespaces (govrfd, FRR's daemons, gobgpd), the
// namespaces, and the FRR sites' directories.
func sweep() {
	out, _ := exec.Command("ip", "netns", "list").Output()
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 || !stale(labNS.FindStringSubmatch(f[0])) {
			continue
		}
		pids, _ := exec.Command("ip", "netns", "pids", f[0]).Output()
		for _, p := range strings.Fields(string(pids)) {
			if pid, err := strconv.Atoi(p); err == nil {
				killWait(pid)
			}
		}
		exec.Command("ip", "netns", "del", f[0]).Run()
	}
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "evpn-frr-*"))
	for _, d := range dirs {
		if stale(frrDirRE.FindStringSubmatch(filepath.Base(d))) {
			os.RemoveAll(d)
		}
	}
}

// stale reports whether m, a match of labNS or frrDirRE, names a test
// process that is gone.
func stale(m []string) bool {
	if m == nil {
		return false
	}
	pid, err := strconv.Atoi(m[1])
	return err == nil && pid != os.Getpid() && syscall.Kill(pid, 0) == syscall.ESRCH
}

// lab is a set of network namespaces joined by one underlay segment:
// namespace UL holds the bridge sw0 that every router's underlay port
// hangs off, 10.99.0.0/24.
type lab struct {
	t      *testing.T
	prefix string // of the namespaces' names, unique per lab
}

var labSeq atomic.Int32

// needRoot skips the test without root, unless CI=true, where it fails.
func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the EVPN tests need root")
		}
		t.Skip("needs root")
	}
}

// needTools skips the test when a program it runs is missing, unless
// CI=true, where scripts/test.sh has installed them and it fails.
func needTools(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := exec.LookPath(p); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is missing: %v", p, err)
			}
			t.Skipf("%s is missing", p)
		}
	}
}

// newLab makes the underlay switch; t.Cleanup removes every namespace
// the lab made.
func newLab(t *testing.T) *lab {
	t.Helper()
	needRoot(t)
	l := &lab{t: t, prefix: fmt.Sprintf("evp%d-%d-", os.Getpid(), labSeq.Add(1))}
	l.addNS("UL")
	l.must("ip", "-n", l.ns("UL"), "link", "add", "sw0", "type", "bridge")
	l.must("ip", "-n", l.ns("UL"), "link", "set", "sw0", "up")
	return l
}

// ns returns the full name of namespace n.
func (l *lab) ns(n string) string { return l.prefix + n }

// addNS creates namespace n with lo up, removed when the test ends.
func (l *lab) addNS(n string) {
	l.t.Helper()
	name := l.ns(n)
	l.must("ip", "netns", "add", name)
	l.t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	l.must("ip", "-n", name, "link", "set", "lo", "up")
}

// plug links namespace n to the underlay switch by a veth whose end in
// n is called port, up but unnumbered, and returns the switch's end.
func (l *lab) plug(n, port string) string {
	l.t.Helper()
	sw := "ul-" + n
	l.must("ip", "-n", l.ns("UL"), "link", "add", sw, "type", "veth", "peer", "name", port, "netns", l.ns(n))
	l.must("ip", "-n", l.ns("UL"), "link", "set", sw, "master", "sw0", "up")
	l.must("ip", "-n", l.ns(n), "link", "set", port, "up")
	return sw
}

// addHost makes host namespace h, linked to port in namespace router,
// numbered .10 in 192.168.net.0/24 and 2001:db8:net::/64 with default
// routes via .1 and ::1, the router's side left to the caller.
func (l *lab) addHost(h, router, port, net string) {
	l.t.Helper()
	l.addNS(h)
	n := l.ns(h)
	l.must("ip", "-n", l.ns(router), "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", n)
	l.must("ip", "-n", l.ns(router), "link", "set", port, "up")
	l.must("ip", "-n", n, "link", "set", "eth0", "up")
	l.must("ip", "-n", n, "addr", "add", "192.168."+net+".10/24", "dev", "eth0")
	l.must("ip", "-n", n, "-6", "addr", "add", "2001:db8:"+net+"::10/64", "dev", "eth0", "nodad")
	l.must("ip", "-n", n, "route", "add", "default", "via", "192.168."+net+".1")
	l.must("ip", "-n", n, "-6", "route", "add", "default", "via", "2001:db8:"+net+"::1")
}

// in returns a command running args in namespace n.
func (l *lab) in(n string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", l.ns(n)}, args...)...)
}

// ping runs the system's ping in namespace host and returns its output
// and whether an answer came back.
func (l *lab) ping(host string, args ...string) (string, bool) {
	out, err := l.in(host, append([]string{"ping"}, args...)...).CombinedOutput()
	return string(out), err == nil
}

// mustPing fails the test unless host reaches dst within a few seconds:
// routes come with BGP, so the first echoes may find none.
func (l *lab) mustPing(host, dst string) {
	l.t.Helper()
	var out string
	for range 10 {
		var ok bool
		if out, ok = l.ping(host, "-c", "1", "-W", "1", dst); ok {
			return
		}
		time.Sleep(300 * time.Millisecond)
	}
	l.t.Fatalf("%s cannot reach %s:\n%s", host, dst, out)
}

// mustNotPing fails the test if host reaches dst.
func (l *lab) mustNotPing(host, dst string) {
	l.t.Helper()
	if out, ok := l.ping(host, "-c", "2", "-i", "0.2", "-W", "1", dst); ok {
		l.t.Fatalf("%s reaches %s, which it must not:\n%s", host, dst, out)
	}
}

// must runs a command and fails the test if it fails.
func (l *lab) must(args ...string) string {
	l.t.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		l.t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// eventually retries cond every 200 ms until it returns "" or d has
// passed, when it fails the test with cond's last answer.
func (l *lab) eventually(d time.Duration, what string, cond func() string) {
	l.t.Helper()
	deadline := time.Now().Add(d)
	for {
		msg := cond()
		if msg == "" {
			return
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("%s: not within %v: %s", what, d, msg)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

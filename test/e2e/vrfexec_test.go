package e2e

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/api"
)

// client returns a command running `govrf args...` from the root
// namespace against the topology's daemon, as a user would.
func (tp *topo) client(args ...string) *exec.Cmd {
	c := exec.Command(filepath.Join(binaries(tp.t), "govrf"), args...)
	c.Env = append(os.Environ(), "GOVRF_SOCKET="+tp.sock)
	return c
}

// exitCode returns the exit code err carries, 0 for nil.
func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestIntegrationVRFExec: `govrf vrf exec a -- ping` reaches A2 and not
// B2, `vrf exec b` B2 and not A2, in both families; the command's exit
// code comes through; identify and pids see the process; an unknown VRF
// gets ip's message and exit code.
func TestIntegrationVRFExec(t *testing.T) {
	tp := newTopo(t)
	tp.warm()
	for _, c := range []struct{ vrf, to, other string }{{"a", "A2", "B2"}, {"b", "B2", "A2"}} {
		to4, to6 := tp.echoCounts(c.to)
		other4, other6 := tp.echoCounts(c.other)
		for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
			out, err := tp.client("vrf", "exec", c.vrf, "--", "ping", "-c", "1", "-W", "2", dst).CombinedOutput()
			if err != nil {
				t.Fatalf("govrf vrf exec %s -- ping %s: %v\n%s", c.vrf, dst, err, out)
			}
		}
		n4, n6 := tp.echoCounts(c.to)
		o4, o6 := tp.echoCounts(c.other)
		if n4 != to4+1 || n6 != to6+1 || o4 != other4 || o6 != other6 {
			t.Errorf("vrf exec %s: %s got %d+%d echo requests, %s %d+%d; want 1+1 and 0+0",
				c.vrf, c.to, n4-to4, n6-to6, c.other, o4-other4, o6-other6)
		}
	}

	err := tp.client("vrf", "exec", "a", "--", "sh", "-c", "exit 3").Run()
	if code := exitCode(err); code != 3 {
		t.Errorf("vrf exec a -- sh -c 'exit 3': exit %d, want 3", code)
	}
	out, err := tp.client("vrf", "exec", "nosuch", "true").CombinedOutput()
	if code := exitCode(err); code != 255 || string(out) != "Invalid VRF name\n" {
		t.Errorf("vrf exec nosuch: exit %d, %q; want 255, \"Invalid VRF name\\n\"", code, out)
	}
	govrf := filepath.Join(binaries(t), "govrf")
	out, err = tp.client("vrf", "exec", "b", "--", govrf, "vrf", "identify").Output()
	if err != nil || string(out) != "b\n" {
		t.Errorf("vrf identify inside vrf exec b = %q, %v; want \"b\\n\"", out, err)
	}
	out, _ = tp.client("vrf", "identify").Output()
	if string(out) != "" {
		t.Errorf("vrf identify outside every VRF = %q, want nothing", out)
	}

	sleeper := tp.client("vrf", "exec", "a", "sleep", "30")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sleeper.Process.Kill(); sleeper.Wait() })
	want := ""
	for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		out, _ = tp.client("vrf", "pids", "a").Output()
		want = strings.TrimSpace(string(out))
		if strings.Contains(want, "sleep") {
			break
		}
	}
	if f := strings.Fields(want); len(f) != 2 || f[1] != "sleep" || f[0] != strconv.Itoa(sleeper.Process.Pid) {
		t.Errorf("vrf pids a = %q, want the sleeper, pid %d", want, sleeper.Process.Pid)
	}
}

// inNS runs f on a thread in namespace host. Sockets f opens stay in
// that namespace after it returns.
func (tp *topo) inNS(host string, f func()) {
	tp.t.Helper()
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with the goroutine
		fd, err := unix.Open("/run/netns/"+tp.ns(host), unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err == nil {
			err = unix.Setns(fd, unix.CLONE_NEWNET)
			unix.Close(fd)
		}
		if err == nil {
			f()
		}
		done <- err
	}()
	if err := <-done; err != nil {
		tp.t.Fatalf("entering %s: %v", host, err)
	}
}

// dial connects from host to addr over network ("tcp" or "udp").
func (tp *topo) dial(host, network, addr string) (net.Conn, error) {
	var c net.Conn
	var err error
	tp.inNS(host, func() { c, err = net.DialTimeout(network, addr, 2*time.Second) })
	return c, err
}

// TestIntegrationVRFService: a TCP server started with `vrf exec a`
// answers A1 and not B1, which gets a reset from VRF b's own stack, as
// a UDP datagram gets port unreachable; the server keeps serving while
// routes and VRFs elsewhere change.
func TestIntegrationVRFService(t *testing.T) {
	needTool(t, "nc")
	tp := newTopo(t)
	tp.warm()
	srv := tp.client("vrf", "exec", "a", "--", "nc", "-l", "-k", "5000")
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })

	var c net.Conn
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c, err = tp.dial("A1", "tcp", "192.168.1.1:5000"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("A1 → 192.168.1.1:5000 (nc under vrf exec a): %v", err)
	}
	if _, err := c.Write([]byte("hello from A1\n")); err != nil {
		t.Errorf("A1 writing to the server: %v", err)
	}

	if _, err := tp.dial("B1", "tcp", "192.168.1.1:5000"); !errors.Is(err, unix.ECONNREFUSED) {
		t.Errorf("B1 → 192.168.1.1:5000 in VRF b: %v, want connection refused (a reset)", err)
	}
	u, err := tp.dial("B1", "udp", "192.168.1.1:5001")
	if err != nil {
		t.Fatal(err)
	}
	u.Write([]byte("x"))
	u.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := u.Read(make([]byte, 16)); !errors.Is(err, unix.ECONNREFUSED) {
		t.Errorf("B1 UDP → 192.168.1.1:5001: %v, want connection refused (port unreachable)", err)
	}
	u.Close()

	// Changes elsewhere: a new VRF with a port-less table, routes in b.
	tp.configure("link add name d type vrf table 40", "link set dev d up",
		"route add 10.99.0.0/16 via 192.168.2.10 vrf b", "route del 10.99.0.0/16 vrf b", "link del dev d")
	if _, err := c.Write([]byte("still there\n")); err != nil {
		t.Errorf("A1's connection after changes elsewhere: %v", err)
	}
	c.Close()
	if c2, err := tp.dial("A1", "tcp", "192.168.1.1:5000"); err != nil {
		t.Errorf("A1 → 192.168.1.1:5000 after changes elsewhere: %v", err)
	} else {
		c2.Close()
	}
}

// TestIntegrationStackRemovedOutside: a host stack's namespace deleted
// from outside, as `ip netns del` does it, is noticed and made again:
// `vrf exec` works again within a few seconds, and never half-broken.
func TestIntegrationStackRemovedOutside(t *testing.T) {
	tp := newTopo(t)
	tp.warm()
	tp.govrf("vrf pids a") // a VRF's stack is made when first needed
	file := tp.netnsDir + "/govrf-a"
	if err := unix.Unmount(file, unix.MNT_DETACH); err != nil {
		t.Fatalf("unmounting %s: %v", file, err)
	}
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	var out []byte
	var err error
	for deadline := time.Now().Add(8 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		out, err = tp.client("vrf", "exec", "a", "--", "ping", "-c", "1", "-W", "1", "192.168.2.10").CombinedOutput()
		if err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("vrf exec a after its namespace was deleted: %v\n%s", err, out)
	}
}

// TestIntegrationStackCannotFollow: a change VRF a's host stack cannot
// follow — its namespace refuses IPv6 here — is made, and the user is
// told so as an error (exit 2) that names the stack, once: a later
// change elsewhere succeeds quietly. The daemon tries again, and the
// stack catches up once its kernel takes the change.
func TestIntegrationStackCannotFollow(t *testing.T) {
	tp := newTopo(t)
	tp.govrf("vrf pids a") // a VRF's stack is made when first needed
	sysctl := func(v string) {
		tp.must("nsenter", "--net="+tp.netnsDir+"/govrf-a", "sh", "-c", "echo "+v+" >/proc/sys/net/ipv6/conf/all/disable_ipv6")
	}
	sysctl("1")
	r, err := api.Call(tp.sock, strings.Fields("-6 addr add 2001:db8:9::1/64 dev ra1"))
	if err != nil {
		t.Fatal(err)
	}
	want := "Error: the change is made, but the host stack of a (`govrf vrf exec a`) cannot follow it; govrfd tries again every 2s:\n"
	refused := "\n    addr add 2001:db8:9::1/64 dev a: permission denied\n"
	if r.Code != 2 || !strings.HasPrefix(r.Stderr, want) || !strings.Contains(r.Stderr, refused) {
		t.Errorf("-6 addr add with a's stack refusing IPv6: exit %d, %q; want 2, %q, one line %q", r.Code, r.Stderr, want, refused)
	}
	if !strings.Contains(tp.govrf("-6 addr show dev ra1"), "2001:db8:9::1/64") {
		t.Errorf("the address is not made")
	}
	r, err = api.Call(tp.sock, strings.Fields("route add 10.99.0.0/16 via 192.168.2.10 vrf b"))
	if err != nil || r.Code != 0 || r.Stderr != "" {
		t.Errorf("a change elsewhere while a's stack still fails: %v, exit %d, %q; want 0 and nothing said", err, r.Code, r.Stderr)
	}
	sysctl("0")
	var out []byte
	for deadline := time.Now().Add(3 * stackCheckWait); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if out, _ = tp.client("vrf", "exec", "a", "--", "ip", "-6", "addr", "show").Output(); strings.Contains(string(out), "2001:db8:9::1/64") {
			return
		}
	}
	t.Errorf("a's stack has not caught up:\n%s", out)
}

// stackCheckWait is how often govrfd syncs its host stacks by itself.
const stackCheckWait = 2 * time.Second

// TestIntegrationVRFExecPrivateMounts: govrfd started with `ip netns
// exec`, in a mount namespace of its own where its host stacks'
// namespaces are bound out of the client's sight, still serves `govrf
// vrf exec` from outside: the daemon hands the namespace over the socket.
func TestIntegrationVRFExecPrivateMounts(t *testing.T) {
	tp := buildTopo(t, true)
	tp.warm()
	// Here the namespace files are plain empty files: the bind mounts
	// are in the daemon's mount namespace only.
	var st unix.Statfs_t
	if err := unix.Statfs(filepath.Join(tp.netnsDir, "govrf-a"), &st); err == nil && st.Type == unix.NSFS_MAGIC {
		t.Fatal("the daemon's namespace files are visible outside its mount namespace; the test proves nothing")
	}
	to4, _ := tp.echoCounts("A2")
	other4, _ := tp.echoCounts("B2")
	out, err := tp.client("vrf", "exec", "a", "--", "ping", "-c", "1", "-W", "2", "192.168.2.10").CombinedOutput()
	if err != nil {
		t.Fatalf("govrf vrf exec a -- ping 192.168.2.10, govrfd under ip netns exec: %v\n%s", err, out)
	}
	if n4, _ := tp.echoCounts("A2"); n4 != to4+1 {
		t.Errorf("A2 got %d echo requests, want 1", n4-to4)
	}
	if o4, _ := tp.echoCounts("B2"); o4 != other4 {
		t.Errorf("B2 got %d echo requests, want 0", o4-other4)
	}
	err = tp.client("vrf", "exec", "b", "--", "sh", "-c", "exit 3").Run()
	if code := exitCode(err); code != 3 {
		t.Errorf("vrf exec b -- sh -c 'exit 3': exit %d, want 3", code)
	}
}

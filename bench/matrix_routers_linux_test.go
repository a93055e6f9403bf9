package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// matrixRouter is one of BenchmarkMatrix's routers: the kernel, or
// govrfd in a fast path mode, each routing a topology of its own.
type matrixRouter struct {
	name  string // kernel, or the mode
	n     *fwdNet
	govrf string // the client, for govrfd
}

// newMatrixRouters builds the kernel's topology and one for each mode,
// their namespaces named gb<pid>-<tag>-<router>-, and waits until both
// families cross every router.
func newMatrixRouters(b *testing.B, govrf string, modes []string, tag string) []*matrixRouter {
	b.Helper()
	prefix := func(name string) string { return fmt.Sprintf("gb%d-%s-%s-", os.Getpid()%100000, tag, name) }
	kernel := &matrixRouter{name: "kernel", n: buildFwdNet(b, prefix("k"))}
	kernel.n.kernelRouter(b)
	routers := []*matrixRouter{kernel}
	for _, mode := range modes {
		r := &matrixRouter{name: mode, n: buildFwdNet(b, prefix(mode)), govrf: govrf}
		r.n.args = "-fastpath " + mode
		r.n.govrfRouter(b)
		routers = append(routers, r)
	}
	for _, r := range routers {
		r.n.serve(b)
		r.settle(b)
	}
	return routers
}

// load adds count IPv4 /24s via H2 to VRF a's table (table 10), the
// same for every router, and logs how long the router took.
func (r *matrixRouter) load(b *testing.B, count int) {
	b.Helper()
	format := "route add %s via 192.168.2.10 vrf a"
	if r.govrf == "" {
		format = "route add %s via 192.168.2.10 dev r2 table 10"
	}
	r.batch(b, fmt.Sprintf("%d routes", count), routeScript(b, count, format))
}

// grow takes the router from have VRFs to want: VRF a, which carries
// the traffic, and the extra VRFs v1 to v(want-1) on tables 1001 on,
// without ports, each with an unreachable default and a blackhole
// route per family. The kernel, without a VRF driver, gets the same
// tables and routes and no rule: Linux's l3mdev rule is one rule for
// every VRF, which finds a packet's table from its ingress device, so
// more VRFs lengthen no rule walk there.
func (r *matrixRouter) grow(b *testing.B, have, want int) {
	b.Helper()
	if want <= have {
		return
	}
	path := filepath.Join(b.TempDir(), "vrfs.batch")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := have; i < want; i++ {
		extraVRF(w, i, r.govrf != "")
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	r.batch(b, fmt.Sprintf("VRFs %d to %d", have+1, want), path)
}

// extraVRF writes the commands of extra VRF vI, on table 1000+I: for
// govrf, the VRF and its routes; for ip, its table's routes alone.
func extraVRF(w io.Writer, i int, govrf bool) {
	table, where := fmt.Sprint("table ", 1000+i), fmt.Sprint("vrf v", i)
	if govrf {
		fmt.Fprintf(w, "link add name v%d type vrf %s\nlink set dev v%[1]d up\n", i, table)
	} else {
		where = table
	}
	fmt.Fprintf(w, "route add unreachable 0.0.0.0/0 metric 4278198272 %s\n", where)
	fmt.Fprintf(w, "route add unreachable ::/0 metric 4278198272 %s\n", where)
	fmt.Fprintf(w, "route add blackhole 10.%d.%d.0/24 %s\n", i/256, i%256, where)
	fmt.Fprintf(w, "route add blackhole 2001:db8:100:%x::/64 %s\n", i, where)
}

// batch runs a batch file of commands in the router, `ip -batch` for
// the kernel, `govrf -batch` for govrfd, logs how long it took as what,
// and waits for the fast path to forward again.
func (r *matrixRouter) batch(b *testing.B, what, path string) {
	b.Helper()
	cmd := exec.Command("ip", "-n", r.n.ns("R"), "-batch", path)
	if r.govrf != "" {
		cmd = exec.Command(r.govrf, "-socket", r.n.socket, "-batch", path)
	}
	start := time.Now()
	if out, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("%s: %s: %v\n%s", r.name, what, err, out)
	}
	b.Logf("%s: %s in %.2f s", r.name, what, time.Since(start).Seconds())
	r.settle(b)
}

// settle waits, if govrfd runs a fast path, until the fast path
// forwards pings of both families from H1 to H2 again, after the
// compilation a change starts, for up to a minute; then it logs that
// it gave up.
func (r *matrixRouter) settle(b *testing.B) {
	b.Helper()
	if r.govrf == "" || r.name == "off" {
		return
	}
	start := time.Now()
	for time.Since(start) < time.Minute {
		before := r.n.fastRx(b)
		for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
			r.n.in("H1", "ping", "-q", "-c", "5", "-i", "0.01", "-W", "1", dst).Run()
		}
		// Twenty packets crossed the router, ten each way.
		if r.n.fastRx(b)-before >= 20 {
			b.Logf("%s: the fast path forwards, %.1f s after the change", r.name, time.Since(start).Seconds())
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	b.Logf("%s: the fast path did not forward all of 20 pings' packets within a minute", r.name)
}

package bench

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/netnstest"
	"github.com/govrf/govrf/internal/port/tap"
)

// tenantsArgs are more govrfd arguments for BenchmarkTenants's daemons.
var tenantsArgs = flag.String("tenants.args", "", "BenchmarkTenants's govrfd arguments beside the socket and the configuration (e.g. -fastpath tc)")

// tenantScript writes scripts/tenants.sh's batch file of n tenants, as
// a VPN concentrator has them: tenant i is VRF vI (table 1000+i) with TAP
// port tI, the address 10.(i/256).(i%256).1/24 and a default route to
// its client, .2.
func tenantScript(b *testing.B, n int) string {
	out, err := exec.Command("sh", "../scripts/tenants.sh", fmt.Sprint(n)).Output()
	if err != nil {
		b.Fatalf("scripts/tenants.sh %d: %v", n, err)
	}
	path := filepath.Join(b.TempDir(), fmt.Sprintf("tenants%d.batch", n))
	if err := os.WriteFile(path, out, 0o644); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkTenants configures 64 to 4,096 tenants (tenantScript) into a
// running govrfd through its socket with `govrf -batch`, each count in
// a daemon of its own, and reports the time (s, and µs per tenant) and
// govrfd's resident memory per tenant (KiB), and against the kernel
// making the tenants' TAP devices alone, without carrier (kernelTaps)
// and with it (carrierTaps). Three tenants, the first,
// a middle and the last, then get their TAP's kernel end moved into a
// namespace of their own as the client (.2) and must reach their VRF's
// address (.1) with ping. 4096-noipv6 is 4,096 tenants with the
// kernel's IPv6 off in the daemon's namespace: each TAP brought up
// there otherwise walks the namespace's whole IPv6 routing table
// (fib6_ifup), which the link-local and multicast routes of the TAPs
// before it fill. -tenants.args passes govrfd more arguments (-fastpath
// tc: the fast path runs, but on no port, TAP ports staying on the Go
// path).
func BenchmarkTenants(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root: network namespaces and TAP devices")
	}
	govrf, err := netnstest.Build(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		n      int
		noIPv6 bool
	}{{64, false}, {256, false}, {1024, false}, {4096, false}, {4096, true}} {
		n, name := c.n, fmt.Sprint(c.n)
		if c.noIPv6 {
			name += "-noipv6"
		}
		script := tenantScript(b, n)
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				net := newFwdNet(b, fmt.Sprintf("t%d", n))
				net.args = *tenantsArgs
				if c.noIPv6 {
					must(b, "ip", "netns", "exec", net.ns("R"), "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
				}
				net.startDaemon(b)
				rss0 := vmRSS(b, net.daemon.Pid)
				start := time.Now()
				if out, err := exec.Command(govrf, "-socket", net.socket, "-batch", script).CombinedOutput(); err != nil {
					b.Fatalf("govrf -batch of %d tenants: %v\n%s", n, err, out)
				}
				took := time.Since(start)
				time.Sleep(time.Second)
				b.ReportMetric(took.Seconds(), "s")
				b.ReportMetric(took.Seconds()*1e6/float64(n), "us/tenant")
				b.ReportMetric(float64(vmRSS(b, net.daemon.Pid)-rss0)/1024/float64(n), "rss-KiB/tenant")
				for _, i := range []int{0, n / 2, n - 1} {
					net.tenantClient(b, i)
				}
				kernel := kernelTaps(b, n, c.noIPv6)
				b.ReportMetric(kernel.Seconds(), "kernel-taps-s")
				b.ReportMetric(took.Seconds()/kernel.Seconds(), "govrf/kernel")
				carrier := carrierTaps(b, n, c.noIPv6)
				b.ReportMetric(carrier.Seconds(), "kernel-carrier-taps-s")
				b.ReportMetric(took.Seconds()/carrier.Seconds(), "govrf/kernel-carrier")
			}
		})
	}
}

// kernelTaps times `ip -batch` making n TAP devices and bringing them up
// in a fresh namespace, IPv6 off there if noIPv6: the kernel's own cost
// of the devices, which govrfd makes for its tenants' ports. A TAP no
// program holds has no carrier, so the kernel gives it no IPv6 routes
// here either way.
func kernelTaps(b *testing.B, n int, noIPv6 bool) time.Duration {
	b.Helper()
	var lines strings.Builder
	for i := range n {
		fmt.Fprintf(&lines, "tuntap add mode tap name t%d\nlink set dev t%[1]d up\n", i)
	}
	path := filepath.Join(b.TempDir(), "taps.batch")
	if err := os.WriteFile(path, []byte(lines.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	ns := fmt.Sprintf("gvbtaps%d", os.Getpid()%100000)
	must(b, "ip", "netns", "add", ns)
	defer exec.Command("ip", "netns", "del", ns).Run()
	if noIPv6 {
		must(b, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
	}
	start := time.Now()
	must(b, "ip", "-n", ns, "-batch", path)
	return time.Since(start)
}

// carrierTaps times making n TAP devices with carrier in a fresh
// namespace, IPv6 off there if noIPv6: each opened and brought up as a
// program that holds a TAP (a VPN daemon, govrfd) does, with the same
// ioctls govrfd's ports make, from a thread in that namespace. With
// carrier the kernel gives each device IPv6 routes as it comes up: the
// kernel's own cost of a concentrator's TAPs, whoever routes them.
func carrierTaps(b *testing.B, n int, noIPv6 bool) time.Duration {
	b.Helper()
	ns := fmt.Sprintf("gvbcarrier%d", os.Getpid()%100000)
	must(b, "ip", "netns", "add", ns)
	defer exec.Command("ip", "netns", "del", ns).Run()
	if noIPv6 {
		must(b, "ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1")
	}
	type result struct {
		took time.Duration
		err  error
	}
	done := make(chan result, 1)
	go func() {
		// The thread is never unlocked: it leaves the process with the
		// namespace it entered.
		runtime.LockOSThread()
		f, err := os.Open("/run/netns/" + ns)
		if err == nil {
			err = unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
			f.Close()
		}
		if err != nil {
			done <- result{err: err}
			return
		}
		start := time.Now()
		ports := make([]*tap.Port, 0, n)
		defer func() {
			for _, p := range ports {
				p.Close()
			}
		}()
		for i := range n {
			p, err := tap.Create(fmt.Sprintf("t%d", i), tap.Config{})
			if err != nil {
				done <- result{err: err}
				return
			}
			ports = append(ports, p)
		}
		done <- result{took: time.Since(start)}
	}()
	r := <-done
	if r.err != nil {
		b.Fatalf("TAP devices with carrier: %v", r.err)
	}
	return r.took
}

// tenantClient moves tenant i's TAP into a namespace of its own as the
// client, .2 in the tenant's /24, and pings the tenant's VRF at .1 from
// it.
func (n *fwdNet) tenantClient(b *testing.B, i int) {
	b.Helper()
	c := n.ns(fmt.Sprintf("C%d", i))
	must(b, "ip", "netns", "add", c)
	b.Cleanup(func() { exec.Command("ip", "netns", "del", c).Run() })
	dev := fmt.Sprintf("t%d", i)
	must(b, "ip", "-n", n.ns("R"), "link", "set", dev, "netns", c)
	must(b, "ip", "-n", c, "link", "set", dev, "up")
	net := fmt.Sprintf("10.%d.%d.", i/256, i%256)
	must(b, "ip", "-n", c, "addr", "add", net+"2/24", "dev", dev)
	if out, err := exec.Command("ip", "netns", "exec", c, "ping", "-c", "2", "-i", "0.2", "-W", "1", net+"1").CombinedOutput(); err != nil {
		b.Fatalf("tenant %d: ping %s1 from its client: %v\n%s", i, net, err, out)
	}
}

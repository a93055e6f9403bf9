package bench

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/netnstest"
)

// tenantScript writes a batch file of n tenants, as a VPN concentrator
// has them: tenant i is VRF vI (table 1000+i) with TAP port tI, the
// same address 10.0.0.1/24 in every tenant, and a default route to the
// client, 10.0.0.2.
func tenantScript(b *testing.B, n int) string {
	path := filepath.Join(b.TempDir(), fmt.Sprintf("tenants%d.batch", n))
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range n {
		fmt.Fprintf(w, "link add name v%d type vrf table %d\nlink set dev v%[1]d up\n", i, 1000+i)
		fmt.Fprintf(w, "link add name t%d type tap\nlink set dev t%[1]d master v%[1]d\nlink set dev t%[1]d up\n", i)
		fmt.Fprintf(w, "addr add 10.0.0.1/24 dev t%d\nroute add default via 10.0.0.2 vrf v%[1]d\n", i)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	f.Close()
	return path
}

// BenchmarkTenants configures 64 to 4,096 tenants (tenantScript) into a
// running govrfd through its socket with `govrf -batch`, each count in
// a daemon of its own, and reports the time (s, and µs per tenant) and
// govrfd's resident memory per tenant (KiB). Three tenants, the first,
// a middle and the last, then get their TAP's kernel end moved into a
// namespace of their own as a client (10.0.0.2) and must reach their
// VRF's address 10.0.0.1 with ping.
func BenchmarkTenants(b *testing.B) {
	if os.Geteuid() != 0 {
		b.Skip("needs root: network namespaces and TAP devices")
	}
	govrf, err := netnstest.Build(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{64, 256, 1024, 4096} {
		script := tenantScript(b, n)
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for b.Loop() {
				net := newFwdNet(b, fmt.Sprintf("t%d", n))
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
			}
		})
	}
}

// tenantClient moves tenant i's TAP into a namespace of its own as the
// client 10.0.0.2/24 and pings the tenant's VRF at 10.0.0.1 from it.
func (n *fwdNet) tenantClient(b *testing.B, i int) {
	b.Helper()
	c := n.ns(fmt.Sprintf("C%d", i))
	must(b, "ip", "netns", "add", c)
	b.Cleanup(func() { exec.Command("ip", "netns", "del", c).Run() })
	dev := fmt.Sprintf("t%d", i)
	must(b, "ip", "-n", n.ns("R"), "link", "set", dev, "netns", c)
	must(b, "ip", "-n", c, "link", "set", dev, "up")
	must(b, "ip", "-n", c, "addr", "add", "10.0.0.2/24", "dev", dev)
	if out, err := exec.Command("ip", "netns", "exec", c, "ping", "-c", "2", "-i", "0.2", "-W", "1", "10.0.0.1").CombinedOutput(); err != nil {
		b.Fatalf("tenant %d: ping 10.0.0.1 from its client: %v\n%s", i, err, out)
	}
}

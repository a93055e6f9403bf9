package bench

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
)

// loadScript writes a batch file that creates one port of the given kind
// and n IPv4 routes through it: the same commands for `ip -batch` and
// `govrf -batch` but for the kind (this machine's kernel has ifb, not
// dummy).
func loadScript(tb testing.TB, n int, kind string) string {
	path := filepath.Join(tb.TempDir(), kind+".batch")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintf(w, "link add d0 type %s\n", kind)
	fmt.Fprintln(w, "link set dev d0 up")
	fmt.Fprintln(w, "addr add 10.0.0.1/24 dev d0")
	r := rand.New(rand.NewPCG(7, 7))
	seen := make(map[netip.Prefix]bool, n)
	for len(seen) < n {
		x := r.Uint32()
		b := [4]byte{byte(x >> 24), byte(x >> 16), byte(x >> 8), 0}
		if b[0] == 10 || b[0] == 0 || b[0] == 127 || b[0] >= 224 {
			continue
		}
		p := netip.PrefixFrom(netip.AddrFrom4(b), 24)
		if seen[p] {
			continue
		}
		seen[p] = true
		fmt.Fprintf(w, "route add %s via 10.0.0.2 dev d0\n", p)
	}
	if err := w.Flush(); err != nil {
		tb.Fatal(err)
	}
	f.Close()
	return path
}

// rss returns the process's resident set size in bytes.
func rss() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// heap returns the live heap and the heap spans in use after a full
// collection, with freed memory returned to the OS so that RSS follows.
func heap() (live, inuse uint64) {
	runtime.GC()
	debug.FreeOSMemory()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc, m.HeapInuse
}

// BenchmarkBatchLoad1M loads 1,000,000 routes with `govrf -batch` and,
// as root, the same file with `ip -batch` into a fresh kernel namespace,
// reporting seconds for each, their ratio, and govrf's bytes per route.
// With -short the kernel side is left out.
func BenchmarkBatchLoad1M(b *testing.B) {
	const n = 1_000_000
	// The GOGC cmd/govrf runs -batch with (batchGCPercent there).
	defer debug.SetGCPercent(debug.SetGCPercent(300))
	script := loadScript(b, n, "dummy")
	kscript := loadScript(b, n, "ifb")
	for b.Loop() {
		a0, h0 := heap()
		r0 := rss()
		ctl := control.New()
		start := time.Now()
		if code := cli.Run(ctl, []string{"-batch", script}, io.Discard, os.Stderr); code != 0 {
			b.Fatalf("govrf -batch exit %d", code)
		}
		govrf := time.Since(start)
		a1, h1 := heap()
		r1 := rss()
		b.ReportMetric(govrf.Seconds(), "govrf-s")
		b.ReportMetric(float64(a1-a0)/n, "live-B/route")
		b.ReportMetric(float64(h1-h0)/n, "inuse-B/route")
		b.ReportMetric(float64(r1-r0)/n, "rss-B/route")
		runtime.KeepAlive(ctl)
		if os.Geteuid() != 0 || testing.Short() {
			continue
		}
		kernel := kernelLoad(b, kscript)
		b.ReportMetric(kernel.Seconds(), "ip-s")
		b.ReportMetric(govrf.Seconds()/kernel.Seconds(), "govrf/ip")
	}
}

// kernelLoad times `ip -batch` of script in a fresh namespace.
func kernelLoad(b *testing.B, script string) time.Duration {
	ns := fmt.Sprintf("govrfbench%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		b.Fatalf("ip netns add: %v: %s", err, out)
	}
	defer exec.Command("ip", "netns", "del", ns).Run()
	start := time.Now()
	if out, err := exec.Command("ip", "-n", ns, "-batch", script).CombinedOutput(); err != nil {
		b.Fatalf("ip -batch: %v: %s", err, out)
	}
	return time.Since(start)
}

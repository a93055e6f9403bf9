package bench

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fastpath"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

// BenchmarkFastpathVRFs measures a full compilation of BenchmarkMatrix's
// VRFs, VRF a with one port and the extra VRFs (extraVRF) up to 64,
// 1,024 and 4,096 in all: one fastpath.Compile (compile-s), the VRFs it
// compiled (vrfs) and, as root, one Apply into the kernel's maps
// (apply-s), during which govrfd's maps stay suspended after a change
// that needs a full compilation. With ports=one the extra VRFs hold no
// port, as in the matrix, and are not compiled; with ports=each each
// holds a port the fast path runs on (up to fastpath.MaxPorts of them,
// fake ifindexes: Apply does not look at the devices), so that Apply
// sets up to fastpath.MaxVRFs VRFs' tries.
func BenchmarkFastpathVRFs(b *testing.B) {
	for _, n := range []int{64, 1024, 4096} {
		for _, each := range []bool{false, true} {
			b.Run(fmt.Sprintf("%d/ports=%s", n, map[bool]string{false: "one", true: "each"}[each]), func(b *testing.B) {
				benchmarkFastpathVRFs(b, n, each)
			})
		}
	}
}

// benchmarkFastpathVRFs is BenchmarkFastpathVRFs with n VRFs, each with
// a port if each.
func benchmarkFastpathVRFs(b *testing.B, n int, each bool) {
	var script strings.Builder
	script.WriteString("link add d0 type dummy\nlink set dev d0 up\nlink add name a type vrf table 10\nlink set dev a up\n" +
		"link set dev d0 master a\naddr add 10.0.0.1/24 dev d0\nsysctl -w net.ipv4.ip_forward=1\n")
	for i := 1; i < n; i++ {
		extraVRF(&script, i, true)
		if each && i < fastpath.MaxPorts {
			fmt.Fprintf(&script, "link add p%d type dummy\nlink set dev p%[1]d master v%[1]d\nlink set dev p%[1]d up\n", i)
		}
	}
	path := filepath.Join(b.TempDir(), "vrfs.batch")
	if err := os.WriteFile(path, []byte(script.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	ctl := control.New()
	if code := cli.Run(ctl, []string{"-batch", path}, io.Discard, os.Stderr); code != 0 {
		b.Fatalf("govrf -batch exit %d", code)
	}
	s := ctl.Snapshot()
	ports := []fastpath.Port{d0Port(b, s)}
	for i := 1; each && i < min(n, fastpath.MaxPorts); i++ {
		l := s.LinkByName(fmt.Sprint("p", i))
		ports = append(ports, fastpath.Port{Link: l.Index, Ifindex: 1 + i, Slot: i, MAC: header.MAC(l.MAC), MTU: 1500,
			Neigh: neigh.New(neigh.Config{}, neigh.SystemClock{})})
	}
	p := rootPath(b)
	for b.Loop() {
		start := time.Now()
		c, err := fastpath.Compile(s, ports, fastpath.Monotonic())
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "compile-s")
		b.ReportMetric(float64(len(c.VRFs)), "vrfs")
		if p == nil {
			continue
		}
		start = time.Now()
		if err := p.Apply(c); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(start).Seconds(), "apply-s")
	}
}

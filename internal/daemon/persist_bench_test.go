package daemon

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/config"
	"github.com/govrf/govrf/internal/port/mem"
)

// BenchmarkCommit times one `route add` request with a table of 100k and
// of 1M routes, made durable as govrfd does (journal: an append and an
// fsync) and as it did before the journal (save: the whole script
// written, synced and renamed).
func BenchmarkCommit(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		d := benchDaemon(b, n)
		i := 0 // routes 0-4095 are added, then deleted, and again
		for _, mode := range []string{"journal", "save"} {
			b.Run(fmt.Sprintf("routes=%d/%s", n, mode), func(b *testing.B) {
				disk := d.disk
				if mode == "save" {
					d.disk = nil
					defer func() { d.disk = disk }()
				}
				for b.Loop() {
					argv := strings.Fields(fmt.Sprintf("route add 172.%d.%d.0/24 dev d0", 16+i>>8&15, i&255))
					if i >= 4096 {
						argv[1] = "del"
					}
					if r := d.handle(api.Request{Argv: argv}); r.Code != 0 {
						b.Fatalf("%s: %+v", argv, r)
					}
					if mode == "save" {
						if err := writeAtomic(d.cfg.ConfigFile, []byte(config.Script(d.ctl.Snapshot()))); err != nil {
							b.Fatal(err)
						}
					}
					i = (i + 1) % 8192
				}
			})
		}
		crash(d)
	}
}

// benchDaemon returns a daemon whose table main holds n routes.
func benchDaemon(b *testing.B, n int) *Daemon {
	dir := b.TempDir()
	cfg := Config{Socket: filepath.Join(dir, "govrf.sock"), ConfigFile: filepath.Join(dir, "govrf.conf")}
	f := &fakePorts{opened: map[string]*mem.Port{}}
	d, err := newDaemon(cfg, f.open)
	if err != nil {
		b.Fatal(err)
	}
	release := d.ctl.Hold()
	for _, line := range []string{"link add d0 type dummy", "link set dev d0 up", "addr add 10.255.0.1/16 dev d0"} {
		cli.Run(d.ctl, strings.Fields(line), io.Discard, io.Discard)
	}
	argv := []string{"route", "add", "", "via", "10.255.0.2"}
	for i := range n {
		argv[2] = fmt.Sprintf("%d.%d.%d.0/24", 11+i>>16, i>>8&255, i&255)
		if cli.Run(d.ctl, argv, io.Discard, io.Discard) != 0 {
			b.Fatalf("route %d", i)
		}
	}
	release()
	if err := d.save(); err != nil {
		b.Fatal(err)
	}
	return d
}

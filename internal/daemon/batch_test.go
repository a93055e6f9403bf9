package daemon

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/journal"
	"github.com/govrf/govrf/internal/port/mem"
)

// batchCall streams body as the file of `govrf ARGS` and returns the
// output, each chunk tagged with its stream ("1:" stdout, "2:" stderr) in
// the order it came, and the exit code.
func batchCall(t *testing.T, socket, args, body string) (string, int) {
	t.Helper()
	var out strings.Builder
	tag := func(r api.Response) {
		if r.Stdout != "" {
			out.WriteString("1:" + r.Stdout)
		}
		if r.Stderr != "" {
			out.WriteString("2:" + r.Stderr)
		}
	}
	last, bodyErr, err := api.CallBody(context.Background(), socket, strings.Fields(args), strings.NewReader(body), tag)
	if err != nil || bodyErr != nil {
		t.Fatalf("govrf %s: %v, %v", args, err, bodyErr)
	}
	tag(last)
	return out.String(), last.Code
}

// links reports which of names exist in d.
func links(d *Daemon, names ...string) string {
	var have []string
	for _, n := range names {
		if d.ctl.Snapshot().LinkByName(n) != nil {
			have = append(have, n)
		}
	}
	return strings.Join(have, " ")
}

// persisted returns the configuration file and its journal, as bytes
// that show which command lines they keep (TestBatchJournaled checks
// that a restart applies them).
func persisted(cfg Config) string {
	file, _ := os.ReadFile(cfg.ConfigFile)
	j, _ := os.ReadFile(journal.Path(cfg.ConfigFile))
	return string(file) + string(j)
}

const threeLines = "link add d0 type dummy\nlink show nosuch\nlink add d1 type dummy\n"

func TestBatchStopsAtFirstError(t *testing.T) {
	cfg := paths(t)
	d, _ := start(t, cfg, nil)
	out, code := batchCall(t, cfg.Socket, "-batch routes.txt", threeLines)
	if want := "2:Device \"nosuch\" does not exist.\n2:Command failed routes.txt:2\n"; code != 1 || out != want {
		t.Errorf("exit %d, output %q; want 1, %q", code, out, want)
	}
	if got := links(d, "d0", "d1"); got != "d0" {
		t.Errorf("links after the batch: %q, want d0 (applied before the failure) only", got)
	}
	if kept := persisted(cfg); !strings.Contains(kept, "link add d0 ") {
		t.Errorf("configuration file and journal after the batch:\n%s\nwant d0 kept", kept)
	}
}

func TestBatchForce(t *testing.T) {
	cfg := paths(t)
	d, _ := start(t, cfg, nil)
	out, code := batchCall(t, cfg.Socket, "-force -batch f", threeLines+"-br link show d1\n")
	want := "2:Device \"nosuch\" does not exist.\n2:Command failed f:2\n1:d1               DOWN           "
	if code != 1 || !strings.HasPrefix(out, want) {
		t.Errorf("exit %d, output %q; want 1, %q...", code, out, want)
	}
	if got := links(d, "d0", "d1"); got != "d0 d1" {
		t.Errorf("links after the batch: %q, want d0 d1", got)
	}
	// A line that ends ip's batch even with -force ends it here too.
	out, code = batchCall(t, cfg.Socket, "-force -batch f", "link add d2 type dummy\nlink set d2 mtu foo\nlink add d3 type dummy\n")
	if code != 255 || !strings.Contains(out, `Invalid "mtu" value`) || links(d, "d2", "d3") != "d2" {
		t.Errorf("garbage with -force: exit %d, output %q, links %q", code, out, links(d, "d2", "d3"))
	}
}

// TestBatchOutputOrder: standard output and errors come as offline govrf
// prints them, line after line.
func TestBatchOutputOrder(t *testing.T) {
	cfg := paths(t)
	start(t, cfg, nil)
	out, code := batchCall(t, cfg.Socket, "-force -batch f", "-br link show lo\nlink show nosuch\n-br addr show lo\n")
	want := "1:lo               UNKNOWN        00:00:00:00:00:00 <LOOPBACK,UP,LOWER_UP> \n" +
		"2:Device \"nosuch\" does not exist.\n2:Command failed f:2\n" +
		"1:lo               UNKNOWN        127.0.0.1/8 ::1/128 \n"
	if code != 1 || out != want {
		t.Errorf("exit %d, output\n%q\nwant\n%q", code, out, want)
	}
}

// publications counts the control plane's publications from now on.
func publications(c *control.Control) (count func() int, cancel func()) {
	var n int
	ch := make(chan struct{}, 1<<16)
	cancel = c.Subscribe(func(_, _ *control.Snapshot) { ch <- struct{}{} })
	return func() int {
		for {
			select {
			case <-ch:
				n++
			default:
				return n
			}
		}
	}, cancel
}

func TestBatchAtomic(t *testing.T) {
	cfg := paths(t)
	d, _ := start(t, cfg, nil)
	gen := d.ctl.Snapshot().Gen()
	out, code := batchCall(t, cfg.Socket, "-atomic -batch f", threeLines)
	if code != 1 || !strings.Contains(out, "Command failed f:2\n") || !strings.Contains(out, "Nothing was applied") {
		t.Errorf("a failing atomic batch: exit %d, output %q", code, out)
	}
	if links(d, "d0", "d1") != "" || d.ctl.Snapshot().Gen() != gen {
		t.Errorf("a failing atomic batch left links %q, generation %d (was %d)", links(d, "d0", "d1"), d.ctl.Snapshot().Gen(), gen)
	}
	if _, err := os.Stat(cfg.ConfigFile); err == nil {
		t.Errorf("a failing atomic batch wrote the configuration file")
	}

	count, cancel := publications(d.ctl)
	defer cancel()
	var body strings.Builder
	body.WriteString("link add d0 type dummy\nlink set d0 up\naddr add 10.0.0.1/24 dev d0\n")
	for i := range 500 {
		fmt.Fprintf(&body, "route add 10.%d.%d.0/24 via 10.0.0.2\n", 1+i>>8, i&255)
	}
	body.WriteString("-br link show d0\n")
	out, code = batchCall(t, cfg.Socket, "-atomic -batch f", body.String())
	if code != 0 || !strings.HasPrefix(out, "1:d0 ") {
		t.Errorf("an atomic batch: exit %d, output %q", code, out)
	}
	if n := count(); n != 1 {
		t.Errorf("an atomic batch made %d publications, want 1", n)
	}
	if kept := persisted(cfg); !strings.Contains(kept, "10.2.243.0/24") {
		t.Errorf("configuration file and journal after an atomic batch:\n%.400s\nwant its routes", kept)
	}
	if got := call(t, cfg.Socket, "route show 10.1.7.0/24", 0).Stdout; !strings.Contains(got, "via 10.0.0.2 dev d0") {
		t.Errorf("route show 10.1.7.0/24 after an atomic batch: %q", got)
	}
}

// TestBatchLivePublishes: a batch publishes far less often than once a
// line.
func TestBatchLivePublishes(t *testing.T) {
	cfg := paths(t)
	d, _ := start(t, cfg, nil)
	count, cancel := publications(d.ctl)
	defer cancel()
	var body strings.Builder
	body.WriteString("link add d0 type dummy\nlink set d0 up\naddr add 10.0.0.1/24 dev d0\n")
	for i := range 2000 {
		fmt.Fprintf(&body, "route add 10.%d.%d.0/24 via 10.0.0.2\n", 1+i>>8, i&255)
	}
	start := time.Now()
	if out, code := batchCall(t, cfg.Socket, "-batch f", body.String()); code != 0 || out != "" {
		t.Fatalf("exit %d, output %q", code, out)
	}
	limit := 2 + int(time.Since(start)/publishEvery)
	if n := count(); n < 1 || n > limit {
		t.Errorf("a 2003-line batch made %d publications, want 1 to %d", n, limit)
	}
}

// TestBatchPorts: the links of a batch get their ports once it is done,
// and a port that cannot be opened takes its link away, as for one
// command.
func TestBatchPorts(t *testing.T) {
	cfg := paths(t)
	f := &fakePorts{opened: map[string]*mem.Port{}}
	d, _ := start(t, cfg, f.open)
	out, code := batchCall(t, cfg.Socket, "-batch f", "link add link veth0 name p0 type packet\nlink add link eth9 name p9 type packet\n")
	if code != 2 || !strings.Contains(out, `Error: cannot attach "eth9"`) {
		t.Errorf("exit %d, output %q; want 2 and eth9 refused", code, out)
	}
	if f.get("veth0") == nil || links(d, "p0", "p9") != "p0" {
		t.Errorf("after the batch: port for veth0 %v, links %q; want it opened and p0 alone", f.get("veth0") != nil, links(d, "p0", "p9"))
	}
}

// TestBatchClientVanishes: lines applied before the client hung up stay
// applied and are saved.
func TestBatchClientVanishes(t *testing.T) {
	cfg := paths(t)
	d, _ := start(t, cfg, nil)
	conn, err := net.Dial("unix", cfg.Socket)
	if err != nil {
		t.Fatal(err)
	}
	line := "link add d0 type dummy\nlink add d1 t"
	fmt.Fprintf(conn, "{\"argv\":[\"-batch\",\"f\"],\"body\":true}\n%x\n%s", len(line), line)
	time.Sleep(100 * time.Millisecond)
	conn.Close()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		kept := persisted(cfg)
		if strings.Contains(kept, "link add d0 ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("d0 not kept 5s after the client hung up: links %q, file and journal:\n%s", links(d, "d0", "d1"), kept)
		}
	}
	if got := links(d, "d0", "d1"); got != "d0" {
		t.Errorf("links after the client hung up: %q, want d0", got)
	}
}

// TestPublishDue: every publishEvery at first, then every half of the
// time the batch has run.
func TestPublishDue(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	for _, tc := range []struct {
		last, now time.Duration
		want      bool
	}{
		{0, 50 * time.Millisecond, false},
		{0, 100 * time.Millisecond, true},
		{100 * time.Millisecond, 200 * time.Millisecond, true},
		{4 * time.Second, 6 * time.Second, false},
		{4 * time.Second, 8 * time.Second, true},
	} {
		if got := publishDue(t0, at(tc.last), at(tc.now)); got != tc.want {
			t.Errorf("publishDue(last %v, now %v) = %v, want %v", tc.last, tc.now, got, tc.want)
		}
	}
}

// TestBatchJournaled checks that a daemon started on the files of one
// that ran batches has exactly their applied lines, MACs of the links
// they made included: a live batch that stops at a failure keeps the
// lines before it, an -atomic batch that succeeds keeps all of them,
// and one that fails leaves nothing, not even in the journal's record
// of which links are new.
func TestBatchJournaled(t *testing.T) {
	cfg := paths(t)
	run, stop := start(t, cfg, nil)
	batchCall(t, cfg.Socket, "-batch live", "link add name red type vrf table 20\nlink add d0 type dummy\nlink set dev d0 master red up\nroute add 10.2.0.0/16 dev d0 vrf red\nlink show nosuch\nlink add d1 type dummy\n")
	if _, code := batchCall(t, cfg.Socket, "-atomic -batch all", "link add name green type vrf table 30\nlink add d2 type dummy\nlink set dev d2 master green\nlink add name blue type vrf table 10\n"); code != 0 {
		t.Fatalf("-atomic batch: exit %d", code)
	}
	if _, code := batchCall(t, cfg.Socket, "-atomic -batch none", "link add d3 type dummy\nlink add d4 type dummy\nlink show nosuch\n"); code == 0 {
		t.Fatal("-atomic batch with a failing line: exit 0")
	}
	call(t, cfg.Socket, "link add d5 type dummy", 0)
	before := views(t, run)
	stop()

	d := boot(t, cfg)
	same(t, d, before, "after the batches")
	if got := links(d, "red", "d0", "d1", "green", "d2", "blue", "d3", "d4", "d5"); got != "red d0 green d2 blue d5" {
		t.Errorf("links after a restart: %q, want red d0 green d2 blue d5", got)
	}
}

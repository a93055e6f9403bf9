package daemon

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/port"
	"github.com/govrf/govrf/internal/port/mem"
	"github.com/govrf/govrf/internal/port/packet"
)

// paths returns a socket and a configuration file in a fresh directory.
func paths(t *testing.T) Config {
	dir := t.TempDir()
	return Config{Socket: filepath.Join(dir, "run", "govrf.sock"), ConfigFile: filepath.Join(dir, "etc", "govrf.conf")}
}

// start runs a daemon on cfg until the returned stop is called (or the
// test ends).
func start(t *testing.T, cfg Config, open opener) (d *Daemon, stop func()) {
	t.Helper()
	d, err := newDaemon(cfg, open)
	if err != nil {
		t.Fatalf("New(%+v) = %v", cfg, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run = %v", err)
			}
			if _, err := os.Lstat(cfg.Socket); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("socket after Run: %v, want it removed", err)
			}
		})
	}
	t.Cleanup(stop)
	return d, stop
}

// call runs the command line cmd in the daemon and fails the test unless
// its exit code is want.
func call(t *testing.T, socket, cmd string, want int) api.Response {
	t.Helper()
	resp, err := api.Call(socket, strings.Fields(cmd))
	if err != nil || resp.Code != want {
		t.Fatalf("govrf %s = %+v, %v; want code %d", cmd, resp, err, want)
	}
	return resp
}

var setup = []string{
	"link add name blue type vrf table 10",
	"link set dev blue up",
	"link add d0 type dummy",
	"link set dev d0 master blue up",
	"addr add 10.1.1.2/24 dev d0",
	"route add default via 10.1.1.1 vrf blue",
	"rule add from 192.0.2.0/24 table 10 pref 100",
}

var shows = []string{
	"rule show",
	"route show table all",
	"link show",
	"-j addr show",
	"route get 10.9.9.9 vrf blue",
}

func TestPersistAndRestore(t *testing.T) {
	cfg := paths(t)
	_, stop := start(t, cfg, nil)
	for _, cmd := range setup {
		call(t, cfg.Socket, cmd, 0)
	}
	got := call(t, cfg.Socket, "route get 10.9.9.9 vrf blue", 0).Stdout
	if !strings.Contains(got, "via 10.1.1.1 dev d0 table 10") {
		t.Errorf("route get 10.9.9.9 vrf blue = %q, want it via 10.1.1.1 dev d0 table 10", got)
	}
	before := map[string]string{}
	for _, cmd := range shows {
		before[cmd] = call(t, cfg.Socket, cmd, 0).Stdout
	}
	stop()

	start(t, cfg, nil)
	for _, cmd := range shows {
		if after := call(t, cfg.Socket, cmd, 0).Stdout; after != before[cmd] {
			t.Errorf("govrf %s after restart:\n%s\nwant, as before:\n%s", cmd, after, before[cmd])
		}
	}
	file, err := os.ReadFile(cfg.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(file), "link add name blue ") {
		t.Errorf("configuration file:\n%s\nwant it to create blue", file)
	}
}

func TestCorruptConfigRefused(t *testing.T) {
	cfg := paths(t)
	script := "link add blue type vrf table 10\nlink set dev blue up\nroute add 10.0.0.0/8 dev nosuch\n"
	os.MkdirAll(filepath.Dir(cfg.ConfigFile), 0o755)
	if err := os.WriteFile(cfg.ConfigFile, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := New(cfg)
	if err == nil {
		d.ln.Close()
		t.Fatalf("New with a corrupt %s = nil error", cfg.ConfigFile)
	}
	if want := cfg.ConfigFile + ":3:"; !strings.Contains(err.Error(), want) {
		t.Errorf("New with a corrupt file = %v, want it to name %s", err, want)
	}
	if got, _ := os.ReadFile(cfg.ConfigFile); string(got) != script {
		t.Errorf("file after the failed New:\n%s\nwant it unchanged:\n%s", got, script)
	}
	if _, err := os.Lstat(cfg.Socket); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket after the failed New: %v, want none", err)
	}
}

// TestSaveIsAtomic reads the file while the daemon changes the state
// and rewrites it (save) and checks every read finds a complete script.
func TestSaveIsAtomic(t *testing.T) {
	cfg := paths(t)
	start(t, cfg, nil)
	call(t, cfg.Socket, "link add d0 type dummy", 0)
	call(t, cfg.Socket, "save", 0)
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(done)
		for i := range 100 {
			argv := []string{"addr", "add", fmt.Sprintf("10.0.0.%d/32", i+1), "dev", "d0"}
			if i%3 == 2 {
				argv = []string{"save"}
			}
			if resp, err := api.Call(cfg.Socket, argv); err != nil || resp.Code != 0 {
				t.Errorf("govrf %s = %+v, %v; want code 0", argv, resp, err)
				return
			}
		}
	})
	reads := 0
	for {
		select {
		case <-done:
			wg.Wait()
			if reads == 0 {
				t.Fatalf("no read of %s while it was rewritten", cfg.ConfigFile)
			}
			entries, _ := os.ReadDir(filepath.Dir(cfg.ConfigFile))
			if len(entries) != 2 || entries[0].Name() != "govrf.conf" || entries[1].Name() != "govrf.conf.journal" {
				t.Errorf("%s holds %v, want only the configuration and its journal", filepath.Dir(cfg.ConfigFile), entries)
			}
			return
		default:
		}
		b, err := os.ReadFile(cfg.ConfigFile)
		if err != nil {
			t.Fatalf("reading %s: %v", cfg.ConfigFile, err)
		}
		s := string(b)
		if !strings.HasSuffix(s, "\n") || !strings.Contains(s, "link add name d0 ") {
			t.Fatalf("partial configuration file:\n%s", s)
		}
		reads++
	}
}

func TestBatchRefused(t *testing.T) {
	cfg := paths(t)
	start(t, cfg, nil)
	resp := call(t, cfg.Socket, "-batch /etc/shadow", 1)
	if !strings.Contains(resp.Stderr, "-batch") {
		t.Errorf("govrf -batch in the daemon: stderr %q, want it to explain -batch runs offline", resp.Stderr)
	}
}

// TestPortForce: an interface with IPv4 addresses is refused with what
// to do about it, and `type packet force` attaches it anyway and
// persists.
func TestPortForce(t *testing.T) {
	cfg := paths(t)
	f := &fakePorts{opened: map[string]*mem.Port{}}
	start(t, cfg, f.open)

	resp := call(t, cfg.Socket, "link add link eth8 name p8 type packet", 2)
	for _, want := range []string{
		`Error: cannot attach "eth8": interface carries IPv4 addresses (192.0.2.1/24)`,
		`"ip addr flush dev eth8"`,
		`"govrf link add link eth8 name p8 type packet force"`,
	} {
		if !strings.Contains(resp.Stderr, want) {
			t.Errorf("adding a packet link on an addressed interface: stderr %q, want it to contain %q", resp.Stderr, want)
		}
	}
	call(t, cfg.Socket, "link add link eth8 name p8 type packet force", 0)
	if f.get("eth8") == nil {
		t.Errorf("no port opened for p8 with force")
	}
	want := "link add link eth8 name p8 address "
	out := call(t, cfg.Socket, "show running-config", 0).Stdout
	if !strings.Contains(out, want) || !strings.Contains(out, " type packet force\n") {
		t.Errorf("show running-config:\n%s\nwant p8 added with force", out)
	}
	call(t, cfg.Socket, "save", 0)
	if file, _ := os.ReadFile(cfg.ConfigFile); string(file) != out {
		t.Errorf("configuration file:\n%s\nwant the running config:\n%s", file, out)
	}
}

// fakePorts opens in-memory ports for every device but "eth9", which
// does not exist, and records what it opened.
type fakePorts struct {
	mu     sync.Mutex
	opened map[string]*mem.Port
}

// get returns the port opened for device, nil when none was.
func (f *fakePorts) get(device string) *mem.Port {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.opened[device]
}

func (f *fakePorts) open(k portKey) (port.Port, error) {
	if k.device == "eth9" {
		return nil, &os.SyscallError{Syscall: "open", Err: errors.New("no such network interface")}
	}
	if k.device == "eth8" && !k.force {
		return nil, &packet.AddressedError{Ifname: "eth8", Addrs: []netip.Prefix{netip.MustParsePrefix("192.0.2.1/24")}}
	}
	p, _ := mem.Pair(mem.Config{Name: k.device}, mem.Config{Name: k.device + "-peer"})
	f.mu.Lock()
	defer f.mu.Unlock()
	f.opened[k.device] = p
	return p, nil
}

func TestPorts(t *testing.T) {
	cfg := paths(t)
	f := &fakePorts{opened: map[string]*mem.Port{}}
	d, _ := start(t, cfg, f.open)

	resp := call(t, cfg.Socket, "link add link eth9 name p9 type packet", 2)
	if want := `Error: cannot attach "eth9": no such network interface`; !strings.Contains(resp.Stderr, want) {
		t.Errorf("adding a packet link on a missing interface: stderr %q, want %q", resp.Stderr, want)
	}
	if d.ctl.Snapshot().LinkByName("p9") != nil {
		t.Errorf("link p9 exists after its port failed to open")
	}
	if file, _ := os.ReadFile(cfg.ConfigFile); strings.Contains(string(file), "p9") {
		t.Errorf("configuration file names p9, whose port failed:\n%s", file)
	}

	call(t, cfg.Socket, "link add link veth0 name p0 type packet", 0)
	call(t, cfg.Socket, "link add t0 type tap", 0)
	if d.plane.Neighbors(d.ctl.Snapshot().LinkByName("p0").Index) == nil {
		t.Errorf("p0 has no port attached")
	}
	p0 := f.get("veth0")
	call(t, cfg.Socket, "link del dev p0", 0)
	if _, err := p0.Write([][]byte{make([]byte, 64)}, 0); !errors.Is(err, port.ErrClosed) {
		t.Errorf("Write on the port of deleted link p0 = %v, want ErrClosed", err)
	}
	if f.get("t0") == nil {
		t.Errorf("no port opened for tap t0")
	}
}

// TestSocketGroup: -group gives the socket to a group, by name or
// number, whose members the daemon then admits; an unknown group stops
// the daemon before it listens.
func TestSocketGroup(t *testing.T) {
	own := os.Getgid()
	other := own
	if os.Geteuid() == 0 {
		other = 65534 // root may give the socket to any group
	}
	for _, c := range []struct {
		group string
		gid   int
	}{{fmt.Sprint(other), other}, {"", own}} {
		group, gid := c.group, c.gid
		cfg := paths(t)
		cfg.Group = group
		d, stop := start(t, cfg, nil)
		fi, err := os.Stat(cfg.Socket)
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); int(st.Gid) != gid || fi.Mode().Perm() != 0o660 {
			t.Errorf("-group %q: socket gid %d mode %v, want %d and 0660", group, st.Gid, fi.Mode().Perm(), gid)
		}
		if d.pol.GID != uint32(gid) {
			t.Errorf("-group %q: policy admits group %d, want %d", group, d.pol.GID, gid)
		}
		stop()
	}
	cfg := paths(t)
	cfg.Group = "no-such-group-govrf"
	if _, err := newDaemon(cfg, nil); err == nil || !strings.Contains(err.Error(), "no-such-group-govrf") {
		t.Errorf("newDaemon with -group %s = %v, want an error naming it", cfg.Group, err)
	}
}

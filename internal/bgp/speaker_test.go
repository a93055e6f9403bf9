package bgp

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
)

// recorder is an Applier that runs the lines it is given on its control
// plane, as govrfd does, and keeps them as the routes, neighbour and
// forwarding entries they stand for.
type recorder struct {
	ctl   *control.Control
	mu    sync.Mutex
	lines []string
	state map[string]string // object key → its line
}

func (r *recorder) Apply(lines [][]string) []error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.state == nil {
		r.state = map[string]string{}
	}
	errs := make([]error, len(lines))
	for i, l := range lines {
		s := strings.Join(l, " ")
		var e strings.Builder
		if code := cli.Run(r.ctl, l, io.Discard, &e); code != 0 {
			errs[i] = fmt.Errorf("%s", e.String())
			continue
		}
		r.lines = append(r.lines, s)
		// The object is the words that name it: `route replace P vrf V`,
		// `neigh replace A ... dev D`, `bridge fdb replace M dev D`.
		switch {
		case l[0] == "route":
			key := "route " + l[2] + " " + l[4]
			if l[1] == "del" {
				delete(r.state, key)
			} else {
				r.state[key] = s
			}
		case l[0] == "neigh":
			dev := l[slices.Index(l, "dev")+1]
			key := "neigh " + l[2] + " " + dev
			if l[1] == "del" {
				delete(r.state, key)
			} else {
				r.state[key] = "neigh " + l[2] + " " + l[4] + " " + dev
			}
		case l[0] == "bridge":
			key := "fdb " + l[3] + " " + l[5]
			if l[2] == "del" {
				delete(r.state, key)
			} else {
				r.state[key] = "fdb " + l[3] + " " + l[5] + " " + l[7]
			}
		}
	}
	return errs
}

// installed returns the state's lines, sorted.
func (r *recorder) installed() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, s := range r.state {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// router is one side of a test: a control plane and its speaker.
type router struct {
	ctl    *control.Control
	rec    *recorder
	sp     *Speaker
	cancel context.CancelFunc
	done   chan struct{}
	addr   netip.Addr // the session address, on lo
	vtep   netip.Addr
	port   int32
}

func newRouter(t *testing.T, addr, vtep string, port int32, lines ...string) *router {
	t.Helper()
	ctl := control.New()
	r := &router{ctl: ctl, rec: &recorder{ctl: ctl}, addr: netip.MustParseAddr(addr), vtep: netip.MustParseAddr(vtep), port: port}
	r.run(t, lines...)
	r.start(t)
	return r
}

// run runs command lines on r's control plane.
func (r *router) run(t *testing.T, lines ...string) {
	t.Helper()
	for _, l := range lines {
		var e strings.Builder
		if code := cli.Run(r.ctl, strings.Fields(l), io.Discard, &e); code != 0 {
			t.Fatalf("govrf %s: exit %d: %s", l, code, e.String())
		}
	}
}

func (r *router) start(t *testing.T) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(&testWriter{t}, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	r.sp = New(Config{Applier: r.rec, Port: r.port, ListenAddrs: []string{r.addr.String()}, LocalAddr: r.addr,
		Logger: log})
	ctx, cancel := context.WithCancel(context.Background())
	r.cancel, r.done = cancel, make(chan struct{})
	stop := r.ctl.Subscribe(func(_, s *control.Snapshot) { r.sp.Update(s) })
	r.sp.Update(r.ctl.Snapshot())
	go func() {
		r.sp.Run(ctx)
		stop()
		close(r.done)
	}()
	t.Cleanup(r.stop)
}

func (r *router) stop() {
	r.cancel()
	<-r.done
}

// waitUp waits until r's GoBGP runs.
func (r *router) waitUp(t *testing.T) {
	t.Helper()
	eventually(t, "the speaker to start", func() bool {
		r.sp.mu.Lock()
		defer r.sp.mu.Unlock()
		return r.sp.view.up
	})
}

type testWriter struct{ t *testing.T }

func (w *testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// eventually waits up to 30 seconds for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// installs waits until r's recorder holds want exactly.
func (r *router) installs(t *testing.T, want ...string) {
	t.Helper()
	want = slices.Sorted(slices.Values(want))
	var got []string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got = r.rec.installed(); slices.Equal(got, want) {
			return
		}
	}
	t.Fatalf("installed:\n%s\nwant:\n%s\nlines applied:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"),
		strings.Join(r.rec.lines, "\n"))
}

// freePort returns a TCP port free on 127.0.0.1 and 127.0.0.2.
func freePort(t *testing.T) int32 {
	t.Helper()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l2, err := net.Listen("tcp", fmt.Sprintf("127.0.0.2:%d", port))
		l.Close()
		if err == nil {
			l2.Close()
			return int32(port)
		}
	}
	t.Skip("no port free on 127.0.0.1 and 127.0.0.2")
	return 0
}

// site is a VRF with a port holding prefix4 and prefix6, and its VXLAN
// port toward vtep.
func site(name, vni, table, vtep, prefix4, prefix6 string) []string {
	return []string{
		"link add name " + name + " type vrf table " + table,
		"link set dev " + name + " up",
		"link add name " + name + "1 type dummy",
		"link set dev " + name + "1 master " + name,
		"link set dev " + name + "1 up",
		"addr add " + prefix4 + " dev " + name + "1",
		"addr add " + prefix6 + " dev " + name + "1",
		"link add name vx" + vni + " type vxlan id " + vni + " local " + vtep + " dstport 4789 nolearning",
		"link set dev vx" + vni + " master " + name,
		"link set dev vx" + vni + " up",
	}
}

// TestSpeakers runs two routers, one here and one in a helper process
// (peer_test.go), whose speakers exchange the type-5 routes of their
// VRFs on loopback: exported from the tables, imported by route target,
// withdrawn with their prefix, not imported without a matching route
// target, resynchronised after a restart, and malformed routes ignored
// with the session up.
func TestSpeakers(t *testing.T) {
	port := freePort(t)
	r2 := newPeer(t, "127.0.0.2", "10.99.0.2", port, slices.Concat(
		site("a", "100", "10", "10.99.0.2", "192.168.2.1/24", "2001:db8:2::1/64"),
		site("b", "200", "20", "10.99.0.2", "192.168.2.1/24", "2001:db8:2::1/64"),
		[]string{
			"route add 10.20.0.0/16 vrf a via 192.168.2.9 dev a1 proto static",
			"bgp set as 65002 router-id 10.99.0.2",
			"bgp neighbor add 127.0.0.1 remote-as 65001",
			"bgp vrf add a vni 100 rd 65002:100 rt 65000:100",
			"bgp vrf add b vni 200 rd 65002:200 rt 65000:200",
			"start",
		})...)
	r1 := newRouter(t, "127.0.0.1", "10.99.0.1", port, slices.Concat(
		site("a", "100", "10", "10.99.0.1", "192.168.1.1/24", "2001:db8:1::1/64"),
		[]string{
			"bgp set as 65001 router-id 10.99.0.1",
			"bgp neighbor add 127.0.0.2 remote-as 65002",
			"bgp vrf add a vni 100 rd 65001:100 rt 65000:100",
		})...)
	mac1 := r1.ctl.Snapshot().LinkByName("vx100").MAC.String()
	mac2 := r2.do("mac vx100")[0]
	r2in := []string{
		"neigh 10.99.0.2 " + mac2 + " vx100",
		"neigh ::ffff:10.99.0.2 " + mac2 + " vx100",
		"fdb " + mac2 + " vx100 10.99.0.2",
		"route replace 192.168.2.0/24 vrf a via 10.99.0.2 dev vx100 onlink proto bgp metric 20",
		"route replace 2001:db8:2::/64 vrf a via ::ffff:10.99.0.2 dev vx100 onlink proto bgp metric 20",
	}
	// Connected routes only: R2's static route stays home, and VRF b's
	// routes carry a route target R1 does not import.
	r1.installs(t, r2in...)
	r2.installs(t,
		"neigh 10.99.0.1 "+mac1+" vx100",
		"neigh ::ffff:10.99.0.1 "+mac1+" vx100",
		"fdb "+mac1+" vx100 10.99.0.1",
		"route replace 192.168.1.0/24 vrf a via 10.99.0.1 dev vx100 onlink proto bgp metric 20",
		"route replace 2001:db8:1::/64 vrf a via ::ffff:10.99.0.1 dev vx100 onlink proto bgp metric 20",
	)
	if got := routes(t, r1.ctl, "a"); !slices.Contains(got, "192.168.2.0/24 via 10.99.0.2 dev vx100 proto bgp metric 20 onlink") {
		t.Errorf("route show vrf a on R1 = %q, want R2's subnet", got)
	}
	t.Run("show", func(t *testing.T) {
		eventually(t, "one session Established with 4 routes received, 2 accepted", func() bool {
			ns := r1.sp.Neighbors()
			return len(ns) == 1 && ns[0].State == "Established" && ns[0].Received == 4 && ns[0].Accepted == 2 && !ns[0].Since.IsZero()
		})
		want := []string{
			" 192.168.2.0/24 65002:200 10.99.0.2 200 true false",
			" 2001:db8:2::/64 65002:200 10.99.0.2 200 true false",
			"a 192.168.1.0/24 65001:100 10.99.0.1 100 true true",
			"a 192.168.2.0/24 65002:100 10.99.0.2 100 true false",
			"a 2001:db8:1::/64 65001:100 10.99.0.1 100 true true",
			"a 2001:db8:2::/64 65002:100 10.99.0.2 100 true false",
		}
		var got []string
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			got = got[:0]
			for _, p := range r1.sp.Paths() {
				got = append(got, fmt.Sprintf("%s %s %s %s %d %v %v", p.VRF, p.Prefix, p.RD, p.NextHop, p.VNI, p.Best, p.Local))
			}
			if slices.Equal(got, want) {
				break
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("Paths() =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})
	t.Run("advertise all", func(t *testing.T) {
		r2.do("bgp vrf del a")
		r2.do("bgp vrf add a vni 100 rd 65002:100 rt 65000:100 advertise all")
		r1.installs(t, append(slices.Clone(r2in),
			"route replace 10.20.0.0/16 vrf a via 10.99.0.2 dev vx100 onlink proto bgp metric 20")...)
	})
	t.Run("withdraw", func(t *testing.T) {
		r2.do("route del 10.20.0.0/16 vrf a")
		r2.do("addr del 2001:db8:2::1/64 dev a1")
		r1.installs(t, r2in[0], r2in[2], r2in[3])
	})
	t.Run("malformed", func(t *testing.T) {
		r2.do("inject")
		eventually(t, "R1 to receive the routes", func() bool {
			ns := r1.sp.Neighbors()
			return len(ns) == 1 && ns[0].Received == 5 // 3 routes of R2, and the 2 bad ones
		})
		r1.installs(t, r2in[0], r2in[2], r2in[3])
		if ns := r1.sp.Neighbors(); ns[0].State != "Established" {
			t.Errorf("session after malformed routes: %s, want Established", ns[0].State)
		}
	})
	t.Run("restart", func(t *testing.T) {
		r2.do("stop")
		r1.installs(t)
		r2.installs(t)
		r2.do("addr del 192.168.2.1/24 dev a1")
		r2.do("addr add 192.168.3.1/24 dev a1")
		r2.do("start")
		r1.installs(t, r2in[0], r2in[2],
			"route replace 192.168.3.0/24 vrf a via 10.99.0.2 dev vx100 onlink proto bgp metric 20")
	})
	t.Run("bgp del", func(t *testing.T) {
		r1.run(t, "bgp del")
		r1.installs(t)
		if got := routes(t, r1.ctl, "a"); slices.ContainsFunc(got, func(r string) bool { return strings.Contains(r, "proto bgp") }) {
			t.Errorf("route show vrf a after bgp del = %q, want no bgp route", got)
		}
	})
}

// routes returns `route show vrf VRF` for both families, a route a line.
func routes(t *testing.T, ctl *control.Control, vrf string) []string {
	var b strings.Builder
	cli.Run(ctl, []string{"route", "show", "vrf", vrf}, &b, io.Discard)
	cli.Run(ctl, []string{"-6", "route", "show", "vrf", vrf}, &b, io.Discard)
	var out []string
	for _, l := range strings.Split(b.String(), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// installs waits until the helper's recorder holds want exactly.
func (p *peer) installs(t *testing.T, want ...string) {
	t.Helper()
	want = slices.Sorted(slices.Values(want))
	var got []string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got = p.do("installed"); slices.Equal(got, want) {
			return
		}
	}
	t.Fatalf("R2 installed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
}

func cliRun(ctl *control.Control, words []string, stderr io.Writer) int {
	return cli.Run(ctl, words, io.Discard, stderr)
}

package demo

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/hoststack"
)

// DaemonEnv is the environment variable that makes the govrf binary run
// as govrfd (its value holds govrfd's arguments, space separated), so
// that the demo needs one binary: it starts itself in the router's
// namespace.
const DaemonEnv = "GOVRF_RUN_DAEMON"

// site is one of the seed scenario's four hosts.
type site struct{ name, port, net string }

var sites = []site{{"A1", "ra1", "1"}, {"A2", "ra2", "2"}, {"B1", "rb1", "1"}, {"B2", "rb2", "2"}}

// Namespaces tells the story with real hosts: network namespaces for the
// router R and the sites, veth pairs between them, govrfd in R attached
// to its ends with packet ports, and the system's ping. govrf is the
// govrf binary, which runs as govrfd (DaemonEnv) and as the client of
// `govrf vrf exec`. Everything it creates is removed when it returns,
// also when ctx is cancelled.
func Namespaces(ctx context.Context, w io.Writer, govrf string) (err error) {
	out := &lockedWriter{w: w} // commands copy their output concurrently
	s := &story{out: out}
	intro(out, true)
	pfx := fmt.Sprintf("gvd%d-", os.Getpid()%100000)
	ns := func(n string) string { return pfx + n }
	dir, err := os.MkdirTemp("", "govrf-demo")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	var cleanup []func()
	defer func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}()

	s.say("Build the network: router R and sites A1, A2, B1, B2 in namespaces (prefix %s)", pfx)
	for _, n := range []string{"R", "A1", "A2", "B1", "B2"} {
		if err := sh(out, "ip", "netns", "add", ns(n)); err != nil {
			return err
		}
		name := ns(n)
		cleanup = append(cleanup, func() { exec.Command("ip", "netns", "del", name).Run() })
		if err := sh(out, "ip", "-n", ns(n), "link", "set", "lo", "up"); err != nil {
			return err
		}
	}
	for _, h := range sites {
		steps := [][]string{
			{"ip", "-n", ns("R"), "link", "add", h.port, "type", "veth", "peer", "name", "eth0", "netns", ns(h.name)},
			{"ip", "-n", ns("R"), "link", "set", h.port, "up"},
			{"ip", "-n", ns(h.name), "link", "set", "eth0", "up"},
			{"ip", "-n", ns(h.name), "addr", "add", "192.168." + h.net + ".10/24", "dev", "eth0"},
			{"ip", "-n", ns(h.name), "-6", "addr", "add", "2001:db8:" + h.net + "::10/64", "dev", "eth0", "nodad"},
			{"ip", "-n", ns(h.name), "route", "add", "default", "via", "192.168." + h.net + ".1"},
			{"ip", "-n", ns(h.name), "-6", "route", "add", "default", "via", "2001:db8:" + h.net + "::1"},
		}
		for _, c := range steps {
			if err := sh(out, c...); err != nil {
				return err
			}
		}
	}

	s.say("Start govrfd in R")
	sock := filepath.Join(dir, "govrf.sock")
	dargs := "-socket " + sock + " -config " + filepath.Join(dir, "govrf.conf") + " -netns-dir " + filepath.Join(dir, "netns")
	// The daemon's log would interleave with the story: it goes to a
	// file, shown only if the daemon does not come up.
	logPath := filepath.Join(dir, "govrfd.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logf.Close()
	fmt.Fprintf(out, "$ nsenter --net=/run/netns/%s govrfd %s 2>%s &\n", ns("R"), dargs, logPath)
	d := exec.CommandContext(ctx, "nsenter", "--net=/run/netns/"+ns("R"), govrf)
	d.Env = append(os.Environ(), DaemonEnv+"="+dargs)
	d.Stdout, d.Stderr = logf, logf
	if err := d.Start(); err != nil {
		return err
	}
	cleanup = append(cleanup, func() {
		defer hoststack.ReleaseDir(filepath.Join(dir, "netns"))
		d.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { d.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			d.Process.Kill()
			<-done
		}
	})
	if err := waitSocket(ctx, sock); err != nil {
		if log, rerr := os.ReadFile(logPath); rerr == nil {
			out.Write(log)
		}
		return err
	}
	fmt.Fprintf(out, "govrfd listening on %s; the govrf commands below talk to it (GOVRF_SOCKET=%s)\n", sock, sock)

	s.say("Configure R: VRF a for company A, VRF b for company B, each port a packet port on R's end of a veth")
	for _, line := range Config(func(name string) string { return "link add link " + name + " name " + name + " type packet" }) {
		s.cmd(line)
		r, err := api.Call(sock, strings.Fields(line))
		if err != nil {
			return err
		}
		fmt.Fprint(out, r.Stdout, r.Stderr)
		if r.Code != 0 {
			return fmt.Errorf("govrf %s: exit %d", line, r.Code)
		}
	}

	s.say("Each company pings across with the system's ping, the same addresses on both sides")
	for _, p := range []struct{ from, to, other, dst string }{
		{"A1", "A2", "B2", "192.168.2.10"}, {"B1", "B2", "A2", "192.168.2.10"},
		{"A1", "A2", "B2", "2001:db8:2::10"}, {"B1", "B2", "A2", "2001:db8:2::10"},
	} {
		if ctx.Err() != nil {
			return ctx.Err() // interrupted: the deferred clean-up still runs
		}
		before, toBefore := echoRequests(ns(p.other)), echoRequests(ns(p.to))
		if err := sh(out, "ip", "netns", "exec", ns(p.from), "ping", "-c", "3", "-i", "0.2", "-W", "2", p.dst); err != nil {
			return fmt.Errorf("%s could not reach %s: %w", p.from, p.to, err)
		}
		after, toAfter := echoRequests(ns(p.other)), echoRequests(ns(p.to))
		fmt.Fprintf(out, "echo requests received (InEchos + Icmp6InEchos): %s %d -> %d, %s %d -> %d\n",
			p.to, toBefore, toAfter, p.other, before, after)
		if got := after - before; got != 0 {
			return fmt.Errorf("%s received %d echo requests while %s pinged %s", p.other, got, p.from, p.to)
		}
		fmt.Fprintf(out, "%s reached %s; %s received nothing of it\n", p.from, p.to, p.other)
	}

	s.say("Run a program inside VRF a on R, as ip vrf exec does on Linux: govrf vrf exec")
	before := echoRequests(ns("B2"))
	fmt.Fprintln(out, "$ govrf vrf exec a -- ping -c 2 192.168.2.10")
	c := exec.CommandContext(ctx, govrf, "vrf", "exec", "a", "--", "ping", "-c", "2", "-i", "0.2", "-W", "2", "192.168.2.10")
	c.Env = append(os.Environ(), "GOVRF_SOCKET="+sock)
	c.Stdout, c.Stderr = out, out
	if err := c.Run(); err != nil {
		return fmt.Errorf("ping inside VRF a: %w", err)
	}
	if got := echoRequests(ns("B2")) - before; got != 0 {
		return fmt.Errorf("B2 received %d echo requests from VRF a's host stack", got)
	}
	fmt.Fprintf(out, "echo requests received by B2: %d -> %d\n", before, echoRequests(ns("B2")))
	fmt.Fprintln(out, "R's own ping in VRF a reached A2; B2 received nothing of it")

	s.say("What R says")
	for _, line := range []string{"vrf show", "route show vrf a", "route get 192.168.2.10 vrf b", "neigh show vrf a", "neigh show vrf b", "-s link show dev ra2", "-s link show dev rb2"} {
		s.cmd(line)
		r, err := api.Call(sock, strings.Fields(line))
		if err != nil {
			return err
		}
		fmt.Fprint(out, r.Stdout, r.Stderr)
	}
	s.say("Clean up")
	return nil
}

// lockedWriter serialises writes from several goroutines.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// sh prints a command line and runs it, sending its output to out.
func sh(out io.Writer, args ...string) error {
	fmt.Fprintf(out, "$ %s\n", strings.Join(args, " "))
	c := exec.Command(args[0], args[1:]...)
	c.Stdout, c.Stderr = out, out
	if err := c.Run(); err != nil {
		return fmt.Errorf("%s: %w", strings.Join(args, " "), err)
	}
	return nil
}

// echoRequests returns how many ICMP and ICMPv6 echo requests the
// kernel of namespace n has received (InEchos in /proc/net/snmp and
// Icmp6InEchos in /proc/net/snmp6, both per namespace).
func echoRequests(n string) int {
	total := 0
	b, _ := exec.Command("ip", "netns", "exec", n, "cat", "/proc/net/snmp", "/proc/net/snmp6").Output()
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		f := strings.Fields(l)
		switch {
		case len(f) == 2 && f[0] == "Icmp6InEchos":
			total += atoi(f[1])
		case len(f) > 1 && f[0] == "Icmp:" && i+1 < len(lines):
			v := strings.Fields(lines[i+1])
			for j, name := range f {
				if name == "InEchos" && j < len(v) && v[0] == "Icmp:" {
					total += atoi(v[j])
				}
			}
		}
	}
	return total
}

func atoi(s string) int {
	var v int
	fmt.Sscan(s, &v)
	return v
}

// waitSocket waits until the daemon answers on its socket.
func waitSocket(ctx context.Context, sock string) error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := api.Call(sock, []string{"vrf", "show"}); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("govrfd did not answer on %s", sock)
}

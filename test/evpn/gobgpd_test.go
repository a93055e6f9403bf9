package evpn

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// reflector is gobgpd, from Debian's gobgpd package, as an iBGP route
// reflector for l2vpn-evpn in namespace RR, 10.99.0.10/24 on the
// underlay; its gRPC API listens on the namespace's own loopback, where
// the gobgp command asks it.
type reflector struct {
	lab *lab
	as  int
	cmd *exec.Cmd
	log string
}

// reflectorAddr is the route reflector's underlay address and router ID.
const reflectorAddr = "10.99.0.10"

// reflectorConf is the TOML configuration of a route reflector in AS as
// with clients, over l2vpn-evpn only.
func reflectorConf(as int, clients []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[global.config]\n  as = %d\n  router-id = %q\n\n", as, reflectorAddr)
	for _, c := range clients {
		fmt.Fprintf(&b, "[[neighbors]]\n  [neighbors.config]\n    neighbor-address = %q\n    peer-as = %d\n", c, as)
		fmt.Fprintf(&b, "  [neighbors.timers.config]\n    connect-retry = 2\n    hold-time = 9\n    keepalive-interval = 3\n")
		fmt.Fprintf(&b, "  [neighbors.route-reflector.config]\n    route-reflector-client = true\n    route-reflector-cluster-id = %q\n", reflectorAddr)
		fmt.Fprintf(&b, "  [[neighbors.afi-safis]]\n    [neighbors.afi-safis.config]\n      afi-safi-name = \"l2vpn-evpn\"\n\n")
	}
	return b.String()
}

// addReflector starts gobgpd in AS as, reflecting between clients;
// t.Cleanup stops it.
func (l *lab) addReflector(as int, clients ...string) *reflector {
	l.t.Helper()
	needTools(l.t, "gobgpd", "gobgp")
	l.addNS("RR")
	l.plug("RR", "ul0")
	l.must("ip", "-n", l.ns("RR"), "addr", "add", reflectorAddr+"/24", "dev", "ul0")
	dir := l.t.TempDir()
	conf := filepath.Join(dir, "gobgpd.toml")
	if err := os.WriteFile(conf, []byte(reflectorConf(as, clients)), 0o600); err != nil {
		l.t.Fatal(err)
	}
	r := &reflector{lab: l, as: as, log: filepath.Join(dir, "gobgpd.log")}
	logf, err := os.Create(r.log)
	if err != nil {
		l.t.Fatal(err)
	}
	defer logf.Close()
	r.cmd = l.in("RR", "gobgpd", "-f", conf, "-p", "--api-hosts", "127.0.0.1:50051", "--pprof-disable")
	r.cmd.Stdout, r.cmd.Stderr = logf, logf
	if err := r.cmd.Start(); err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() {
		if l.t.Failed() {
			out, _ := exec.Command("tail", "-n", "20", r.log).CombinedOutput()
			l.t.Logf("gobgpd:\n%s", out)
		}
		r.cmd.Process.Kill()
		r.cmd.Wait()
	})
	l.eventually(5*time.Second, "gobgpd's API", func() string {
		if _, err := r.try("global"); err != nil {
			return err.Error()
		}
		return ""
	})
	return r
}

// gobgp runs the gobgp command against the reflector and returns its
// output; a failure fails the test.
func (r *reflector) gobgp(args ...string) string {
	r.lab.t.Helper()
	out, err := r.try(args...)
	if err != nil {
		r.lab.t.Fatal(err)
	}
	return out
}

// try runs the gobgp command against the reflector.
func (r *reflector) try(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", r.lab.ns("RR"), "gobgp", "-u", "127.0.0.1", "-p", "50051"}, args...)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("gobgp %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

package bgp

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/control"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// The second router of a test runs in a process of its own: GoBGP keeps
// settings in package variables that every server of a process writes
// when it starts and reads as it works (table.SelectionOptions,
// table.UseMultiplePaths), so two servers in one process race, as the
// race detector sees. The child is this test binary, running
// TestHelperRouter, driven one line at a time on its standard input:
// a govrf command line, or one of start, stop, up, installed, mac DEV
// and inject. Each answer ends with "> ." (or "> ! ERROR").

const helperEnv = "GOVRF_BGP_HELPER" // "ADDR VTEP PORT"

// TestHelperRouter is the child's side; it does nothing in a test run.
func TestHelperRouter(t *testing.T) {
	spec := os.Getenv(helperEnv)
	if spec == "" {
		t.Skip("runs as a helper process only")
	}
	var addr, vtep string
	var port int32
	fmt.Sscan(spec, &addr, &vtep, &port)
	ctl := control.New()
	r := &router{ctl: ctl, rec: &recorder{ctl: ctl}, addr: netip.MustParseAddr(addr), vtep: netip.MustParseAddr(vtep), port: port}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		words := strings.Fields(in.Text())
		var err error
		switch {
		case len(words) == 0:
		case words[0] == "start":
			r.start(t)
		case words[0] == "stop":
			r.stop()
		case words[0] == "up":
			r.waitUp(t)
		case words[0] == "installed":
			for _, l := range r.rec.installed() {
				fmt.Println(">", l)
			}
		case words[0] == "mac":
			fmt.Println(">", r.ctl.Snapshot().LinkByName(words[1]).MAC)
		case words[0] == "inject":
			err = r.inject()
		default:
			var e strings.Builder
			if code := cliRun(r.ctl, words, &e); code != 0 {
				err = fmt.Errorf("exit %d: %s", code, strings.TrimSpace(e.String()))
			}
		}
		if err != nil {
			fmt.Println("> !", err)
		} else {
			fmt.Println("> .")
		}
	}
}

// inject originates what govrf must ignore: a type-5 route without a
// router MAC, and a MAC/IP route.
func (r *router) inject() error {
	bad := Route{Prefix: netip.MustParsePrefix("192.168.7.0/24"), RD: tag("65002:100"), RTs: []control.BGPTag{tag("65000:100")},
		VNI: 100, NextHop: r.vtep}
	p, err := encode(&bad)
	if err != nil {
		return err
	}
	ecs := p.Attrs[2].(*bgp.PathAttributeExtendedCommunities)
	p.Attrs[2] = bgp.NewPathAttributeExtendedCommunities(ecs.Value[:2]) // no router MAC
	rd, _ := toRD(bad.RD)
	mac, _ := bgp.NewEVPNMacIPAdvertisementRoute(rd, bgp.EthernetSegmentIdentifier{}, 0, "02:00:00:00:00:07", netip.Addr{}, []uint32{100})
	reach, _ := bgp.NewPathAttributeMpReachNLRI(bgp.RF_EVPN, []bgp.PathNLRI{{NLRI: mac}}, r.vtep)
	type2 := &apiutil.Path{Family: bgp.RF_EVPN, Nlri: mac, Attrs: []bgp.PathAttributeInterface{
		bgp.NewPathAttributeOrigin(0), reach, bgp.NewPathAttributeExtendedCommunities([]bgp.ExtendedCommunityInterface{toRT(tag("65000:100"))})}}
	_, err = r.sp.srv.(*local).srv.AddPath(apiutil.AddPathRequest{Paths: []*apiutil.Path{p, type2}})
	return err
}

// peer is the parent's handle on a helper router.
type peer struct {
	t   *testing.T
	in  io.WriteCloser
	out *bufio.Scanner
}

// newPeer starts a helper router at addr with VTEP vtep, running lines.
func newPeer(t *testing.T, addr, vtep string, port int32, lines ...string) *peer {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperRouter$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %s %d", helperEnv, addr, vtep, port))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.Close()
		cmd.Wait()
	})
	p := &peer{t: t, in: in, out: bufio.NewScanner(out)}
	for _, l := range lines {
		p.do(l)
	}
	return p
}

// do sends one line and returns the answer's lines.
func (p *peer) do(line string) []string {
	p.t.Helper()
	fmt.Fprintln(p.in, line)
	var got []string
	for p.out.Scan() {
		l, ok := strings.CutPrefix(p.out.Text(), "> ")
		switch {
		case !ok:
		case l == ".":
			return got
		case strings.HasPrefix(l, "! "):
			p.t.Fatalf("helper %q: %s", line, l[2:])
		default:
			got = append(got, l)
		}
	}
	p.t.Fatalf("helper %q: no answer: %v", line, p.out.Err())
	return nil
}

package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/netnstest"
)

// neighScript is run with the real ip in a fresh namespace and with
// govrf, offline: output, errors and exit codes must agree. The kernel's
// d0 is a veth, since a dummy has IFF_NOARP, where the kernel fills in a
// missing lladdr; govrf's dummy stands for an Ethernet port. Listings
// hold at most one entry each, since the kernel lists in hash order, and
// only the states govrf keeps offline.
var neighScript = []string{
	"link add d0 address 02:11:22:33:44:55 type dummy",
	"link set d0 up",
	"addr add 10.0.0.1/24 dev d0",
	"neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev d0",
	"neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev d0",
	"neigh show dev d0",
	"-j neigh show",
	"neigh add 10.0.0.3 dev d0",
	"neigh add 10.0.0.3 lladdr 02:00:00:00:00 dev d0",
	"neigh add 10.0.0.3 lladdr zz dev d0",
	"neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 dev nosuch",
	"neigh add 10.0.0.3 lladdr 02:00:00:00:00:03",
	"neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 dev d0 nud bogus",
	"neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 dev d0 nud 0x3",
	"neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 dev d0 protocol foo",
	"neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 dev d0 bogus",
	"neigh add 10.0.0.3 lladdr 02:00:00:00:00:03 lladdr 02:00:00:00:00:03 dev d0",
	"neigh add 10.0.0.3/24 lladdr 02:00:00:00:00:03 dev d0",
	"-4 neigh add 2001:db8::3 lladdr 02:00:00:00:00:03 dev d0",
	"neigh del 10.0.0.9 dev d0",
	"neigh del 10.0.0.9",
	"neigh change 10.0.0.9 lladdr 02:00:00:00:00:09 dev d0",
	"neigh replace 10.0.0.3 lladdr 02:00:00:00:00:03 dev d0 nud noarp extern_learn protocol bgp router",
	"neigh show 10.0.0.3",
	"-j neigh show 10.0.0.3",
	"neigh replace 10.0.0.3 lladdr 02:00:00:00:00:04 dev d0 nud noarp",
	"neigh show 10.0.0.3",
	"neigh add 10.0.0.4 lladdr 02:00:00:00:00:04 dev d0 nud 0x80 protocol 200",
	"neigh show 10.0.0.4",
	"neigh change 10.0.0.4 dev d0 nud noarp",
	"neigh show 10.0.0.4 nud noarp",
	"neigh add ::ffff:10.99.0.2 lladdr 02:00:00:00:00:09 dev d0 nud noarp extern_learn",
	"-6 neigh show dev d0",
	"neigh flush",
	"-s neigh flush dev d0",
	"-s neigh flush dev d0",
	"neigh show dev d0",
	"neigh del 10.0.0.2 dev d0",
	"neigh del 10.0.0.2 dev d0",
	"neigh add 10.0.0.5 lladdr 02:00:00:00:00:05 dev d0",
	"neigh add 10.0.0.7 lladdr 02:00:00:00:00:07:01 dev d0 nud noarp",
	"neigh change 10.0.0.7 lladdr null dev d0 nud noarp router",
	"neigh show 10.0.0.7 nud noarp",
	"neigh add 10.0.0.8 lladdr 1.2.3.4 dev d0",
	"neigh flush dev d0 nud noarp",
	"neigh show dev d0 nud noarp",
	"neigh add 2001:db8::7 lladdr 02:00:00:00:00:07 dev d0 nud noarp",
	"-6 neigh show dev d0 nud noarp",
	"link set d0 down",
	"neigh show dev d0",
	"-6 neigh show dev d0 nud noarp",
	"neigh add 10.0.0.6 lladdr 02:00:00:00:00:06 dev d0",
	"neigh show dev d0",
	"neigh frob",
}

// TestIntegrationNeighAgainstIP runs neighScript with ip and with govrf.
func TestIntegrationNeighAgainstIP(t *testing.T) {
	netnstest.Root(t)
	ns := fmt.Sprintf("govrf-neigh-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	defer exec.Command("ip", "netns", "del", ns).Run()
	ctl := control.New()
	for _, line := range neighScript {
		var gotOut, gotErr bytes.Buffer
		gotCode := Run(ctl, splitWords(line), &gotOut, &gotErr)
		realWords := strings.Fields(strings.ReplaceAll(line, "type dummy", "type veth"))
		cmd := exec.Command("ip", append([]string{"-n", ns}, realWords...)...)
		var wantOut, wantErr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &wantOut, &wantErr
		wantCode := 0
		if err := cmd.Run(); err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("ip %s: %v", line, err)
			}
			wantCode = ee.ExitCode()
		}
		if got, want := gotOut.String(), wantOut.String(); got != want {
			t.Errorf("govrf %s: output differs from ip's\n got: %q\nwant: %q", line, got, want)
		}
		if got, want := gotErr.String(), normaliseIP(wantErr.String(), "veth"); got != want {
			t.Errorf("govrf %s: error %q, ip says %q", line, got, want)
		}
		if gotCode != wantCode {
			t.Errorf("govrf %s: exit code %d, ip's %d", line, gotCode, wantCode)
		}
	}
}

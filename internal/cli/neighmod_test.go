package cli

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/neigh"
)

// cachePlane is a data plane with a real neighbour cache per port link,
// as govrfd's: it takes dynamic entries (NeighCache).
type cachePlane struct {
	fakePlane
	caches map[int]*neigh.Cache
}

func (p cachePlane) Neighbors(link int) []neigh.Entry {
	if c := p.caches[link]; c != nil {
		return c.Entries()
	}
	return nil
}
func (p cachePlane) SetNeighbor(link int, s neigh.Static) error { return p.caches[link].Replace(s) }
func (p cachePlane) DelNeighbor(link int, ip netip.Addr) error  { return p.caches[link].Delete(ip) }

var _ NeighCache = cachePlane{}

// neighLab returns a control plane with VRF blue and port d0 in it, up.
func neighLab(t *testing.T) *control.Control {
	t.Helper()
	ctl := control.New()
	for _, line := range []string{"link add name blue type vrf table 10", "link add name d0 type dummy",
		"link set dev d0 master blue", "link set dev d0 up", "addr add 10.0.0.1/24 dev d0"} {
		if code := Run(ctl, splitWords(line), &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
			t.Fatalf("govrf %s: exit %d", line, code)
		}
	}
	return ctl
}

type neighCase struct {
	argv      string
	code      int
	out, errs string
}

func runNeighCases(t *testing.T, ctl *control.Control, plane Plane, cases []neighCase) {
	t.Helper()
	for _, tc := range cases {
		var out, errs bytes.Buffer
		code := RunWith(ctl, plane, splitWords(tc.argv), &out, &errs)
		if code != tc.code || out.String() != tc.out || errs.String() != tc.errs {
			t.Errorf("govrf %s = %d, %q, %q; want %d, %q, %q", tc.argv, code, out.String(), errs.String(), tc.code, tc.out, tc.errs)
		}
	}
}

// TestNeighModifyErrors: the refusals of `neigh add|change|replace|del`,
// worded and coded as ip words them, its own and the kernel's.
func TestNeighModifyErrors(t *testing.T) {
	ctl := neighLab(t)
	const mac = "lladdr 02:00:00:00:00:03"
	runNeighCases(t, ctl, nil, []neighCase{
		{"neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev d0", 0, "", ""},
		{"neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev d0", 2, "", "RTNETLINK answers: File exists\n"},
		{"neigh add 10.0.0.3 dev d0", 2, "", "Error: No link layer address given.\n"},
		{"neigh add 10.0.0.3 lladdr 02:00:00:00:00 dev d0", 2, "", "Error: Invalid link address.\n"},
		{"neigh add 10.0.0.3 lladdr zz dev d0", 1, "", "\"zz\" is invalid lladdr.\n"},
		{"neigh add 10.0.0.3 " + mac + " dev nosuch", 1, "", "Cannot find device \"nosuch\"\n"},
		{"neigh add 10.0.0.3 " + mac, 255, "", "Device and destination are required arguments.\n"},
		{"neigh del 10.0.0.3", 255, "", "Device and destination are required arguments.\n"},
		{"neigh del 10.0.0.9 dev d0", 2, "", "RTNETLINK answers: No such file or directory\n"},
		{"neigh change 10.0.0.9 " + mac + " dev d0", 2, "", "RTNETLINK answers: No such file or directory\n"},
		{"neigh add 10.0.0.3 " + mac + " dev d0 nud bogus", 255, "", "Error: argument \"bogus\" is wrong: nud state is bad\n"},
		{"neigh add 10.0.0.3 " + mac + " dev d0 nud 0x3", 255, "", "Error: argument \"0x3\" is wrong: nud state is bad\n"},
		{"neigh add 10.0.0.3 " + mac + " dev d0 protocol foo", 255, "", "Error: argument \"foo\" is wrong: \"protocol\" value is invalid\n\n"},
		{"neigh add 10.0.0.3 " + mac + " dev d0 bogus", 255, "", "Error: either \"to\" is duplicate, or \"bogus\" is a garbage.\n"},
		{"neigh add 10.0.0.3 " + mac + " " + mac + " dev d0", 255, "", "Error: duplicate \"lladdr\": \"02:00:00:00:00:03\" is the second value.\n"},
		{"neigh add 10.0.0.3/24 " + mac + " dev d0", 1, "", "Error: any valid address is expected rather than \"10.0.0.3/24\".\n"},
		{"-4 neigh add 2001:db8::3 " + mac + " dev d0", 1, "", "Error: inet address is expected rather than \"2001:db8::3\".\n"},
		{"neigh add 10.0.0.3 " + mac + " dev d0 nud none", 2, "", "RTNETLINK answers: Invalid argument\n"},
		{"neigh add 10.0.0.3 " + mac + " dev d0 nud reachable", 2, "", "Error: Neighbour state REACHABLE needs the port of a running govrfd.\n"},
		{"neigh add 10.0.0.3 " + mac + " dev blue", 2, "", "Error: Neighbour entries belong to ports.\n"},
		{"neigh add 10.0.0.3 " + mac + " dev d0 proxy 10.0.0.4", 2, "", "RTNETLINK answers: Operation not supported\n"},
		{"neigh flush", 1, "", "Flush requires arguments.\n"},
		{"neigh frob", 255, "", "Command \"frob\" is unknown, try \"govrf neigh help\".\n"},
		{"neigh show nud bogus", 255, "", "Error: argument \"bogus\" is wrong: nud state is bad\n"},
		{"neigh show dev nosuch", 1, "", "Cannot find device \"nosuch\"\n"},
		{"neigh show", 0, "10.0.0.2 dev d0 lladdr 02:00:00:00:00:02 PERMANENT \n", ""},
	})
}

// TestNeighConfigured: PERMANENT and NOARP entries offline, with the
// flags an update keeps, show's filters and flush's selection.
func TestNeighConfigured(t *testing.T) {
	ctl := neighLab(t)
	runNeighCases(t, ctl, nil, []neighCase{
		{"neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev d0", 0, "", ""},
		{"neigh add 10.0.0.4 lladdr 02:00:00:00:00:04 dev d0 nud noarp", 0, "", ""},
		{"neigh replace 10.0.0.5 lladdr 02:00:00:00:00:05 dev d0 nud noarp extern_learn proto bgp router", 0, "", ""},
		{"neigh add ::ffff:10.99.0.2 lladdr 02:00:00:00:00:09 dev d0 nud noarp extern_learn", 0, "", ""},
		// Show leaves NOARP entries out unless they are extern_learn.
		{"neigh show", 0, "10.0.0.2 dev d0 lladdr 02:00:00:00:00:02 PERMANENT \n" +
			"10.0.0.5 dev d0 lladdr 02:00:00:00:00:05 router extern_learn NOARP proto bgp \n" +
			"::ffff:10.99.0.2 dev d0 lladdr 02:00:00:00:00:09 extern_learn NOARP \n", ""},
		{"-4 neigh show nud noarp vrf blue", 0, "10.0.0.4 dev d0 lladdr 02:00:00:00:00:04 NOARP \n" +
			"10.0.0.5 dev d0 lladdr 02:00:00:00:00:05 router extern_learn NOARP proto bgp \n", ""},
		{"-j neigh show dev d0 to 10.0.0.0/24", 0, `[{"dst":"10.0.0.2","lladdr":"02:00:00:00:00:02","state":["PERMANENT"]},` +
			`{"dst":"10.0.0.5","lladdr":"02:00:00:00:00:05","router":null,"extern_learn":null,"state":["NOARP"],"protocol":"bgp"}]` + "\n", ""},
		// A replace without them clears extern_learn and router but keeps
		// the protocol; a change without lladdr keeps the MAC.
		{"neigh replace 10.0.0.5 lladdr 02:00:00:00:00:06 dev d0 nud noarp", 0, "", ""},
		{"neigh change 10.0.0.2 dev d0 nud noarp", 0, "", ""},
		{"neigh show nud all proto bgp", 0, "10.0.0.5 dev d0 lladdr 02:00:00:00:00:06 NOARP proto bgp \n", ""},
		{"neigh show 10.0.0.2 nud noarp", 0, "10.0.0.2 dev d0 lladdr 02:00:00:00:00:02 NOARP \n", ""},
		// Flush takes extern_learn entries and what nud names.
		{"-s neigh flush dev d0", 0, "\n*** Round 1, deleting 1 entries ***\n*** Flush is complete after 1 round ***\n", ""},
		{"-s neigh flush dev d0", 0, "Nothing to flush.\n", ""},
		{"neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev d0", 2, "", "RTNETLINK answers: File exists\n"},
		{"neigh flush dev d0 nud noarp", 0, "", ""},
		{"neigh show nud all", 0, "", ""},
	})
}

// TestNeighDynamic: under a daemon, dynamic states go to the port's
// cache and PERMANENT ones to the configuration, and either existence
// counts for add, change and del.
func TestNeighDynamic(t *testing.T) {
	ctl := neighLab(t)
	d0 := ctl.Snapshot().LinkByName("d0").Index
	plane := cachePlane{caches: map[int]*neigh.Cache{d0: neigh.New(neigh.DefaultConfig(), neigh.NewManualClock(time.Unix(1e9, 0)))}}
	configured := func() int { return len(ctl.Snapshot().LinkByName("d0").Neighbors) }
	runNeighCases(t, ctl, plane, []neighCase{
		{"neigh add 10.0.0.7 lladdr 02:00:00:00:00:07 dev d0 nud reachable", 0, "", ""},
		{"neigh show dev d0", 0, "10.0.0.7 lladdr 02:00:00:00:00:07 REACHABLE \n", ""},
		{"neigh add 10.0.0.7 lladdr 02:00:00:00:00:07 dev d0", 2, "", "RTNETLINK answers: File exists\n"},
		{"neigh replace 10.0.0.7 dev d0", 0, "", ""},
	})
	if configured() != 1 {
		t.Fatalf("after neigh replace ... nud permanent, d0 has %d configured neighbours, want 1", configured())
	}
	runNeighCases(t, ctl, plane, []neighCase{
		{"neigh show dev d0", 0, "10.0.0.7 lladdr 02:00:00:00:00:07 PERMANENT \n", ""},
		{"neigh change 10.0.0.7 dev d0 nud stale", 0, "", ""},
	})
	if configured() != 0 {
		t.Fatalf("after neigh change ... nud stale, d0 has %d configured neighbours, want none", configured())
	}
	runNeighCases(t, ctl, plane, []neighCase{
		{"neigh show dev d0", 0, "10.0.0.7 lladdr 02:00:00:00:00:07 STALE \n", ""},
		{"neigh del 10.0.0.7 dev d0", 0, "", ""},
		{"neigh del 10.0.0.7 dev d0", 2, "", "RTNETLINK answers: No such file or directory\n"},
	})
}

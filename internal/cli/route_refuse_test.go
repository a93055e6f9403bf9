package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/control"
)

// TestRouteRefusals covers what govrf answers differently from ip on
// purpose: attributes Linux keeps but govrf cannot represent are refused
// (exit 2) and change nothing; help texts and unknown commands name
// govrf.
func TestRouteRefusals(t *testing.T) {
	for _, tc := range []struct {
		args, err string
		rc        int
	}{
		{"route add 10.5.0.0/16 dev d0 mtu 1400", `Error: "mtu" is not supported by govrf.`, 2},
		{"route add 10.5.0.0/16 dev d0 rto_min 5ms", `Error: "rto_min" is not supported by govrf.`, 2},
		{"route add 10.5.0.0/16 dev d0 quickack 1", `Error: "quickack" is not supported by govrf.`, 2},
		{"route add 10.5.0.0/16 dev d0 realms 3", `Error: "realms" is not supported by govrf.`, 2},
		{"route add 10.5.0.0/16 dev d0 encap mpls 100 dev d0", `Error: "encap" is not supported by govrf.`, 2},
		{"route add 10.5.0.0/16 via link 00:11:22:33:44:55 dev d0", `Error: "via link" is not supported by govrf.`, 2},
		{"route add 2001:dd::/64 dev d0 pref high", `Error: "pref" is not supported by govrf.`, 2},
		{"route add 2001:dd::/64 dev d0 from 2001:db8::/64", `Error: "from" is not supported by govrf.`, 2},
		{"route add 2001:dd::/64 dev d0 expires 60", `Error: "expires" is not supported by govrf.`, 2},
		{"route save", `Command "save" is not supported by govrf.`, 255},
		{"route test 10.5.0.0/16 dev d0", `Command "test" is not supported by govrf.`, 255},
		{"rule add uidrange 1-2 table 5", `Error: "uidrange" is not supported by govrf.`, 2},
		{"rule add tun_id 5 table 5", `Error: "tun_id" is not supported by govrf.`, 2},
		{"rule add realms 5 table 5", `Error: "realms" is not supported by govrf.`, 2},
		{"rule add nat 1.2.3.4", "Warning: route NAT is deprecated\nError: \"nat\" is not supported by govrf.", 2},
		{"nexthop add id 9 group 1 type resilient", `Error: "type resilient" is not supported by govrf.`, 2},
		{"nexthop add id 9 fdb via 10.0.0.2", `Error: "fdb" is not supported by govrf.`, 2},
		{"nexthop bucket show", `Command "bucket" is not supported by govrf.`, 255},
		{"route bogus", `Command "bogus" is unknown, try "govrf route help".`, 255},
		{"rule bogus", `Command "bogus" is unknown, try "govrf rule help".`, 255},
		{"nexthop bogus", `Command "bogus" is unknown, try "govrf nexthop help".`, 255},
	} {
		ctl := newRouteFixture(t)
		before := showAll(t, ctl)
		var out, errb bytes.Buffer
		rc := Run(ctl, strings.Fields(tc.args), &out, &errb)
		if got := strings.TrimSuffix(errb.String(), "\n"); got != tc.err || rc != tc.rc || out.Len() > 0 {
			t.Errorf("govrf %s = %q, %q, rc %d; want \"\", %q, rc %d", tc.args, out.String(), got, rc, tc.err, tc.rc)
		}
		if after := showAll(t, ctl); after != before {
			t.Errorf("govrf %s changed the state:\n%s\nwas:\n%s", tc.args, after, before)
		}
	}
}

// TestRouteUsage checks that every help request and every command missing
// its destination prints govrf's usage and exits 255, as ip's usage().
func TestRouteUsage(t *testing.T) {
	for _, tc := range []struct{ args, first string }{
		{"route help", "Usage: govrf route { list | flush } SELECTOR"},
		{"route add", "Usage: govrf route { list | flush } SELECTOR"},
		{"route add help", "Usage: govrf route { list | flush } SELECTOR"},
		{"route del 10.0.0.0/8 h", "Usage: govrf route { list | flush } SELECTOR"},
		{"route get 10.0.0.1 help", "Usage: govrf route { list | flush } SELECTOR"},
		{"route show table help", "Usage: govrf route { list | flush } SELECTOR"},
		{"rule help", "Usage: govrf rule { add | del } SELECTOR ACTION"},
		{"rule add type help", "Usage: govrf rule { add | del } SELECTOR ACTION"},
		{"nexthop help", "Usage: govrf nexthop { list | flush } [ protocol ID ] SELECTOR"},
		{"nexthop get", "Usage: govrf nexthop { list | flush } [ protocol ID ] SELECTOR"},
		{"nexthop get id", `Command line is not complete. Try option "help"`},
		{"nexthop show help", "Usage: govrf nexthop { list | flush } [ protocol ID ] SELECTOR"},
	} {
		var out, errb bytes.Buffer
		rc := Run(newRouteFixture(t), strings.Fields(tc.args), &out, &errb)
		first, _, _ := strings.Cut(errb.String(), "\n")
		if first != tc.first || rc != 255 || out.Len() > 0 {
			t.Errorf("govrf %s = %q, first error line %q, rc %d; want \"\", %q, rc 255", tc.args, out.String(), first, rc, tc.first)
		}
	}
}

// showAll returns what `route show table all`, `rule show` (both
// families) and `nexthop show` print.
func showAll(t testing.TB, ctl *control.Control) string {
	t.Helper()
	var b strings.Builder
	for _, args := range []string{"route show table all", "rule show", "-6 rule show", "nexthop show"} {
		var out, errb bytes.Buffer
		if rc := Run(ctl, strings.Fields(args), &out, &errb); rc != 0 {
			t.Fatalf("govrf %s: rc %d: %s", args, rc, errb.String())
		}
		b.WriteString(out.String())
	}
	return b.String()
}

package cli

import (
	"bytes"
	"strings"
	"testing"
)

// fuzzWords splits a fuzz input into the words of a command line: single
// spaces separate, so empty words occur as they can with a shell. Long
// inputs are skipped to keep each run cheap.
func fuzzWords(s string) ([]string, bool) {
	if len(s) > 256 {
		return nil, false
	}
	return strings.Split(s, " "), true
}

// FuzzRouteArgs runs `route add WORDS...`: whatever the words, govrf must
// not panic, must exit with one of ip's codes, and a command that fails
// must leave every table as it was.
func FuzzRouteArgs(f *testing.F) {
	for _, s := range []string{
		"10.5.0.0/16 via 10.0.0.2",
		"10.5.0.0/16 dev d0 table 100 proto static metric 5 src 10.0.0.1",
		"unreachable default metric 4278198272",
		"10.5.0.0/16 nexthop via 10.0.0.2 weight 2 nexthop via 10.10.0.2 dev d1",
		"2001:db9::/64 via 2001:db8::2 dev d0",
		"10.5.0.0/16 via inet6 2001:db8::2 dev d0",
		"10.0.0.300/24 dev d0",
		"10.5.0.0/16 dev d0 mtu lock 1400",
		"local 10.9.9.9 dev d0",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, ok := fuzzWords(s)
		if !ok {
			return
		}
		ctl := newRouteFixture(t)
		before := showAll(t, ctl)
		var out, errb bytes.Buffer
		rc := Run(ctl, append([]string{"route", "add"}, words...), &out, &errb)
		switch rc {
		case 0:
			return
		case 1, 2, 255:
		default:
			t.Fatalf("govrf route add %q: exit %d (%s)", words, rc, errb.String())
		}
		if after := showAll(t, ctl); after != before {
			t.Fatalf("govrf route add %q failed (exit %d: %s) but changed the state:\n%s\nwas:\n%s",
				words, rc, errb.String(), after, before)
		}
	})
}

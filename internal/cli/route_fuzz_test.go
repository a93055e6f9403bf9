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
	f.Fuzz(func(t *testing.T, s string) { fuzzAdd(t, "route", s, nil) })
}

// fuzzAdd runs `OBJ add WORDS` on a fixture: the exit code must be one
// of ip's (or one ok allows), and a refused command must change nothing.
func fuzzAdd(t *testing.T, obj, s string, ok func(rc int, stderr string) bool) {
	words, valid := fuzzWords(s)
	if !valid {
		return
	}
	ctl := newRouteFixture(t)
	before := showAll(t, ctl)
	var out, errb bytes.Buffer
	rc := Run(ctl, append([]string{obj, "add"}, words...), &out, &errb)
	switch {
	case rc == 0:
		return
	case rc == 1, rc == 2, rc == 255:
	case ok != nil && ok(rc, errb.String()):
	default:
		t.Fatalf("govrf %s add %q: exit %d (%s)", obj, words, rc, errb.String())
	}
	if after := showAll(t, ctl); after != before {
		t.Fatalf("govrf %s add %q failed (exit %d: %s) but changed the state:\n%s\nwas:\n%s",
			obj, words, rc, errb.String(), after, before)
	}
}

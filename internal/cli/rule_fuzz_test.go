package cli

import (
	"bytes"
	"testing"
)

// FuzzRuleArgs runs `rule add WORDS...` as FuzzRouteArgs does `route add`.
// Besides ip's usual codes, exit 22 is allowed for the one message ip
// fails with -EINVAL itself.
func FuzzRuleArgs(f *testing.F) {
	for _, s := range []string{
		"from 10.0.0.0/8 to 192.168.0.0/16 tos 0x10 fwmark 0x5/0xff iif d0 pref 100 table 100",
		"not from 1.1.1.1 lookup main suppress_prefixlength 0 suppress_ifgroup 5",
		"l3mdev pref 1000 protocol kernel",
		"l3mdev table 5",
		"iif nosuch goto 32766",
		"pref 10 goto 5",
		"ipproto tcp sport 1-100 dport 80 unreachable",
		"fwmark 1/x",
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
		rc := Run(ctl, append([]string{"rule", "add"}, words...), &out, &errb)
		switch {
		case rc == 0:
			return
		case rc == 1, rc == 2, rc == 255:
		case rc == 22 && errb.String() == "table can not be specified for l3mdev rules\n":
		default:
			t.Fatalf("govrf rule add %q: exit %d (%s)", words, rc, errb.String())
		}
		if after := showAll(t, ctl); after != before {
			t.Fatalf("govrf rule add %q failed (exit %d: %s) but changed the state:\n%s\nwas:\n%s",
				words, rc, errb.String(), after, before)
		}
	})
}

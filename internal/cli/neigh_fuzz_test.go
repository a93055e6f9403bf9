package cli

import (
	"bytes"
	"testing"
)

// FuzzNeighArgs runs `neigh add|replace|change|del WORDS...` offline on
// a VRF port: no panic, only ip's exit codes, and a refused command
// changes neither the neighbours nor the running configuration.
func FuzzNeighArgs(f *testing.F) {
	for _, s := range []string{
		"add 10.0.0.2 lladdr 02:00:00:00:00:02 dev d0",
		"replace 10.99.0.2 lladdr 02:00:00:00:00:09 dev d0 nud noarp extern_learn protocol bgp",
		"add ::ffff:10.99.0.2 lladdr 2:0:0:0:0:9 dev d0 nud 0x40 router",
		"change to 2001:db8::2 dev d0 nud permanent",
		"del 10.0.0.2 dev d0",
		"add 10.0.0.3 lladdr 1.2.3.4 dev d0 nud reachable",
		"add 10.0.0.3 lladdr null dev blue proxy 1.1.1.1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, valid := fuzzWords(s)
		if !valid {
			return
		}
		ctl := neighLab(t)
		Run(ctl, splitWords("neigh add 10.0.0.2 lladdr 02:00:00:00:00:02 dev d0"), &bytes.Buffer{}, &bytes.Buffer{})
		state := func() string {
			var b bytes.Buffer
			Run(ctl, splitWords("neigh show nud all"), &b, &b)
			Run(ctl, splitWords("show running-config"), &b, &b)
			return b.String()
		}
		before := state()
		var out, errb bytes.Buffer
		rc := Run(ctl, append([]string{"neigh"}, words...), &out, &errb)
		switch rc {
		case exitOK:
			return
		case exitSyntax, exitRefused, exitUsage:
		default:
			t.Fatalf("govrf neigh %q: exit %d (%s)", words, rc, errb.String())
		}
		if after := state(); after != before {
			t.Fatalf("govrf neigh %q failed (exit %d: %s) but changed the state:\n%s\nwas:\n%s", words, rc, errb.String(), after, before)
		}
	})
}

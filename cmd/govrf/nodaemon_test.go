package main

import (
	"strings"
	"testing"
)

// TestNoDaemon: without a daemon a command is refused, naming the
// socket and the ways forward, whether it would change or show the
// router; help and syntax errors are answered as ip answers them.
func TestNoDaemon(t *testing.T) {
	const sock = "/nonexistent/govrf.sock"
	for _, tc := range []struct {
		line string
		code int
		want string // in stdout+stderr
	}{
		{"link add name blue type vrf table 10", exitRefused, "no daemon listens on " + sock},
		{"route add 10.0.0.0/8 dev lo", exitRefused, "govrf -offline -batch FILE"},
		{"link show", exitRefused, "govrfd -socket " + sock},
		{"route get 10.1.1.1", exitRefused, "GOVRF_SOCKET"},
		{"link help", exitUsage, "govrf link add [ link DEVICE ]"},
		{"lnk show", exitSyntax, `Object "lnk" is unknown`},
	} {
		var out, errs strings.Builder
		code := noDaemon(sock, strings.Fields(tc.line), &out, &errs)
		if got := out.String() + errs.String(); code != tc.code || !strings.Contains(got, tc.want) {
			t.Errorf("govrf %s without a daemon = exit %d:\n%s\nwant exit %d and %q", tc.line, code, got, tc.code, tc.want)
		}
		if tc.code == exitRefused && out.Len() != 0 {
			t.Errorf("govrf %s without a daemon printed %q: a throwaway state was shown", tc.line, out.String())
		}
	}
}

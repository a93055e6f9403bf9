package cli

import (
	"reflect"
	"strings"
	"testing"
)

// TestClientPredicates: what the govrf client runs itself or takes part
// in, whatever the global options and abbreviations.
func TestClientPredicates(t *testing.T) {
	for _, tc := range []struct {
		argv           string
		version, ident bool
		exec           bool
		cmd            []string
	}{
		{argv: "-V", version: true},
		{argv: "-Version", version: true},
		{argv: "-j -V", version: true},
		{argv: "vrf show"},
		{argv: "vrf identify", ident: true},
		{argv: "vrf i", ident: true},
		{argv: "vrf identify 42"},
		{argv: "vrf exec a -- ping -c 1 10.0.0.1", exec: true, cmd: []string{"ping", "-c", "1", "10.0.0.1"}},
		{argv: "-4 vrf e a ping", exec: true, cmd: []string{"ping"}},
		{argv: "vrf exec a", exec: true},
		{argv: "vrf pids a"},
		{argv: "link show"},
	} {
		argv := strings.Fields(tc.argv)
		if got := AsksVersion(argv); got != tc.version {
			t.Errorf("AsksVersion(%q) = %v, want %v", tc.argv, got, tc.version)
		}
		if got := IdentifiesCaller(argv); got != tc.ident {
			t.Errorf("IdentifiesCaller(%q) = %v, want %v", tc.argv, got, tc.ident)
		}
		cmd, ok := VRFExec(argv)
		if ok != tc.exec || !reflect.DeepEqual(cmd, tc.cmd) {
			t.Errorf("VRFExec(%q) = %q, %v; want %q, %v", tc.argv, cmd, ok, tc.cmd, tc.exec)
		}
	}
}

// TestBatchPredicates: -batch's file, -offline and -atomic, whatever
// the other options and abbreviations; -o stays -oneline and -a -all.
func TestBatchPredicates(t *testing.T) {
	for _, tc := range []struct {
		argv            string
		file            string
		offline, atomic bool
	}{
		{argv: "-batch f", file: "f"},
		{argv: "-force -b -", file: "-"},
		{argv: "-offline -batch f", file: "f", offline: true},
		{argv: "-off -at -batch f", file: "f", offline: true, atomic: true},
		{argv: "-o -a link show"},
		{argv: "link show"},
	} {
		argv := strings.Fields(tc.argv)
		if got := Batch(argv); got != tc.file {
			t.Errorf("Batch(%q) = %q, want %q", tc.argv, got, tc.file)
		}
		if got := Offline(argv); got != tc.offline {
			t.Errorf("Offline(%q) = %v, want %v", tc.argv, got, tc.offline)
		}
		if got := Atomic(argv); got != tc.atomic {
			t.Errorf("Atomic(%q) = %v, want %v", tc.argv, got, tc.atomic)
		}
	}
}

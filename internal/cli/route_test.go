package cli

import (
	"bufio"
	"bytes"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/control"
)

// newRouteFixture returns the control plane the transcripts start from,
// the same as testdata/route_capture.sh builds with Linux: d0
// (02:00:00:00:00:01, 10.0.0.1/24, 2001:db8::1/64) and d1
// (02:00:00:00:00:02, 10.10.0.1/24), both up.
func newRouteFixture(t testing.TB) *control.Control {
	t.Helper()
	ctl := control.New()
	up := true
	for i, addrs := range [][]string{{"10.0.0.1/24", "2001:db8::1/64"}, {"10.10.0.1/24"}} {
		name := "d" + strconv.Itoa(i)
		mac := control.MAC{2, 0, 0, 0, 0, byte(i + 1)}
		if err := ctl.AddLink(control.LinkSpec{Name: name, Kind: control.KindDummy, MAC: &mac}); err != nil {
			t.Fatalf("AddLink(%s) = %v", name, err)
		}
		if err := ctl.SetLink(name, control.LinkChange{Up: &up}); err != nil {
			t.Fatalf("SetLink(%s up) = %v", name, err)
		}
		for _, a := range addrs {
			if err := ctl.AddAddr(name, control.Addr{Prefix: netip.MustParsePrefix(a)}, false); err != nil {
				t.Fatalf("AddAddr(%s, %s) = %v", name, a, err)
			}
		}
	}
	return ctl
}

// step is one block of a transcript (see testdata/route_capture.sh).
type step struct {
	line   int
	sysctl string // a "% sysctl NAME=VALUE" setup step
	args   string
	stdout string
	stderr string
	rc     int
}

// readTranscript parses a transcript recorded from the real ip.
func readTranscript(t *testing.T, path string) []step {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var steps []step
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		var cur *step
		if len(steps) > 0 {
			cur = &steps[len(steps)-1]
		}
		switch {
		case strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "% sysctl "):
			steps = append(steps, step{line: n, sysctl: strings.TrimPrefix(line, "% sysctl ")})
		case strings.HasPrefix(line, "$ "):
			steps = append(steps, step{line: n, args: strings.TrimPrefix(line, "$ ")})
		case cur == nil:
			t.Fatalf("%s:%d: output before the first command", path, n)
		case strings.HasPrefix(line, "! "):
			cur.stderr += line[2:] + "\n"
		case line == `\ No newline`:
			cur.stdout = strings.TrimSuffix(cur.stdout, "\n")
		case strings.HasPrefix(line, "[rc=") && strings.HasSuffix(line, "]"):
			if cur.rc, err = strconv.Atoi(line[4 : len(line)-1]); err != nil {
				t.Fatalf("%s:%d: %v", path, n, err)
			}
		default:
			cur.stdout += line + "\n"
		}
	}
	return steps
}

// runTranscript replays a transcript recorded from ip against govrf on
// the same fixture and compares stdout, stderr and the exit code of every
// command.
func runTranscript(t *testing.T, path string) {
	ctl := newRouteFixture(t)
	for _, s := range readTranscript(t, path) {
		if s.sysctl != "" {
			name, value, _ := strings.Cut(s.sysctl, "=")
			if err := ctl.SetSysctl(name, value); err != nil {
				t.Fatalf("%s:%d: SetSysctl(%s) = %v", path, s.line, s.sysctl, err)
			}
			continue
		}
		var out, errb bytes.Buffer
		rc := Run(ctl, strings.Fields(s.args), &out, &errb)
		if out.String() != s.stdout || errb.String() != s.stderr || rc != s.rc {
			t.Errorf("%s:%d: govrf %s\n got (rc=%d):\n%s%s\nwant (rc=%d):\n%s%s", path, s.line, s.args,
				rc, out.String(), prefixLines(errb.String()), s.rc, s.stdout, prefixLines(s.stderr))
		}
	}
}

func prefixLines(s string) string {
	if s == "" {
		return ""
	}
	return "! " + strings.ReplaceAll(strings.TrimSuffix(s, "\n"), "\n", "\n! ") + "\n"
}

func TestRouteShow(t *testing.T)   { runTranscript(t, "testdata/route_show.txt") }
func TestRouteModify(t *testing.T) { runTranscript(t, "testdata/route_modify.txt") }
func TestRouteGet(t *testing.T)    { runTranscript(t, "testdata/route_get.txt") }

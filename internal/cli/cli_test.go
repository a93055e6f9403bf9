package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/control"
)

// cmdCase runs setup commands on a fresh control plane, then cmd, and
// expects cmd's whole output, error text and exit code.
type cmdCase struct {
	name  string
	setup []string
	cmd   string
	out   string
	err   string
	code  int
}

// run runs one command line through Run.
func run(t *testing.T, ctl *control.Control, line string) (stdout, stderr string, code int) {
	t.Helper()
	words, err := splitLine(line)
	if err != nil {
		t.Fatalf("splitLine(%q): %v", line, err)
	}
	var o, e bytes.Buffer
	code = Run(ctl, words, &o, &e)
	return o.String(), e.String(), code
}

func runCases(t *testing.T, cases []cmdCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctl := control.New()
			for _, s := range tc.setup {
				if _, e, code := run(t, ctl, s); code != 0 {
					t.Fatalf("setup Run(%q) = %d: %s", s, code, e)
				}
			}
			out, errText, code := run(t, ctl, tc.cmd)
			if out != tc.out {
				t.Errorf("Run(%q) output:\n%s\nwant:\n%s", tc.cmd, out, tc.out)
			}
			if errText != tc.err {
				t.Errorf("Run(%q) error = %q, want %q", tc.cmd, errText, tc.err)
			}
			if code != tc.code {
				t.Errorf("Run(%q) = %d, want %d", tc.cmd, code, tc.code)
			}
		})
	}
}

func TestRunOptionsAndObjects(t *testing.T) {
	const loLink = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n" +
		"    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
	runCases(t, []cmdCase{
		{name: "no object", cmd: "", err: usage, code: 255},
		{name: "unknown object", cmd: "foo", err: "Object \"foo\" is unknown, try \"govrf help\".\n", code: 1},
		{name: "help", cmd: "help", err: usage, code: 255},
		{name: "-help", cmd: "-help", err: usage, code: 255},
		{name: "unknown option", cmd: "-x link", err: "Option \"-x\" is unknown, try \"govrf -help\".\n", code: 255},
		{name: "double dash option", cmd: "--json link show lo", out: `[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","linkmode":"DEFAULT","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00"}]` + "\n"},
		{name: "-h is human", cmd: "-h link show lo", out: loLink},
		{name: "-- ends options", cmd: "-- link show lo", out: loLink},
		{name: "family inet6", cmd: "-f inet6 addr show lo", out: "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n" +
			"    inet6 ::1/128 scope host \n       valid_lft forever preferred_lft forever\n"},
		{name: "family bad", cmd: "-family foo link", err: "Error: argument \"foo\" is wrong: invalid protocol family\n", code: 255},
		{name: "family missing", cmd: "-f", err: usage, code: 255},
		{name: "unsupported option", cmd: "-M route", err: "Option \"-M\" is not supported by govrf.\n", code: 255},
		{name: "version", cmd: "-V", out: versionText()},
		{name: "abbreviated object", cmd: "l sh lo", out: loLink},
		{name: "l s is link set", cmd: "l s", err: "Not enough information: \"dev\" argument is required.\n", code: 255},
	})
}

func TestSplitLine(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string
	}{
		{"", nil},
		{"  link   show\tlo ", []string{"link", "show", "lo"}},
		{"link show # comment", []string{"link", "show"}},
		{"# only a comment", nil},
		{`addr add 10.0.0.1/24 label "d0 x" dev d0`, []string{"addr", "add", "10.0.0.1/24", "label", "d0 x", "dev", "d0"}},
		{`a'b c'd`, []string{"ab cd"}},
		{`x#y`, []string{"x#y"}},
	} {
		got, err := splitLine(tc.line)
		if err != nil || strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
			t.Errorf("splitLine(%q) = %q, %v, want %q", tc.line, got, err, tc.want)
		}
	}
	if _, err := splitLine(`link "show`); err == nil || err.Error() != "Unterminated quoted string" {
		t.Errorf("splitLine(unterminated) error = %v, want Unterminated quoted string", err)
	}
}

func TestBatch(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	ok := write("ok", "link add d0 address 02:00:00:00:00:01 type dummy\n\n# comment\nlink set d0 up\n-br link show d0\n")
	fails := write("fails", "link show nosuch\nlink show lo\n")
	garbage := write("garbage", "link show nosuch\nlink set d0 mtu foo\nlink show lo\n")
	badPrefix := write("prefix", "addr add 10.0.0.300/24 dev lo\nlink show lo\n")
	badVRF := write("vrf", "vrf show lo\nlink show lo\n")
	const lo = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen 1000\n" +
		"    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n"
	for _, tc := range []struct {
		argv     []string
		out, err string
		code     int
	}{
		{[]string{"-batch", ok}, "d0               UNKNOWN        02:00:00:00:00:01 <BROADCAST,NOARP,UP,LOWER_UP> \n", "", 0},
		{[]string{"-batch", fails}, "", "Device \"nosuch\" does not exist.\nCommand failed " + fails + ":1\n", 1},
		{[]string{"-force", "-batch", fails}, lo, "Device \"nosuch\" does not exist.\nCommand failed " + fails + ":1\n", 1},
		// ip exits on the spot for garbage, even with -force.
		{[]string{"-force", "-batch", garbage}, "",
			"Device \"nosuch\" does not exist.\nCommand failed " + garbage + ":1\nError: argument \"foo\" is wrong: Invalid \"mtu\" value\n\n", 255},
		// get_prefix's exit(1) ends the batch too.
		{[]string{"-force", "-batch", badPrefix}, "", "Error: any valid prefix is expected rather than \"10.0.0.300/24\".\n", 1},
		// ipvrf_show returns (255 on its own) and the batch goes on.
		{[]string{"-force", "-batch", badVRF}, lo, "Invalid VRF\nCommand failed " + badVRF + ":1\n", 1},
		{[]string{"-batch", filepath.Join(dir, "none")}, "",
			"Cannot open file \"" + filepath.Join(dir, "none") + "\" for reading: No such file or directory\n", 1},
		{[]string{"-batch"}, "", usage, 255},
	} {
		var o, e bytes.Buffer
		code := Run(control.New(), tc.argv, &o, &e)
		if o.String() != tc.out || e.String() != tc.err || code != tc.code {
			t.Errorf("Run(%q) = %d, %q, %q; want %d, %q, %q", tc.argv, code, o.String(), e.String(), tc.code, tc.out, tc.err)
		}
	}
}

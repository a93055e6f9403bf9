package difftest

import (
	"slices"
	"strings"
	"testing"
)

// base is the configuration every regression case starts from: two up
// dummy links with one IPv4 and one IPv6 subnet each, forwarding on.
var base = []string{
	"sysctl -w net.ipv4.ip_forward=1",
	"sysctl -w net.ipv6.conf.all.forwarding=1",
	"link set lo up",
	"link add d0 type dummy",
	"link set d0 up",
	"addr add 10.0.0.1/24 dev d0",
	"addr add 2001:db8::1/64 dev d0 nodad",
	"link add d1 type dummy",
	"link set d1 up",
	"addr add 10.1.0.1/24 dev d1",
	"addr add 2001:db8:1::1/64 dev d1 nodad",
}

// regression is a small configuration (added to base), queries, and the
// answers Linux 6.18 gave, recorded as literals (Answer.String).
type regression struct {
	name  string
	cmds  []string // "-6 ..." runs with ip -6
	cases []struct{ query, want string }
}

// parseCmd reads a configuration line with an optional -4/-6 prefix.
func parseCmd(line string) Cmd {
	switch {
	case strings.HasPrefix(line, "-4 "):
		return cmd(4, line[3:])
	case strings.HasPrefix(line, "-6 "):
		return cmd(6, line[3:])
	}
	return cmd(0, line)
}

func (r *regression) config() []Cmd {
	var out []Cmd
	for _, l := range slices.Concat(base, r.cmds) {
		out = append(out, parseCmd(l))
	}
	return out
}

func (r *regression) queries() []Query {
	qs := make([]Query, len(r.cases))
	for i, c := range r.cases {
		qs[i] = strings.Fields(c.query)
	}
	return qs
}

// TestRegressions checks govrf against Linux's recorded answers; it needs
// no privileges.
func TestRegressions(t *testing.T) {
	for _, r := range slices.Concat(regressions, regressionsFound) {
		t.Run(r.name, func(t *testing.T) {
			g := NewGovrf()
			for i, e := range g.Apply(r.config()) {
				if e != "" {
					t.Fatalf("govrf %s: %s, Linux accepts it", r.config()[i], e)
				}
			}
			got, err := g.RouteGet(r.queries())
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range r.cases {
				if got[i].String() != c.want {
					t.Errorf("govrf route get %s = %s, want %s", c.query, got[i], c.want)
				}
			}
		})
	}
}

// TestIntegrationRegressionsOnLinux checks that the recorded answers are
// still what the running kernel says.
func TestIntegrationRegressionsOnLinux(t *testing.T) {
	requireLinux(t)
	env := newTestEnv(t)
	for _, r := range slices.Concat(regressions, regressionsFound) {
		t.Run(r.name, func(t *testing.T) {
			l, err := env.NewLinux()
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			errs, err := l.Apply(r.config())
			if err != nil {
				t.Fatal(err)
			}
			for i, e := range errs {
				if e != "" {
					t.Fatalf("ip %s: %s", r.config()[i], e)
				}
			}
			got, err := l.RouteGet(r.queries(), false)
			if err != nil {
				t.Fatal(err)
			}
			for i, c := range r.cases {
				if got[i].String() != c.want {
					t.Errorf("linux route get %s = %s, recorded %s", c.query, got[i], c.want)
				}
			}
		})
	}
}

// refusalConfig returns base, the preceding commands and the line.
func refusalConfig(pre []string, line string) []Cmd {
	var out []Cmd
	for _, l := range slices.Concat(base, pre, []string{line}) {
		out = append(out, parseCmd(l))
	}
	return out
}

// TestRefusals checks that govrf accepts or refuses configuration lines as
// Linux did.
func TestRefusals(t *testing.T) {
	for _, r := range refusals {
		cmds := refusalConfig(r.cmds, r.line)
		got := NewGovrf().Apply(cmds)
		for i, e := range got[:len(got)-1] {
			if e != "" {
				t.Fatalf("govrf %s: %s, Linux accepts it", cmds[i], e)
			}
		}
		if e := got[len(got)-1]; e != r.want {
			t.Errorf("govrf %s: %q, want %q", r.line, e, r.want)
		}
	}
}

// TestIntegrationRefusalsOnLinux checks the recorded refusals against the
// running kernel.
func TestIntegrationRefusalsOnLinux(t *testing.T) {
	requireLinux(t)
	env := newTestEnv(t)
	for _, r := range refusals {
		cmds := refusalConfig(r.cmds, r.line)
		l, err := env.NewLinux()
		if err != nil {
			t.Fatal(err)
		}
		got, err := l.Apply(cmds)
		l.Close()
		if err != nil {
			t.Fatal(err)
		}
		if e := got[len(got)-1]; e != r.want {
			t.Errorf("linux %s: %q, recorded %q", r.line, e, r.want)
		}
	}
}

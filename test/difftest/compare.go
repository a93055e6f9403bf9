package difftest

import (
	"fmt"
	"slices"
	"strings"
)

// Env creates the Linux namespaces a comparison uses; tests pass one that
// registers their removal with t.Cleanup.
type Env interface {
	NewLinux() (*Linux, error)
}

// Mismatch is one disagreement between Linux and govrf: on a query, or
// (Query nil) on whether configuration line Line was accepted.
type Mismatch struct {
	Origin string // where the case came from ("-difftest.seed=1 config 3")
	Cmds   []Cmd
	Query  Query
	Line   int
	Linux  Answer
	Govrf  Answer
	Fields []string // what differs: "accept", "message", or answer fields
}

// Report formats the mismatch: with config, as a self-contained case;
// without, only where it came from and what differs.
func (m *Mismatch) Report(config bool) string {
	var b strings.Builder
	if m.Origin != "" {
		fmt.Fprintf(&b, "from %s\n", m.Origin)
	}
	if config {
		cmds := m.Cmds
		if m.Query == nil {
			cmds = cmds[:m.Line]
		}
		b.WriteString("config:\n")
		for _, c := range cmds {
			fmt.Fprintf(&b, "    %s\n", c)
		}
	}
	if m.Query == nil {
		fmt.Fprintf(&b, "line: %s\n", m.Cmds[m.Line])
	} else {
		fmt.Fprintf(&b, "query: %s\n", m.Query)
	}
	fmt.Fprintf(&b, "linux: %s\ngovrf: %s\ndiffers in: %s", orAccepted(m.Linux), orAccepted(m.Govrf),
		strings.Join(m.Fields, ", "))
	return b.String()
}

func orAccepted(a Answer) string {
	if a.Type == "" && a.Err == "" {
		return "accepted"
	}
	return a.String()
}

// signature groups mismatches that are probably the same disagreement.
func (m *Mismatch) signature() string {
	if m.Query == nil {
		return "line " + m.Cmds[m.Line].Words[0] + " " + strings.Join(m.Fields, ",") + " " + m.Linux.Err + "|" + m.Govrf.Err
	}
	kind := "output"
	if slices.Contains(m.Query, "iif") {
		kind = "input"
	}
	return fmt.Sprintf("%s %s %s|%s %s", kind, strings.Join(m.Fields, ","),
		m.Linux.Type+m.Linux.Err, m.Govrf.Type+m.Govrf.Err, fam(m.Query))
}

func fam(q Query) string {
	if strings.Contains(q[0], ":") {
		return "ipv6"
	}
	return "ipv4"
}

// Outcome counts what one comparison found.
type Outcome struct {
	Lines, LinesAgree  int // configuration lines, and how many both accepted or both refused
	Queries, Agree     int // queries, and how many got the same answer
	Multipath          int // disagreements explained by multipath hashing
	Mismatches         []Mismatch
	MessageMismatches  []Mismatch // both refused a line, with different texts
	LinuxAcceptedLines []Cmd      // the lines govrf was given
}

// Compare loads cmds into a fresh namespace and into govrf (govrf gets
// the lines Linux accepted), compares the acceptance of every line, asks
// every query of both and compares the answers.
func Compare(env Env, cmds []Cmd, qs []Query) (o *Outcome, err error) {
	l, err := env.NewLinux()
	if err != nil {
		return nil, err
	}
	defer func() {
		if cerr := l.Close(); err == nil {
			err = cerr
		}
	}()
	lerr, err := l.Apply(cmds)
	if err != nil {
		return nil, err
	}
	o = &Outcome{Lines: len(cmds), Queries: len(qs)}
	g := o.compareLines(cmds, lerr)
	return o, o.compareQueries(l, g, cmds, qs)
}

// compareLines feeds govrf the lines Linux accepted, compares acceptance
// and error texts line by line, and returns the loaded govrf.
func (o *Outcome) compareLines(cmds []Cmd, lerr []string) *Govrf {
	g := NewGovrf()
	for i, c := range cmds {
		gerr := acceptance(g, o.LinuxAcceptedLines, c, lerr[i] == "")
		m := Mismatch{Cmds: cmds, Line: i, Linux: Answer{Err: lerr[i]}, Govrf: Answer{Err: gerr}}
		switch {
		case (lerr[i] == "") != (gerr == ""):
			m.Fields = []string{"accept"}
			o.Mismatches = append(o.Mismatches, m)
		case lerr[i] != gerr:
			m.Fields = []string{"message"}
			o.MessageMismatches = append(o.MessageMismatches, m)
			o.LinesAgree++
		default:
			o.LinesAgree++
		}
		if lerr[i] == "" {
			o.LinuxAcceptedLines = append(o.LinuxAcceptedLines, c)
		}
	}
	return g
}

// compareQueries asks every query of both sides. Where the answers differ
// in the path taken, Linux is asked again with fibmatch for the matched
// route's paths.
func (o *Outcome) compareQueries(l *Linux, g *Govrf, cmds []Cmd, qs []Query) error {
	la, err := l.RouteGet(qs, false)
	if err != nil {
		return err
	}
	ga, err := g.RouteGet(qs)
	if err != nil {
		return err
	}
	var odd []int
	var again []Query
	for i := range qs {
		if diff(la[i], ga[i]) != nil {
			odd = append(odd, i)
			again = append(again, qs[i])
		}
	}
	o.Agree = len(qs) - len(odd)
	if len(odd) == 0 {
		return nil
	}
	matched, err := l.RouteGet(again, true)
	if err != nil {
		return err
	}
	shown, err := l.shownGateways(again, matched)
	if err != nil {
		return err
	}
	seeded := hashSeeded(cmds)
	for k, i := range odd {
		d := diff(la[i], ga[i])
		gw := func(h Hop) (string, bool) { g, ok := shown[path{k, h}]; return g, ok }
		// A link-local address in the query is each side's own (a
		// dummy's and a veth's differ), so its hash differs too.
		sameFlow := seeded && !slices.ContainsFunc(qs[i], isLinkLocalName)
		if !sameFlow && multipathOK(d, la[i], ga[i], matched[k].Nexthops, gw) {
			o.Multipath++
			continue
		}
		o.Mismatches = append(o.Mismatches, Mismatch{Cmds: cmds, Query: qs[i], Linux: la[i], Govrf: ga[i], Fields: d})
	}
	return nil
}

// hashSeeded reports whether cmds set fib_multipath_hash_seed: Linux's
// multipath hash is then reproducible, and govrf must take the same path.
func hashSeeded(cmds []Cmd) bool {
	for _, c := range cmds {
		if kv, ok := c.isSysctl(); ok && strings.HasPrefix(kv, "net.ipv4.fib_multipath_hash_seed=") &&
			kv != "net.ipv4.fib_multipath_hash_seed=0" {
			return true
		}
	}
	return false
}

// isLinkLocalName reports whether a query word names a link's own
// link-local address.
func isLinkLocalName(w string) bool { return strings.HasPrefix(w, llName("")) }

// acceptance returns govrf's error text for line c. A line Linux accepted
// is applied to g; one it refused is tried on a copy (a govrf that
// replays the lines accepted so far), so g keeps Linux's state.
func acceptance(g *Govrf, accepted []Cmd, c Cmd, linuxAccepted bool) string {
	if linuxAccepted {
		return g.Apply([]Cmd{c})[0]
	}
	scratch := NewGovrf()
	scratch.Apply(accepted)
	return scratch.Apply([]Cmd{c})[0]
}

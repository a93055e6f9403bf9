package difftest

import (
	"fmt"
	"net/netip"
	"strings"
)

// Cmd is one configuration command: the words of an ip (or govrf) command
// line after the program name, and the address family option it runs
// under, since `ip -batch` lines cannot carry -4/-6 themselves.
type Cmd struct {
	Family int // 0 (inferred), 4 or 6
	Words  []string
}

// cmd builds a Cmd from a command line.
func cmd(family int, line string) Cmd { return Cmd{Family: family, Words: strings.Fields(line)} }

// Args returns the command's arguments, the family option first.
func (c Cmd) Args() []string {
	if c.Family == 0 {
		return c.Words
	}
	return append([]string{fmt.Sprintf("-%d", c.Family)}, c.Words...)
}

// String returns the command line as a user would type it after `ip`.
func (c Cmd) String() string { return strings.Join(c.Args(), " ") }

// isLinkAdd reports whether c creates a dummy link, and its name.
func (c Cmd) isLinkAdd() (string, bool) {
	w := c.Words
	if len(w) == 5 && w[0] == "link" && w[1] == "add" && w[3] == "type" && w[4] == "dummy" {
		return w[2], true
	}
	return "", false
}

// isSysctl reports whether c is `sysctl -w KEY=VALUE`, and the assignment.
func (c Cmd) isSysctl() (string, bool) {
	if len(c.Words) == 3 && c.Words[0] == "sysctl" && c.Words[1] == "-w" {
		return c.Words[2], true
	}
	return "", false
}

// Config is a generated configuration and what the query generator needs
// to aim at it.
type Config struct {
	Cmds []Cmd
	Pool Pool
}

// Pool is what a configuration makes interesting to ask about.
type Pool struct {
	Links   []string     // the dummy links, d0, d1, ...
	Local   []netip.Addr // addresses configured on links
	Dst     []netip.Addr // prefix edges, gateways, broadcasts, neighbours
	Marks   []uint32     // firewall marks the rules test
	Tos     []uint8      // TOS values the rules and routes test
	LinkLoc []string     // symbolic link-local addresses, "LL:dN"
}

// Query is a `route get` command: its words after `route get`, in which a
// word "LL:dN" stands for dN's link-local address (different on each side,
// since it derives from the random MAC address).
type Query []string

// String returns the query as a command line.
func (q Query) String() string { return "route get " + strings.Join(q, " ") }

// resolve replaces the symbolic link-local words with the side's addresses.
func (q Query) resolve(ll map[string]netip.Addr) []string {
	out := make([]string, 0, len(q)+2)
	out = append(out, "route", "get")
	for _, w := range q {
		if a, ok := ll[w]; ok {
			w = a.String()
		}
		out = append(out, w)
	}
	return out
}

// llName is the symbolic word for a link's link-local address.
func llName(link string) string { return "LL:" + link }

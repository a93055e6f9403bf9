// Package demo tells the seed article's story with govrf: companies A and
// B both number their sites 192.168.1.0/24 and 192.168.2.0/24, and one
// router keeps them apart with VRFs a and b. It prints each step and the
// govrf commands it runs.
package demo

import (
	"fmt"
	"io"
)

// Config returns the router's configuration: VRFs a (table 10) and b
// (table 20), ports ra1, ra2 in a and rb1, rb2 in b with the same
// addresses on both sides, misses kept inside each VRF. port makes the
// line that creates a port. The end-to-end tests run the same.
func Config(port func(name string) string) []string {
	lines := []string{
		"link add name a type vrf table 10",
		"link add name b type vrf table 20",
		"link set dev a up",
		"link set dev b up",
	}
	for _, p := range []struct{ name, vrf, net string }{
		{"ra1", "a", "1"}, {"ra2", "a", "2"}, {"rb1", "b", "1"}, {"rb2", "b", "2"},
	} {
		lines = append(lines, port(p.name),
			"link set dev "+p.name+" master "+p.vrf,
			"link set dev "+p.name+" up",
			"addr add 192.168."+p.net+".1/24 dev "+p.name,
			"addr add 2001:db8:"+p.net+"::1/64 dev "+p.name)
	}
	return append(lines,
		"route add unreachable default metric 4278198272 vrf a",
		"route add unreachable default metric 4278198272 vrf b",
		"-6 route add unreachable default metric 4278198272 vrf a",
		"-6 route add unreachable default metric 4278198272 vrf b",
		"sysctl -w net.ipv4.ip_forward=1",
		"sysctl -w net.ipv6.conf.all.forwarding=1",
	)
}

// story prints the steps of a run.
type story struct {
	out  io.Writer
	step int
}

func (s *story) say(format string, a ...any) {
	s.step++
	fmt.Fprintf(s.out, "\n== %d. %s\n", s.step, fmt.Sprintf(format, a...))
}

func (s *story) cmd(line string) { fmt.Fprintf(s.out, "$ govrf %s\n", line) }

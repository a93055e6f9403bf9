// Package demo tells the seed story with govrf: companies A and
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

// intro tells what the demo shows, before it starts.
func intro(out io.Writer, real bool) {
	fmt.Fprint(out, `The seed story: companies A and B each have two sites, and both number
them the same way. One router R carries both companies' traffic and must
keep them apart: it has a VRF per company, a (table 10) for A and b (table
20) for B, with the same addresses in each.

    site  company  address                          router port  VRF  gateway
    A1    A        192.168.1.10/24  2001:db8:1::10  ra1          a    192.168.1.1
    A2    A        192.168.2.10/24  2001:db8:2::10  ra2          a    192.168.2.1
    B1    B        192.168.1.10/24  2001:db8:1::10  rb1          b    192.168.1.1
    B2    B        192.168.2.10/24  2001:db8:2::10  rb2          b    192.168.2.1

A1 pings 192.168.2.10 and must reach A2, never B2; B1 pings the same
address and must reach B2, never A2.
`)
	if real {
		fmt.Fprint(out, `
Here the sites and R are network namespaces joined by veth pairs, govrfd
runs in R on its ends of the veths, and the pings are the system's ping.
That the other company received nothing is read from its own kernel:
before and after each ping the demo reads the echo requests the other
company's host has received (InEchos in /proc/net/snmp and Icmp6InEchos
in /proc/net/snmp6 of its namespace): B2's while A1 pings, A2's while
B1 pings. They must not move.
`)
	} else {
		fmt.Fprint(out, `
Without root the sites are simulated hosts on in-memory ports; that B
received nothing is read from B2's capture, which must stay empty.
`)
	}
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

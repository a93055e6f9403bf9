package cli

import (
	"fmt"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
)

// routeVerbs lists `route` commands in iproute2's order (do_iproute),
// which decides what an abbreviation means: "r" is replace, "s" show.
var routeVerbs []struct {
	name string
	run  func(c *ctx, a *args) error
}

func init() {
	modify := func(op fib.Op) func(c *ctx, a *args) error {
		return func(c *ctx, a *args) error { return routeModify(c, a, op, false) }
	}
	routeVerbs = []struct {
		name string
		run  func(c *ctx, a *args) error
	}{
		{"add", modify(fib.OpAdd)},
		{"change", modify(fib.OpChange)},
		{"replace", modify(fib.OpReplace)},
		{"prepend", modify(fib.OpPrepend)},
		{"append", modify(fib.OpAppend)},
		{"test", unsupportedVerb},
		{"delete", func(c *ctx, a *args) error { return routeModify(c, a, fib.OpAdd, true) }},
		{"list", routeList},
		{"show", routeList},
		{"lst", routeList},
		{"get", routeGet},
		{"flush", routeFlush},
		{"save", unsupportedVerb},
		{"restore", unsupportedVerb},
		{"showdump", unsupportedVerb},
		{"help", routeHelp},
	}
}

// doRoute runs `route ...` (ip/iproute.c do_iproute).
func doRoute(c *ctx, a *args) error {
	if !a.more() {
		return routeList(c, a)
	}
	verb := a.next()
	if verb == "chg" {
		return routeModify(c, a, fib.OpChange, false)
	}
	for _, v := range routeVerbs {
		if matches(verb, v.name) {
			return v.run(c, a)
		}
	}
	return errUnknown(verb, "route")
}

// unsupportedVerb refuses the iproute2 commands that move binary netlink
// dumps (save, restore, showdump) or only probe the kernel (test).
func unsupportedVerb(c *ctx, a *args) error {
	return &cmdError{fmt.Sprintf("Command %q is not supported by govrf.", a.w[a.i-1]), exitUsage}
}

const routeUsage = `Usage: govrf route { list | flush } SELECTOR
       govrf route get [ fibmatch ] ADDRESS [ from ADDRESS iif STRING ]
                       [ oif STRING ] [ tos TOS ] [ mark NUMBER ] [ vrf NAME ]
                       [ ipproto PROTOCOL ] [ sport NUMBER ] [ dport NUMBER ]
                       [ flowlabel NUMBER ]
       govrf route { add | del | change | append | replace | prepend } ROUTE
SELECTOR := [ root PREFIX ] [ match PREFIX ] [ exact PREFIX ]
            [ table TABLE_ID ] [ vrf NAME ] [ proto RTPROTO ]
            [ type TYPE ] [ scope SCOPE ] [ dev STRING ] [ via ADDRESS ]
ROUTE := NODE_SPEC [ INFO_SPEC ]
NODE_SPEC := [ TYPE ] PREFIX [ tos TOS ] [ table TABLE_ID | vrf NAME ]
             [ proto RTPROTO ] [ scope SCOPE ] [ metric METRIC ]
INFO_SPEC := { NH | nhid ID } [ src ADDRESS ] [ nexthop NH ]...
NH := [ via [ FAMILY ] ADDRESS ] [ dev STRING ] [ weight NUMBER ] [ onlink ]
FAMILY := [ inet | inet6 ]
TYPE := { unicast | local | broadcast | multicast | throw |
          unreachable | prohibit | blackhole }
TABLE_ID := [ local | main | default | all | NUMBER ]
SCOPE := [ host | link | global | NUMBER ]
RTPROTO := [ kernel | boot | static | NUMBER ]
`

// routeHelp prints the usage, as `ip route help` does, and fails.
func routeHelp(c *ctx, a *args) error {
	return errUsage(routeUsage)
}

// linkIndex resolves a device name as ll_name_to_index: the link's index,
// else the index written as "ifN", else 0.
func linkIndex(s *control.Snapshot, name string) int {
	if l := s.LinkByName(name); l != nil {
		return l.Index
	}
	if len(name) > 2 && name[:2] == "if" {
		// sscanf("if%u"): trailing characters are ignored.
		n, neg, _, digits, _ := cNumber(name[2:], 10)
		if neg {
			n = -n
		}
		if digits {
			return int(uint32(n))
		}
	}
	return 0
}

// vrfTable is ipvrf_get_table: the table of VRF name, main for "default"
// when no link has that name, 0 when name is not a VRF.
func vrfTable(s *control.Snapshot, name string) fib.TableID {
	l := s.LinkByName(name)
	switch {
	case l == nil && name == "default":
		return fib.TableMain
	case l == nil || !l.IsVRF():
		return 0
	}
	return l.Table
}

// familyOf returns 4 or 6 for an address.
func familyOf(isV4 bool) int {
	if isV4 {
		return 4
	}
	return 6
}

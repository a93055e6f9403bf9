package rule

import (
	"strconv"

	"github.com/govrf/govrf/internal/fib"
)

// String returns the word `ip rule` uses for the action: "lookup", "goto",
// "nop", or the route type name iproute2 prints for the others
// ("blackhole", "unreachable", "prohibit"); the FR_ACT_* values are the
// RTN_* values iproute2 parses them from.
func (a Action) String() string {
	switch a {
	case ActionTable:
		return "lookup"
	case ActionGoto:
		return "goto"
	case ActionNop:
		return "nop"
	}
	return fib.Type(a).String()
}

// IsSet reports whether the range selects ports (fib_rule_port_range_set):
// both ends non-zero.
func (p PortRange) IsSet() bool { return p.Lo != 0 && p.Hi != 0 }

// String returns the range as `ip rule` prints it: "80" or "1024-2047".
func (p PortRange) String() string {
	if p.Lo == p.Hi {
		return strconv.Itoa(int(p.Lo))
	}
	return strconv.Itoa(int(p.Lo)) + "-" + strconv.Itoa(int(p.Hi))
}

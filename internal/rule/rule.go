// Package rule is the policy-routing rule list of one address family and
// its walk, as net/core/fib_rules.c and fib4_rules.c/fib6_rules.c do it:
// rules ordered by preference, selectors, the actions table, goto, nop,
// blackhole, unreachable and prohibit, suppress_prefixlength, and the
// l3mdev rule that sends a VRF's flows to the VRF's table.
package rule

import (
	"net/netip"

	"github.com/govrf/govrf/internal/fib"
)

// Action is what a matching rule does (FR_ACT_*).
type Action uint8

// Rule actions with their rtnetlink values.
const (
	ActionUnspec      Action = 0
	ActionTable       Action = 1 // FR_ACT_TO_TBL
	ActionGoto        Action = 2
	ActionNop         Action = 3
	ActionBlackhole   Action = 6
	ActionUnreachable Action = 7
	ActionProhibit    Action = 8
)

// PortRange is an inclusive port range; the zero value matches any port.
type PortRange struct{ Lo, Hi uint16 }

// Rule is one policy rule. Iif and Oif are kept by name, as the kernel
// does: a rule naming a link that does not exist is shown [detached] and
// matches nothing until the link appears.
type Rule struct {
	Pref     uint32
	Invert   bool         // `not`
	Src, Dst netip.Prefix // invalid: any
	Iif, Oif string       // "": any
	Mark     uint32
	Mask     uint32 // fwmark mask; 0xffffffff when `fwmark M` has no mask
	Tos      uint8
	IPProto  uint8
	Sport    PortRange
	Dport    PortRange
	L3mdev   bool // `l3mdev`: the table is the flow's VRF table
	Action   Action
	Table    fib.TableID // for ActionTable
	Goto     uint32      // for ActionGoto: the target preference
	Proto    fib.Proto   // who installed it (`protocol kernel` for l3mdev)
	// SuppressPrefixlen rejects table results with a prefix this short or
	// shorter; -1: off.
	SuppressPrefixlen int
	// SuppressIfgroup rejects results through a link of this group; -1: off.
	SuppressIfgroup int
}

// Flow is the part of a flow the rules look at, after l3mdev_update_flow:
// Iif and Oif are link indexes (1, loopback, for locally originated flows),
// L3mdev is the index of the flow's VRF and L3mdevTable its table (0 when the
// flow carries no L3 domain).
type Flow struct {
	Src, Dst    netip.Addr
	Iif, Oif    int
	L3mdev      int
	L3mdevTable fib.TableID
	Mark        uint32
	Tos         uint8
	IPProto     uint8
	Sport       uint16
	Dport       uint16
}

// Links resolves the rule's link names when a List is built.
type Links interface {
	// Index returns the index of the named link and whether it is a VRF.
	Index(name string) (index int, isVRF bool, ok bool)
	// Group returns the link group of a link index (`ip link set group`).
	Group(index int) int
}

// TableLookup performs the lookup a table action asks for. It returns the
// matched prefix length and output link for the suppress selectors, and
// err: 0 on success, EAGAIN on a miss or a throw route (the walk goes on),
// or the error of an error route (EHOSTUNREACH, EACCES, EINVAL).
type TableLookup interface {
	LookupTable(id fib.TableID) (plen int, dev int, err error)
}

// Verdict is the outcome of a rule walk.
type Verdict struct {
	Pref  uint32      // the rule that decided
	Table fib.TableID // the table it looked up (0 for error actions)
	Err   error       // nil, or ENETUNREACH / EACCES / EINVAL / ESRCH-as-ENETUNREACH
}

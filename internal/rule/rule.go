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
	Src, Dst netip.Prefix // invalid: any; host bits kept as given
	Iif, Oif string       // "": any
	Mark     uint32
	Mask     uint32 // fwmark mask; 0xffffffff when `fwmark M` has no mask
	Tos      uint8  // DS field byte (`tos`/`dsfield`); 0: any
	IPProto  uint8
	Sport    PortRange
	Dport    PortRange
	L3mdev   bool // `l3mdev`: the table is the flow's VRF table
	Action   Action
	Table    fib.TableID // for ActionTable
	Goto     uint32      // for ActionGoto: the target preference; 0: none
	Proto    fib.Proto   // who installed it (`protocol kernel` for l3mdev)
	// SuppressPrefixlen rejects table results with a prefix this short or
	// shorter; -1: off.
	SuppressPrefixlen int
	// SuppressIfgroup rejects results through a link of this group; -1: off.
	// Note that the zero Rule suppresses: a rule without suppressors has
	// both fields at -1.
	SuppressIfgroup int
}

// Flow is the part of a flow the rules look at, after l3mdev_update_flow
// (see UpdateL3mdev): Iif and Oif are link indexes (1, loopback, for locally
// originated flows), L3mdev is the index of the flow's VRF and L3mdevTable
// its table (0 when the flow carries no L3 domain).
//
// Src is invalid while a locally originated flow has no source yet: IPv4
// rules then compare 0.0.0.0, and IPv6 `from` rules do not match
// (fib6_rule_match without RT6_LOOKUP_F_HAS_SADDR). Tos is the packet's
// DS field byte. The family of the flow is the family of Dst.
type Flow struct {
	Src, Dst    netip.Addr
	Iif, Oif    int
	L3mdev      int
	L3mdevTable fib.TableID
	// L3mdevFromOif records that L3mdev was derived from the output link
	// (FLOWI_FLAG_L3MDEV_OIF): `oif VRF` rules match such flows and
	// `iif VRF` rules the others.
	L3mdevFromOif bool
	Mark          uint32
	Tos           uint8
	IPProto       uint8
	Sport         uint16
	Dport         uint16
	FlowLabel     uint32 // IPv6 flow label (flowi6 flowlabel), for the multipath hash
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
	// Index is the position of the deciding rule in the List, or -1 when
	// the walk fell off the end (Pref and Table are then 0).
	Index int
}

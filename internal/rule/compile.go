package rule

import (
	"net/netip"

	"github.com/govrf/govrf/internal/fib"
)

// List is a compiled, immutable rule list: what the data path walks, from
// any number of goroutines at once. Compile a new List whenever the rules
// or the links they name change; the kernel re-resolves its rules on the
// same events (attach_rules, detach_rules).
type List struct {
	rules []compiled
	// links answers the link-group questions of suppress_ifgroup; it must
	// stay valid, like the snapshot it belongs to, as long as the List.
	links Links
}

// compiled is one rule in the form the walk needs.
type compiled struct {
	pref   uint32
	invert bool
	// iif and oif are link indexes: 0 any, -1 detached (matches nothing).
	iif, oif int
	// iifVRF and oifVRF mark links that are VRFs: the rule then matches
	// the flow's L3 domain instead of its link (iif_is_l3_master).
	iifVRF, oifVRF bool
	mark, mask     uint32
	l3mdev         bool
	src, dst       netip.Prefix // masked; invalid: any
	dscp           uint8        // Tos without ECN bits; 0: any
	ipproto        uint8
	sport, dport   PortRange
	action         Action
	table          fib.TableID
	target         int // goto: index of the target rule; -1 unresolved
	supPlen        int
	supGroup       int
}

// Compile resolves rules, in Set order, against links. A rule naming a link
// that does not exist is detached and matches nothing. A goto jumps to the
// first rule whose preference is its target, searched after the goto
// itself (the only place a Set can hold it, since backward gotos are
// refused); with no such rule the goto is unresolved and skipped, as
// fib_rules_lookup skips a NULL ctarget. links may be nil when no rule
// names a link.
func Compile(rules []Rule, links Links) *List {
	l := &List{rules: make([]compiled, len(rules)), links: links}
	for i := range rules {
		r := &rules[i]
		c := &l.rules[i]
		*c = compiled{
			pref:     r.Pref,
			invert:   r.Invert,
			mark:     r.Mark,
			mask:     r.Mask,
			l3mdev:   r.L3mdev,
			src:      anyOrMasked(r.Src),
			dst:      anyOrMasked(r.Dst),
			dscp:     r.Tos &^ 0x03,
			ipproto:  r.IPProto,
			sport:    r.Sport,
			dport:    r.Dport,
			action:   r.Action,
			table:    r.Table,
			target:   -1,
			supPlen:  r.SuppressPrefixlen,
			supGroup: r.SuppressIfgroup,
		}
		c.iif, c.iifVRF = resolve(links, r.Iif)
		c.oif, c.oifVRF = resolve(links, r.Oif)
		if r.Action == ActionGoto && r.Goto != 0 {
			for j := i + 1; j < len(rules); j++ {
				if rules[j].Pref == r.Goto {
					c.target = j
					break
				}
			}
		}
	}
	return l
}

func anyOrMasked(p netip.Prefix) netip.Prefix {
	if !p.IsValid() || p.Bits() == 0 {
		return netip.Prefix{}
	}
	return p.Masked()
}

// resolve turns a rule's link name into an index, as fib_nl2rule_rtnl and
// attach_rules do.
func resolve(links Links, name string) (index int, isVRF bool) {
	if name == "" {
		return 0, false
	}
	if links != nil {
		if i, vrf, ok := links.Index(name); ok {
			return i, vrf
		}
	}
	return -1, false
}

// Len returns the number of rules.
func (l *List) Len() int { return len(l.rules) }

// Detached reports whether rule i names an iif or oif link that does not
// exist; `ip rule show` prints "[detached]" after the name
// (FIB_RULE_IIF_DETACHED, FIB_RULE_OIF_DETACHED).
func (l *List) Detached(i int) (iif, oif bool) {
	return l.rules[i].iif == -1, l.rules[i].oif == -1
}

// Unresolved reports whether rule i is a goto whose target preference no
// rule has; `ip rule show` prints "[unresolved]" (FIB_RULE_UNRESOLVED).
func (l *List) Unresolved(i int) bool {
	return l.rules[i].action == ActionGoto && l.rules[i].target < 0
}

package rule

import (
	"net/netip"
	"slices"
	"syscall"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rterr"
)

// Set is the ordered rule list of one address family as `ip rule add` and
// `ip rule del` edit it (net/core/fib_rules.c fib_nl_newrule and
// fib_nl_delrule). A Set has one writer; a Set published in a snapshot must
// not change, so the writer edits a Clone.
type Set struct {
	family fib.Family
	rules  []Rule // ascending Pref; equal prefs in insertion order
}

// NewSet returns the rules a new network namespace starts with. IPv4 has
// `0: lookup local`, `32766: lookup main` and `32767: lookup default`
// (fib_default_rules_init); IPv6 has no default-table rule
// (fib6_rules_net_init).
func NewSet(family fib.Family) *Set {
	s := &Set{family: family}
	s.rules = append(s.rules, defaultRule(0, fib.TableLocal), defaultRule(32766, fib.TableMain))
	if family == fib.IPv4 {
		s.rules = append(s.rules, defaultRule(32767, fib.TableDefault))
	}
	return s
}

// defaultRule is what fib_default_rule_add installs.
func defaultRule(pref uint32, table fib.TableID) Rule {
	return Rule{Pref: pref, Action: ActionTable, Table: table, Proto: fib.ProtoKernel,
		SuppressPrefixlen: -1, SuppressIfgroup: -1}
}

// Family returns the address family of the rules.
func (s *Set) Family() fib.Family { return s.family }

// Rules returns a copy of the rules in walk order.
func (s *Set) Rules() []Rule { return slices.Clone(s.rules) }

// Clone returns an independent copy for copy-on-write editing.
func (s *Set) Clone() *Set { return &Set{family: s.family, rules: slices.Clone(s.rules)} }

// Add inserts r after every rule whose preference is lower or equal, with
// the checks and errors of fib_nl_newrule for the request `ip rule add`
// sends (NLM_F_EXCL, so a duplicate is EEXIST). Without prefGiven the rule
// gets fib_default_rule_pref: one below the second rule's preference.
//
// An IPv4 `table 0` rule (action table, no l3mdev) gets a new empty table in
// the kernel (fib_empty_table); the Set cannot see tables, so the caller
// picks that table before Add, and Add refuses Table 0 with ENOBUFS, the
// kernel's answer when no table id is free.
func (s *Set) Add(r Rule, prefGiven bool) error {
	normalize(&r)
	if err := s.check(&r, prefGiven); err != nil {
		return err
	}
	if s.exists(&r) {
		return rterr.New(syscall.EEXIST, "")
	}
	if err := s.configure(&r); err != nil {
		return err
	}
	i := 0
	for i < len(s.rules) && s.rules[i].Pref <= r.Pref {
		i++
	}
	s.rules = slices.Insert(s.rules, i, r)
	return nil
}

// Delete removes and returns the first rule that sel selects, as
// fib_nl_delrule with rule_find: only the attributes sel gives must match
// (non-zero fields, Suppress* other than -1, Pref when prefGiven, L3mdev
// when set; Invert and Goto are never compared). The request goes through
// Add's attribute checks (fib_nl2rule), though not its tos and table ones,
// so a goto selector behind its default preference is a backward goto.
func (s *Set) Delete(sel Rule, prefGiven bool) (Rule, error) {
	normalize(&sel)
	if err := s.check(&sel, prefGiven); err != nil {
		return Rule{}, err
	}
	for i := range s.rules {
		if selects(&sel, &s.rules[i], prefGiven) {
			r := s.rules[i]
			s.rules = slices.Delete(s.rules, i, i+1)
			return r, nil
		}
	}
	return Rule{}, rterr.New(syscall.ENOENT, "")
}

// normalize drops zero-length prefixes: the kernel keeps no address for
// them (src_len 0 is `from all`).
func normalize(r *Rule) {
	if r.Src.Bits() == 0 {
		r.Src = netip.Prefix{}
	}
	if r.Dst.Bits() == 0 {
		r.Dst = netip.Prefix{}
	}
}

// check is fib_nl2rule and fib_nl2rule_rtnl, in their order. It fills in
// the default preference.
func (s *Set) check(r *Rule, prefGiven bool) error {
	switch {
	case r.Src.IsValid() && !s.ofFamily(r.Src):
		return invalid("Invalid source address")
	case r.Dst.IsValid() && !s.ofFamily(r.Dst):
		return invalid("Invalid dst address")
	case r.Goto != 0 && r.Action != ActionGoto:
		return invalid("Unexpected goto")
	case r.Action == ActionGoto && r.Goto == 0:
		// The kernel keeps no target 0 either: `ip rule show` prints a
		// goto without target as "goto none".
		return invalid("Missing goto target for action goto")
	case r.L3mdev && r.Table != 0:
		return invalid("l3mdev and table are mutually exclusive")
	case !validRange(r.Sport):
		return invalid("Invalid sport range")
	case !validRange(r.Dport):
		return invalid("Invalid dport range")
	}
	if !prefGiven {
		r.Pref = s.defaultPref()
	}
	// Backward jumps are refused so that the walk always ends.
	if r.Action == ActionGoto && r.Goto <= r.Pref {
		return invalid("Backward goto not supported")
	}
	return nil
}

// configure is fib4_rule_configure / fib6_rule_configure, run on add only.
func (s *Set) configure(r *Rule) error {
	const ecn, ipv4Tos = 0x03, 0x1e // INET_ECN_MASK, IPTOS_TOS_MASK
	if r.Tos&ecn != 0 {
		return invalid("Invalid dsfield (tos): ECN bits must be 0")
	}
	if s.family == fib.IPv4 && r.Tos&^ipv4Tos != 0 {
		return invalid("Invalid tos")
	}
	if r.Action == ActionTable && !r.L3mdev && r.Table == 0 {
		if s.family == fib.IPv6 {
			return invalid("Invalid table")
		}
		return rterr.New(syscall.ENOBUFS, "")
	}
	return nil
}

// defaultPref is fib_default_rule_pref.
func (s *Set) defaultPref() uint32 {
	if len(s.rules) >= 2 && s.rules[1].Pref != 0 {
		return s.rules[1].Pref - 1
	}
	return 0
}

func (s *Set) ofFamily(p netip.Prefix) bool { return p.Addr().Is4() == (s.family == fib.IPv4) }

// validRange is fib_rule_port_range_valid for a range that was given.
func validRange(p PortRange) bool {
	return p == PortRange{} || p.Lo != 0 && p.Hi != 0 && p.Lo <= p.Hi
}

func invalid(msg string) error { return rterr.New(syscall.EINVAL, msg) }

// exists is rule_exists: every attribute equal, except that the family
// part compares addresses and tos only when n has them (ops->compare), and
// `not` and the goto target are not compared at all.
func (s *Set) exists(n *Rule) bool {
	for i := range s.rules {
		r := &s.rules[i]
		if r.Action == n.Action && r.Table == n.Table && r.Pref == n.Pref &&
			r.Iif == n.Iif && r.Oif == n.Oif && r.Mark == n.Mark && r.Mask == n.Mask &&
			r.SuppressIfgroup == n.SuppressIfgroup && r.SuppressPrefixlen == n.SuppressPrefixlen &&
			r.L3mdev == n.L3mdev && r.IPProto == n.IPProto && r.Proto == n.Proto &&
			r.Sport == n.Sport && r.Dport == n.Dport && familySelects(n, r) {
			return true
		}
	}
	return false
}

// selects is rule_find: whether the delete request sel names rule r.
func selects(sel, r *Rule, prefGiven bool) bool {
	switch {
	case sel.Action != 0 && r.Action != sel.Action,
		sel.Table != 0 && r.Table != sel.Table,
		prefGiven && r.Pref != sel.Pref,
		sel.Iif != "" && r.Iif != sel.Iif,
		sel.Oif != "" && r.Oif != sel.Oif,
		sel.Mark != 0 && r.Mark != sel.Mark,
		sel.SuppressIfgroup != -1 && r.SuppressIfgroup != sel.SuppressIfgroup,
		sel.SuppressPrefixlen != -1 && r.SuppressPrefixlen != sel.SuppressPrefixlen,
		sel.Mask != 0 && r.Mask != sel.Mask,
		sel.L3mdev && !r.L3mdev,
		sel.IPProto != 0 && r.IPProto != sel.IPProto,
		sel.Proto != 0 && r.Proto != sel.Proto,
		sel.Sport.IsSet() && r.Sport != sel.Sport,
		sel.Dport.IsSet() && r.Dport != sel.Dport:
		return false
	}
	return familySelects(sel, r)
}

// familySelects is fib4_rule_compare / fib6_rule_compare: prefixes (length
// and address as given, host bits included) and tos, each only when sel
// has it.
func familySelects(sel, r *Rule) bool {
	return (!sel.Src.IsValid() || r.Src == sel.Src) &&
		(!sel.Dst.IsValid() || r.Dst == sel.Dst) &&
		(sel.Tos == 0 || r.Tos == sel.Tos)
}

package fastpath

import (
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rule"
)

// l3mdevPref is the l3mdev rule's preference (vrf.c FIB_RULE_PREF).
const l3mdevPref = 1000

// rulesExact reports whether a family's rules, as far as a VRF's packets
// go, are "look in the local table, then the VRF's table": the rules up
// to the l3mdev rule are exactly `0: from all lookup local` and `1000:
// from all lookup [l3mdev-table]`, with no selector, suppressor or other
// action. A packet whose destination the VRF's table answers is then
// decided by the local table and that table alone; one it misses goes on
// to the later rules, which the fast path never follows (the trie misses
// and the packet goes to the slow path). Any other rule at or before
// 1000 may send a VRF's packets elsewhere: the family is not compiled.
func rulesExact(rs []rule.Rule) bool {
	if len(rs) < 2 {
		return false
	}
	local, l3 := rs[0], rs[1]
	return plain(local) && local.Pref == 0 && !local.L3mdev && local.Table == fib.TableLocal &&
		plain(l3) && l3.Pref == l3mdevPref && l3.L3mdev
}

// mainPref is the main table rule's preference.
const mainPref = 32766

// rulesExactDefault reports whether a family's rules, as far as the
// default VRF's packets go, are "look in the local table, then in main":
// rulesExact's two rules (the l3mdev rule matches no packet of the
// default VRF; its presence also means IPv4's rules are custom, so that
// the slow path walks them and checks sources in full) and then exactly
// `32766: from all lookup main`. A miss in main goes on to the default
// table, which the fast path never reads: the trie misses.
func rulesExactDefault(rs []rule.Rule) bool {
	if len(rs) < 3 || !rulesExact(rs) {
		return false
	}
	m := rs[2]
	return plain(m) && m.Pref == mainPref && !m.L3mdev && m.Table == fib.TableMain
}

// plain reports whether r matches every flow and looks up a table with
// no suppressor.
func plain(r rule.Rule) bool {
	return !r.Invert && !r.Src.IsValid() && !r.Dst.IsValid() && r.Iif == "" && r.Oif == "" &&
		r.Mark == 0 && r.Tos == 0 && r.IPProto == 0 && r.Sport == (rule.PortRange{}) &&
		r.Dport == (rule.PortRange{}) && r.Action == rule.ActionTable &&
		r.SuppressPrefixlen == -1 && r.SuppressIfgroup == -1
}

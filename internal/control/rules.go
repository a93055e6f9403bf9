package control

import (
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rule"
)

// AddRule adds a policy rule (`rule add`). prefGiven says whether the
// command named a preference; without one the kernel picks it.
func (c *Control) AddRule(f fib.Family, r rule.Rule, prefGiven bool) error {
	return c.do(func(w *Snapshot) error {
		w.markCustom(f)
		if f == fib.IPv4 && r.Action == rule.ActionTable && r.Table == fib.TableUnspec && !r.L3mdev {
			// fib4_rule_configure gives `table 0` a new empty table
			// (fib_empty_table: the lowest unused id).
			r.Table = 1
			for w.tables[r.Table] != nil {
				r.Table++
			}
			if err := w.ruleSet(f).Add(r, prefGiven); err != nil {
				return err
			}
			w.table(r.Table)
			return nil
		}
		return w.ruleSet(f).Add(r, prefGiven)
	})
}

// DelRule deletes the first rule matching the given attributes (`rule del`).
func (c *Control) DelRule(f fib.Family, sel rule.Rule, prefGiven bool) error {
	return c.do(func(w *Snapshot) error {
		if _, err := w.ruleSet(f).Delete(sel, prefGiven); err != nil {
			return err
		}
		w.markCustom(f)
		return nil
	})
}

// markCustom notes a rule change: IPv4 leaves the merged local/main mode
// for good (fib_unmerge).
func (s *Snapshot) markCustom(f fib.Family) {
	if f == fib.IPv4 && !s.customRules4 {
		s.customRules4 = true
		s.dirty = true
	}
}

// l3mdevRule is the rule the first VRF adds for each family:
// `1000: from all lookup [l3mdev-table]` (vrf.c vrf_add_fib_rules).
var l3mdevRule = rule.Rule{Pref: 1000, L3mdev: true, Action: rule.ActionTable,
	Proto: fib.ProtoKernel, Mask: 0, SuppressPrefixlen: -1, SuppressIfgroup: -1}

// addL3mdevRules adds the l3mdev rules once per namespace: if an
// administrator deletes them, later VRFs do not bring them back.
func (s *Snapshot) addL3mdevRules() {
	if s.l3mdevRuleDone {
		return
	}
	s.l3mdevRuleDone = true
	s.dirty = true
	for _, f := range []fib.Family{fib.IPv4, fib.IPv6} {
		s.ruleSet(f).Add(l3mdevRule, true)
		s.markCustom(f)
	}
}

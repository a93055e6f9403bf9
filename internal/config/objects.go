package config

import (
	"fmt"
	"strings"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rule"
)

// nexthops writes the nexthop objects: single paths first, since groups
// name them, each kind by ascending id.
func (w *writer) nexthops() {
	all := w.s.Nexthops()
	for _, nh := range all {
		if len(nh.Group) == 0 {
			w.nexthop(nh)
		}
	}
	for _, nh := range all {
		if len(nh.Group) > 0 {
			w.nexthop(nh)
		}
	}
}

func (w *writer) nexthop(nh *control.Nexthop) {
	var b strings.Builder
	if nh.Family == fib.IPv6 && !nh.Gateway.IsValid() {
		b.WriteString("-6 ")
	}
	fmt.Fprintf(&b, "nexthop add id %d", nh.ID)
	switch {
	case nh.Blackhole:
		b.WriteString(" blackhole")
	case len(nh.Group) > 0:
		b.WriteString(" group ")
		for i, m := range nh.Group {
			if i > 0 {
				b.WriteByte('/')
			}
			fmt.Fprintf(&b, "%d,%d", m.ID, max(m.Weight, 1))
		}
	default:
		if nh.Gateway.IsValid() {
			fmt.Fprintf(&b, " via %s", nh.Gateway)
		}
		fmt.Fprintf(&b, " dev %s", word(w.s.Link(nh.Dev).Name))
		if nh.Onlink {
			b.WriteString(" onlink")
		}
	}
	if nh.Proto != 0 {
		fmt.Fprintf(&b, " protocol %d", nh.Proto)
	}
	w.line("%s", b.String())
}

// routes writes every route not made by the kernel, table by table in
// table order; `route append` puts each after the routes already there for
// its prefix, so several routes of one prefix keep their order.
func (w *writer) routes() {
	for _, id := range w.s.TableIDs() {
		for r := range w.s.Table(id).All() {
			if r.Proto != fib.ProtoKernel {
				w.line("%s", w.route(&r))
			}
		}
	}
}

func (w *writer) route(r *fib.Route) string {
	var b strings.Builder
	b.WriteString("route append ")
	if r.Type != fib.TypeUnicast {
		b.WriteString(r.Type.String() + " ")
	}
	b.WriteString(r.Prefix.String())
	if r.Tos != 0 {
		fmt.Fprintf(&b, " tos 0x%02x", r.Tos)
	}
	fmt.Fprintf(&b, " table %s proto %s", r.Table, r.Proto)
	if r.Is4() {
		fmt.Fprintf(&b, " scope %s", r.Scope)
	}
	if r.Metric != 0 {
		fmt.Fprintf(&b, " metric %d", r.Metric)
	}
	if r.Src.IsValid() {
		fmt.Fprintf(&b, " src %s", r.Src)
	}
	switch {
	case r.NHID != 0:
		fmt.Fprintf(&b, " nhid %d", r.NHID)
	case r.Type.IsError():
	case len(r.Nexthops) == 1:
		w.path(&b, r, &r.Nexthops[0])
	default:
		for i := range r.Nexthops {
			b.WriteString(" nexthop")
			w.path(&b, r, &r.Nexthops[i])
			fmt.Fprintf(&b, " weight %d", max(r.Nexthops[i].Weight, 1))
		}
	}
	return b.String()
}

// path writes one nexthop of r: via, dev and onlink.
func (w *writer) path(b *strings.Builder, r *fib.Route, nh *fib.Nexthop) {
	if nh.Gateway.IsValid() {
		b.WriteString(" via ")
		if nh.Gateway.Is4() != r.Is4() {
			b.WriteString("inet6 ")
		}
		b.WriteString(nh.Gateway.String())
	}
	if l := w.s.Link(nh.Dev); l != nil {
		b.WriteString(" dev " + word(l.Name))
	}
	if nh.Onlink {
		b.WriteString(" onlink")
	}
}

// rules writes each family's rules as changes to the rules the script's
// earlier lines leave: the defaults, and the l3mdev rule if a VRF exists.
func (w *writer) rules() {
	hasVRF := false
	for l := range w.s.Links() {
		hasVRF = hasVRF || l.Kind == control.KindVRF
	}
	for _, f := range []fib.Family{fib.IPv4, fib.IPv6} {
		base := rule.NewSet(f)
		if hasVRF {
			base.Add(l3mdevRule, true)
		}
		w.ruleDelta(f, base.Rules(), w.s.Rules(f))
	}
}

// l3mdevRule is the rule the first VRF adds (vrf.c vrf_add_fib_rules).
var l3mdevRule = rule.Rule{Pref: 1000, L3mdev: true, Action: rule.ActionTable,
	Proto: fib.ProtoKernel, SuppressPrefixlen: -1, SuppressIfgroup: -1}

// ruleDelta turns base into want. Rules of equal preference are walked in
// the order they were added, so a preference's base rules are kept only
// when want starts with them at that preference; otherwise they are
// deleted and the preference's rules all added again in order.
func (w *writer) ruleDelta(f fib.Family, base, want []rule.Rule) {
	var dels, adds []rule.Rule
	for len(base) > 0 || len(want) > 0 {
		pref := minPref(base, want)
		b, bRest := cutPref(base, pref)
		o, oRest := cutPref(want, pref)
		base, want = bRest, oRest
		if len(b) <= len(o) && equalRules(b, o[:len(b)]) {
			adds = append(adds, o[len(b):]...)
			continue
		}
		dels = append(dels, b...)
		adds = append(adds, o...)
	}
	for _, r := range dels {
		w.rule(f, "del", &r)
	}
	for _, r := range adds {
		w.rule(f, "add", &r)
	}
}

func minPref(a, b []rule.Rule) uint32 {
	switch {
	case len(a) == 0:
		return b[0].Pref
	case len(b) == 0:
		return a[0].Pref
	}
	return min(a[0].Pref, b[0].Pref)
}

// cutPref splits off the leading rules of preference pref.
func cutPref(rs []rule.Rule, pref uint32) (head, rest []rule.Rule) {
	n := 0
	for n < len(rs) && rs[n].Pref == pref {
		n++
	}
	return rs[:n], rs[n:]
}

func equalRules(a, b []rule.Rule) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// rule writes `rule add|del` with every attribute of r.
func (w *writer) rule(f fib.Family, verb string, r *rule.Rule) {
	var b strings.Builder
	if f == fib.IPv6 {
		b.WriteString("-6 ")
	} else {
		b.WriteString("-4 ")
	}
	fmt.Fprintf(&b, "rule %s pref %d", verb, r.Pref)
	if r.Invert {
		b.WriteString(" not")
	}
	if r.Src.IsValid() {
		fmt.Fprintf(&b, " from %s", r.Src)
	}
	if r.Dst.IsValid() {
		fmt.Fprintf(&b, " to %s", r.Dst)
	}
	if r.Tos != 0 {
		fmt.Fprintf(&b, " tos 0x%02x", r.Tos)
	}
	if r.Mark != 0 || r.Mask != 0 {
		fmt.Fprintf(&b, " fwmark 0x%x/0x%x", r.Mark, r.Mask)
	}
	if r.Iif != "" {
		fmt.Fprintf(&b, " iif %s", word(r.Iif))
	}
	if r.Oif != "" {
		fmt.Fprintf(&b, " oif %s", word(r.Oif))
	}
	if r.IPProto != 0 {
		fmt.Fprintf(&b, " ipproto %d", r.IPProto)
	}
	if r.Sport.IsSet() {
		fmt.Fprintf(&b, " sport %s", r.Sport)
	}
	if r.Dport.IsSet() {
		fmt.Fprintf(&b, " dport %s", r.Dport)
	}
	if r.Proto != 0 {
		fmt.Fprintf(&b, " protocol %d", r.Proto)
	}
	if r.SuppressPrefixlen >= 0 {
		fmt.Fprintf(&b, " suppress_prefixlength %d", r.SuppressPrefixlen)
	}
	if r.SuppressIfgroup >= 0 {
		fmt.Fprintf(&b, " suppress_ifgroup %d", r.SuppressIfgroup)
	}
	if r.Table != 0 && !r.L3mdev && r.Action != rule.ActionTable {
		fmt.Fprintf(&b, " lookup %d", r.Table) // kept beside another action
	}
	switch {
	case r.L3mdev:
		b.WriteString(" l3mdev")
	case r.Action == rule.ActionTable:
		fmt.Fprintf(&b, " lookup %d", r.Table)
	case r.Action == rule.ActionGoto:
		fmt.Fprintf(&b, " goto %d", r.Goto)
	case r.Action == rule.ActionNop:
		b.WriteString(" nop")
	case r.Action == rule.ActionUnspec:
		b.WriteString(" 0") // ip prints type 0 "none" but reads only its number
	default:
		b.WriteString(" " + r.Action.String())
	}
	w.line("%s", b.String())
}

package config

import (
	"fmt"
	"strconv"
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
// its prefix, so several routes of one prefix keep their order. A line is
// appended to one reused buffer: a million routes make a script of 80 MB.
func (w *writer) routes() {
	var buf []byte
	for _, id := range w.s.TableIDs() {
		for r := range w.s.Table(id).AllShared() {
			if r.Proto != fib.ProtoKernel && r.Proto != fib.ProtoBGP {
				buf = append(w.appendRoute(buf[:0], &r), '\n')
				w.b.Write(buf)
			}
		}
	}
}

// appendRoute appends r's `route append` line to b.
func (w *writer) appendRoute(b []byte, r *fib.Route) []byte {
	b = append(b, "route append "...)
	if r.Type != fib.TypeUnicast {
		b = append(append(b, r.Type.String()...), ' ')
	}
	b = r.Prefix.AppendTo(b)
	if r.Tos != 0 {
		b = fmt.Appendf(b, " tos 0x%02x", r.Tos)
	}
	b = append(append(append(append(b, " table "...), r.Table.String()...), " proto "...), r.Proto.String()...)
	if r.Is4() {
		b = append(append(b, " scope "...), r.Scope.String()...)
	}
	if r.Metric != 0 {
		b = strconv.AppendUint(append(b, " metric "...), uint64(r.Metric), 10)
	}
	if r.Src.IsValid() {
		b = r.Src.AppendTo(append(b, " src "...))
	}
	switch {
	case r.NHID != 0:
		b = strconv.AppendUint(append(b, " nhid "...), uint64(r.NHID), 10)
	case r.Type.IsError():
	case len(r.Nexthops) == 1:
		b = w.appendPath(b, r, &r.Nexthops[0])
	default:
		for i := range r.Nexthops {
			b = w.appendPath(append(b, " nexthop"...), r, &r.Nexthops[i])
			b = strconv.AppendUint(append(b, " weight "...), uint64(max(r.Nexthops[i].Weight, 1)), 10)
		}
	}
	return b
}

// appendPath appends one nexthop of r to b: via, dev and onlink.
func (w *writer) appendPath(b []byte, r *fib.Route, nh *fib.Nexthop) []byte {
	if nh.Gateway.IsValid() {
		b = append(b, " via "...)
		if nh.Gateway.Is4() != r.Is4() {
			b = append(b, "inet6 "...)
		}
		b = nh.Gateway.AppendTo(b)
	}
	if l := w.s.Link(nh.Dev); l != nil {
		b = append(append(b, " dev "...), word(l.Name)...)
	}
	if nh.Onlink {
		b = append(b, " onlink"...)
	}
	return b
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

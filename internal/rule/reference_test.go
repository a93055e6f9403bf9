package rule

import (
	"hash/fnv"
	"math/rand/v2"
	"net/netip"
	"slices"
	"syscall"
	"testing"

	"github.com/govrf/govrf/internal/fib"
)

// refStats counts what the reference walk went through, to show that the
// random rule sets reach every branch.
type refStats struct {
	gotoTaken, gotoUnresolved, nop, suppressed  int
	l3mdevTable, inverted, vrfIfMatch, detached int
	byAction                                    [16]int
}

// refLookup is the rule walk written out plainly from fib_rules_lookup,
// fib_rule_match, fib4_rule_match / fib6_rule_match and the suppress
// functions, reading the Rules and the links directly on every step.
func refLookup(rules []Rule, links fakeLinks, f Flow, tl TableLookup, st *refStats) Verdict {
	var argTable fib.TableID // fib_lookup_arg.table
	for i, steps := 0, 0; i < len(rules); steps++ {
		if steps > 10*len(rules) {
			panic("reference walk loops")
		}
		r := rules[i]
		matched := refMatch(r, links, f, &argTable, st)
		if r.Invert {
			matched = !matched
			if matched {
				st.inverted++
			}
		}
		if !matched {
			i++
			continue
		}
		switch r.Action {
		case ActionGoto:
			target := -1
			for j := range rules { // ctarget: the first rule with the target pref
				if rules[j].Pref == r.Goto {
					target = j
					break
				}
			}
			if target < 0 {
				st.gotoUnresolved++
				i++
			} else {
				st.gotoTaken++
				i = target
			}
			continue
		case ActionNop:
			st.nop++
			i++
			continue
		}
		st.byAction[r.Action&15]++
		switch r.Action {
		case ActionTable:
			id := r.Table
			if r.L3mdev {
				id = argTable
				st.l3mdevTable++
			}
			if id == 0 {
				id = fib.TableMain
			}
			plen, dev, err := tl.LookupTable(id)
			if err == nil {
				group := -1
				if dev != 0 {
					k, _ := links.byIndex(dev)
					group = k.group
				}
				if plen <= r.SuppressPrefixlen || r.SuppressIfgroup != -1 && group == r.SuppressIfgroup {
					st.suppressed++
					i++
					continue
				}
			}
			if err == syscall.EAGAIN {
				i++
				continue
			}
			return Verdict{Pref: r.Pref, Table: id, Err: err, Index: i}
		case ActionUnreachable:
			return Verdict{Pref: r.Pref, Err: syscall.ENETUNREACH, Index: i}
		case ActionProhibit:
			return Verdict{Pref: r.Pref, Err: syscall.EACCES, Index: i}
		default:
			return Verdict{Pref: r.Pref, Err: syscall.EINVAL, Index: i}
		}
	}
	return Verdict{Err: syscall.ENETUNREACH, Index: -1}
}

// refMatch is fib_rule_match before `not`.
func refMatch(r Rule, links fakeLinks, f Flow, argTable *fib.TableID, st *refStats) bool {
	ifindex := func(name string) (int, bool) {
		if name == "" {
			return 0, false
		}
		k, ok := links[name]
		if !ok {
			st.detached++
			return -1, false
		}
		return k.index, k.vrf
	}
	if iif, master := ifindex(r.Iif); iif != 0 {
		if master {
			if f.L3mdevFromOif || f.L3mdev != iif {
				return false
			}
			st.vrfIfMatch++
		} else if iif != f.Iif {
			return false
		}
	}
	if oif, master := ifindex(r.Oif); oif != 0 {
		if master {
			if !f.L3mdevFromOif || f.L3mdev != oif {
				return false
			}
			st.vrfIfMatch++
		} else if oif != f.Oif {
			return false
		}
	}
	if (r.Mark^f.Mark)&r.Mask != 0 {
		return false
	}
	if r.L3mdev {
		if f.L3mdev == 0 {
			return false
		}
		*argTable = f.L3mdevTable
	}
	if f.Dst.Is4() {
		if !ref4Match(r, f) {
			return false
		}
	} else if !ref6Match(r, f) {
		return false
	}
	if r.IPProto != 0 && r.IPProto != f.IPProto {
		return false
	}
	inRange := func(p PortRange, port uint16) bool {
		return p.Lo == 0 || p.Hi == 0 || port >= p.Lo && port <= p.Hi
	}
	return inRange(r.Sport, f.Sport) && inRange(r.Dport, f.Dport)
}

// ref4Match is the address and tos part of fib4_rule_match, on integers.
func ref4Match(r Rule, f Flow) bool {
	u32 := func(a netip.Addr) uint32 {
		if !a.IsValid() {
			return 0
		}
		b := a.As4()
		return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	}
	mask := func(p netip.Prefix) uint32 {
		if !p.IsValid() || p.Bits() == 0 {
			return 0
		}
		return ^uint32(0) << (32 - p.Bits())
	}
	if (u32(f.Src)^u32(r.Src.Addr()))&mask(r.Src) != 0 || (u32(f.Dst)^u32(r.Dst.Addr()))&mask(r.Dst) != 0 {
		return false
	}
	dscp := r.Tos & 0xfc
	return dscp == 0 || dscp == f.Tos&0x1e&0xfc
}

// ref6Match is the address and tos part of fib6_rule_match.
func ref6Match(r Rule, f Flow) bool {
	prefixEqual := func(a netip.Addr, p netip.Prefix) bool {
		x, y := a.As16(), p.Addr().As16()
		for bit := 0; bit < p.Bits(); bit++ {
			if (x[bit/8]^y[bit/8])&(0x80>>(bit%8)) != 0 {
				return false
			}
		}
		return true
	}
	if r.Dst.IsValid() && r.Dst.Bits() > 0 && !prefixEqual(f.Dst, r.Dst) {
		return false
	}
	if r.Src.IsValid() && r.Src.Bits() > 0 && (!f.Src.IsValid() || !prefixEqual(f.Src, r.Src)) {
		return false
	}
	dscp := r.Tos & 0xfc
	return dscp == 0 || dscp == f.Tos&0xfc
}

// hashTables answers every table from a hash of the table and the flow,
// and records the tables asked for.
type hashTables struct {
	f     *Flow
	calls []fib.TableID
}

func (h *hashTables) LookupTable(id fib.TableID) (int, int, error) {
	h.calls = append(h.calls, id)
	s := fnv.New64a()
	b := h.f.Dst.As16()
	s.Write(b[:])
	b = h.f.Src.As16()
	s.Write(b[:])
	s.Write([]byte{byte(id), byte(id >> 8), byte(h.f.Mark), byte(h.f.Iif), byte(h.f.Dport)})
	v := s.Sum64()
	plen := []int{0, 8, 16, 24, 32}[v%5]
	dev := []int{0, 2, 3, 4, 5, 7}[(v/5)%6]
	switch (v / 30) % 20 {
	case 0, 1, 2, 3, 4, 5, 6:
		return 0, 0, syscall.EAGAIN
	case 7, 8:
		return plen, dev, syscall.EHOSTUNREACH
	case 9:
		return plen, dev, syscall.EACCES
	case 10:
		return plen, dev, syscall.EINVAL
	}
	return plen, dev, nil
}

// refLinks is the namespace of the random test: VRFs blue and red, ports,
// plain links, and rules may also name "gone", which does not exist.
var refLinks = fakeLinks{
	"lo":   {index: 1},
	"eth1": {index: 2, master: 10, group: 1},
	"eth2": {index: 3, master: 10, group: 2},
	"eth3": {index: 4, master: 11},
	"eth4": {index: 5, group: 1},
	"eth5": {index: 6, group: 2},
	"blue": {index: 10, vrf: true, table: 100},
	"red":  {index: 11, vrf: true, table: 110},
}

// randRule draws a rule whose selectors and actions often meet the flows
// of randFlow.
func randRule(rng *rand.Rand, family fib.Family) Rule {
	pick := func(p float64) bool { return rng.Float64() < p }
	prefixes := []string{"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.2.3/32", "10.1.2.3/16", "0.0.0.0/8", "192.168.0.0/16", "128.0.0.0/1"}
	tos := []uint8{0x04, 0x08, 0x10, 0x18, 0x1c}
	if family == fib.IPv6 {
		prefixes = []string{"2001:db8::/32", "2001:db8:1::/48", "2001:db8:1:2::/64", "2001:db8:1:2::3/128", "2001:db8:1:2::3/40", "::/8", "fd00::/8", "8000::/1"}
		tos = append(tos, 0x20, 0xb8)
	}
	names := []string{"lo", "eth1", "eth2", "eth3", "eth4", "eth5", "blue", "red", "gone"}
	r := Rule{Pref: uint32(1 + rng.IntN(40)), SuppressPrefixlen: -1, SuppressIfgroup: -1}
	r.Invert = pick(0.2)
	if pick(0.3) {
		r.Src = pfx(prefixes[rng.IntN(len(prefixes))])
	}
	if pick(0.3) {
		r.Dst = pfx(prefixes[rng.IntN(len(prefixes))])
	}
	if pick(0.2) {
		r.Iif = names[rng.IntN(len(names))]
	}
	if pick(0.2) {
		r.Oif = names[rng.IntN(len(names))]
	}
	if pick(0.25) {
		r.Mark = []uint32{0, 1, 2, 0x10}[rng.IntN(4)]
		r.Mask = []uint32{0xffffffff, 0xf, 0}[rng.IntN(3)]
	}
	if pick(0.15) {
		r.Tos = tos[rng.IntN(len(tos))]
	}
	if pick(0.15) {
		r.IPProto = []uint8{6, 17}[rng.IntN(2)]
	}
	for _, p := range []*PortRange{&r.Sport, &r.Dport} {
		if pick(0.15) {
			lo := uint16(1 + rng.IntN(8))
			*p = PortRange{lo, lo + uint16(rng.IntN(4))}
		}
	}
	r.L3mdev = pick(0.15)
	switch x := rng.IntN(100); {
	case x < 55:
		r.Action = ActionTable
		if !r.L3mdev {
			r.Table = []fib.TableID{1, 2, 3, 100, 110, fib.TableMain, fib.TableLocal}[rng.IntN(7)]
		}
	case x < 70:
		r.Action, r.Goto = ActionGoto, r.Pref+uint32(1+rng.IntN(8))
	case x < 76:
		r.Action = ActionNop
	case x < 98:
		r.Action = []Action{ActionBlackhole, ActionUnreachable, ActionProhibit}[rng.IntN(3)]
	default:
		r.Action = Action(9) // throw: no rule action
	}
	if pick(0.2) {
		r.SuppressPrefixlen = []int{0, 8, 24}[rng.IntN(3)]
	}
	if pick(0.1) {
		r.SuppressIfgroup = rng.IntN(3)
	}
	return r
}

// randFlow draws a flow and gives it its L3 domain.
func randFlow(rng *rand.Rand, family fib.Family) Flow {
	addrs := []string{"10.1.2.3", "10.1.9.9", "10.200.0.1", "192.168.1.1", "8.8.8.8", "0.1.2.3", "200.1.1.1"}
	if family == fib.IPv6 {
		addrs = []string{"2001:db8:1:2::3", "2001:db8:1:9::9", "2001:db8:ff::1", "fd00::1", "2606:4700::1", "::1:2:3", "::", "c000::1"}
	}
	ifs := []int{1, 2, 3, 4, 5, 6, 10, 11, 99}
	f := Flow{
		Dst:     addr(addrs[rng.IntN(len(addrs))]),
		Iif:     ifs[rng.IntN(len(ifs))],
		Mark:    []uint32{0, 1, 2, 0x10, 0x11, 0x1f}[rng.IntN(6)],
		Tos:     []uint8{0, 0x04, 0x08, 0x10, 0x12, 0x18, 0x1c, 0xb8, 0x20, 0x11}[rng.IntN(10)],
		IPProto: []uint8{0, 6, 17}[rng.IntN(3)],
		Sport:   uint16(rng.IntN(12)),
		Dport:   uint16(rng.IntN(12)),
	}
	if rng.IntN(6) != 0 {
		f.Src = addr(addrs[rng.IntN(len(addrs))])
	}
	if rng.IntN(3) == 0 {
		f.Oif = ifs[rng.IntN(len(ifs))]
	}
	f.UpdateL3mdev(refLinks)
	return f
}

// randSet builds a rule set through Set, as the control plane would, so
// that it holds only what Add accepts, then deletes a few rules by pref.
func randSet(rng *rand.Rand, family fib.Family) []Rule {
	s := NewSet(family)
	for n := 5 + rng.IntN(20); n > 0; n-- {
		s.Add(randRule(rng, family), rng.IntN(10) != 0)
	}
	for n := rng.IntN(3); n > 0; n-- {
		rs := s.Rules()
		sel := Rule{Pref: rs[rng.IntN(len(rs))].Pref, SuppressPrefixlen: -1, SuppressIfgroup: -1}
		s.Delete(sel, true)
	}
	return s.Rules()
}

func TestLookupMatchesReference(t *testing.T) {
	const sets, flowsPerSet = 400, 150 // per family: 120,000 flows in all
	rng := rand.New(rand.NewPCG(1, 2))
	var st refStats
	var flows int
	for _, family := range []fib.Family{fib.IPv4, fib.IPv6} {
		for range sets {
			rules := randSet(rng, family)
			l := Compile(rules, refLinks)
			for range flowsPerSet {
				f := randFlow(rng, family)
				want := &hashTables{f: &f}
				got := &hashTables{f: &f}
				wantV := refLookup(rules, refLinks, f, want, &st)
				flow := f
				gotV := l.Lookup(&flow, got)
				if gotV != wantV || !slices.Equal(got.calls, want.calls) {
					t.Fatalf("Lookup(%+v) = %+v after tables %v; reference %+v after %v\nrules: %+v",
						f, gotV, got.calls, wantV, want.calls, rules)
				}
				flows++
			}
		}
	}
	t.Logf("%d flows; reference walk stats %+v", flows, st)
	for name, n := range map[string]int{
		"goto taken": st.gotoTaken, "goto unresolved": st.gotoUnresolved, "nop": st.nop,
		"suppressed": st.suppressed, "l3mdev table": st.l3mdevTable, "inverted": st.inverted,
		"VRF iif/oif match": st.vrfIfMatch, "detached": st.detached,
		"table": st.byAction[ActionTable], "blackhole": st.byAction[ActionBlackhole],
		"unreachable": st.byAction[ActionUnreachable], "prohibit": st.byAction[ActionProhibit],
		"unknown action": st.byAction[9],
	} {
		if n < 20 {
			t.Errorf("random rule sets reached %q only %d times", name, n)
		}
	}
}

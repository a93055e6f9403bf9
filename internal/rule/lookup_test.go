package rule

import (
	"slices"
	"syscall"
	"testing"

	"github.com/govrf/govrf/internal/fib"
)

// flow4 and flow6 build flows entering through eth4 (no VRF); src may be
// "" for a flow without source.
func flow4(src, dst string) Flow { return mkFlow(src, dst) }
func flow6(src, dst string) Flow { return mkFlow(src, dst) }

func mkFlow(src, dst string) Flow {
	f := Flow{Dst: addr(dst), Iif: 5}
	if src != "" {
		f.Src = addr(src)
	}
	return f
}

func (f Flow) edit(e func(*Flow)) Flow {
	e(&f)
	return f
}

var ok24 = answer{plen: 24, dev: 5}

func TestLookup(t *testing.T) {
	goTo := func(pref, target uint32) Rule {
		return with(base(pref, 0), func(r *Rule) { r.Action, r.Goto = ActionGoto, target })
	}
	act := func(pref uint32, a Action) Rule { return with(base(pref, 0), func(r *Rule) { r.Action = a }) }
	sel := func(pref uint32, table fib.TableID, e func(*Rule)) Rule { return with(base(pref, table), e) }
	fallback := base(100, 100)
	hit := map[fib.TableID]answer{5: ok24, 6: ok24, 10: ok24, 20: ok24, 30: ok24, 31: ok24, 40: ok24, 100: ok24}
	vrfFlow := flow4("10.1.1.1", "10.2.2.2").edit(func(f *Flow) { f.Iif, f.L3mdev, f.L3mdevTable = 2, 10, 10 })
	vrfRules := []Rule{base(0, fib.TableLocal), sel(1000, 0, func(r *Rule) { r.L3mdev = true }), base(32766, fib.TableMain)}
	wg := []Rule{
		sel(32764, fib.TableMain, func(r *Rule) { r.SuppressPrefixlen = 0 }),
		sel(32765, 51820, func(r *Rule) { r.Invert, r.Mark, r.Mask = true, 0xca6c, 0xffffffff }),
		base(32766, fib.TableMain),
	}
	wgDefault := map[fib.TableID]answer{fib.TableMain: {plen: 0, dev: 5}, 51820: {plen: 0, dev: 9}}

	tests := []struct {
		name    string
		rules   []Rule
		flow    Flow
		answers map[fib.TableID]answer
		want    Verdict
		calls   []fib.TableID // nil: not checked
	}{
		// Selectors.
		{"from matches", []Rule{sel(10, 5, func(r *Rule) { r.Src = pfx("10.0.0.0/8") }), fallback},
			flow4("10.1.1.1", "192.0.2.1"), hit, Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"from misses", []Rule{sel(10, 5, func(r *Rule) { r.Src = pfx("10.0.0.0/8") }), fallback},
			flow4("11.1.1.1", "192.0.2.1"), hit, Verdict{Pref: 100, Table: 100, Index: 1}, nil},
		{"from ignores host bits", []Rule{sel(10, 5, func(r *Rule) { r.Src = pfx("10.1.2.3/8") }), fallback},
			flow4("10.9.9.9", "192.0.2.1"), hit, Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"IPv4 without source is 0.0.0.0", []Rule{sel(10, 5, func(r *Rule) { r.Src = pfx("0.0.0.0/8") }), fallback},
			flow4("", "192.0.2.1"), hit, Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"IPv6 without source: from never matches", []Rule{sel(10, 5, func(r *Rule) { r.Src = pfx("::/8") }), fallback},
			flow6("", "2001:db8::1"), hit, Verdict{Pref: 100, Table: 100, Index: 1}, nil},
		{"IPv6 with source ::", []Rule{sel(10, 5, func(r *Rule) { r.Src = pfx("::/8") }), fallback},
			flow6("::", "2001:db8::1"), hit, Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"to matches", []Rule{sel(10, 5, func(r *Rule) { r.Dst = pfx("2001:db8::/32") }), fallback},
			flow6("2001:db8:1::1", "2001:db8::1"), hit, Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"to misses", []Rule{sel(10, 5, func(r *Rule) { r.Dst = pfx("192.168.0.0/16") }), fallback},
			flow4("10.1.1.1", "192.169.0.1"), hit, Verdict{Pref: 100, Table: 100, Index: 1}, nil},
		{"iif matches", []Rule{sel(10, 5, func(r *Rule) { r.Iif = "eth4" }), fallback},
			flow4("10.1.1.1", "10.2.2.2"), hit, Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"iif misses", []Rule{sel(10, 5, func(r *Rule) { r.Iif = "eth1" }), fallback},
			flow4("10.1.1.1", "10.2.2.2"), hit, Verdict{Pref: 100, Table: 100, Index: 1}, nil},
		{"iif lo: locally originated", []Rule{sel(10, 5, func(r *Rule) { r.Iif = "lo" }), fallback},
			flow4("", "10.2.2.2").edit(func(f *Flow) { f.Iif = 1 }), hit, Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"iif detached matches nothing", []Rule{sel(10, 5, func(r *Rule) { r.Iif = "gone" }), fallback},
			flow4("10.1.1.1", "10.2.2.2"), hit, Verdict{Pref: 100, Table: 100, Index: 1}, nil},
		{"not iif detached matches everything", []Rule{sel(10, 5, func(r *Rule) { r.Iif, r.Invert = "gone", true }), fallback},
			flow4("10.1.1.1", "10.2.2.2"), hit, Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"oif matches", []Rule{sel(10, 5, func(r *Rule) { r.Oif = "eth4" }), fallback},
			flow4("", "10.2.2.2").edit(func(f *Flow) { f.Iif, f.Oif = 1, 5 }), hit, Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"oif misses", []Rule{sel(10, 5, func(r *Rule) { r.Oif = "eth4" }), fallback},
			flow4("", "10.2.2.2").edit(func(f *Flow) { f.Iif = 1 }), hit, Verdict{Pref: 100, Table: 100, Index: 1}, nil},
		{"fwmark exact", []Rule{sel(10, 5, func(r *Rule) { r.Mark, r.Mask = 5, 0xffffffff }), fallback},
			flow4("10.1.1.1", "10.2.2.2").edit(func(f *Flow) { f.Mark = 5 }), hit, Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"fwmark exact misses other bits", []Rule{sel(10, 5, func(r *Rule) { r.Mark, r.Mask = 5, 0xffffffff }), fallback},
			flow4("10.1.1.1", "10.2.2.2").edit(func(f *Flow) { f.Mark = 0x105 }), hit, Verdict{Pref: 100, Table: 100, Index: 1}, nil},
		{"fwmark masked", []Rule{sel(10, 5, func(r *Rule) { r.Mark, r.Mask = 5, 0xff }), fallback},
			flow4("10.1.1.1", "10.2.2.2").edit(func(f *Flow) { f.Mark = 0x105 }), hit, Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"IPv4 tos: legacy bits only", []Rule{sel(10, 5, func(r *Rule) { r.Tos = 0x10 }), fallback},
			flow4("10.1.1.1", "10.2.2.2").edit(func(f *Flow) { f.Tos = 0xb2 }), hit, Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"IPv4 tos misses", []Rule{sel(10, 5, func(r *Rule) { r.Tos = 0x10 }), fallback},
			flow4("10.1.1.1", "10.2.2.2").edit(func(f *Flow) { f.Tos = 0x08 }), hit, Verdict{Pref: 100, Table: 100, Index: 1}, nil},
		{"IPv6 tos: whole DSCP", []Rule{sel(10, 5, func(r *Rule) { r.Tos = 0x10 }), fallback},
			flow6("2001:db8::2", "2001:db8::1").edit(func(f *Flow) { f.Tos = 0xb0 }), hit, Verdict{Pref: 100, Table: 100, Index: 1}, nil},
		{"IPv6 tos ignores ECN", []Rule{sel(10, 5, func(r *Rule) { r.Tos = 0x10 }), fallback},
			flow6("2001:db8::2", "2001:db8::1").edit(func(f *Flow) { f.Tos = 0x13 }), hit, Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"ipproto matches", []Rule{sel(10, 5, func(r *Rule) { r.IPProto = 17 }), fallback},
			flow4("10.1.1.1", "10.2.2.2").edit(func(f *Flow) { f.IPProto = 17 }), hit, Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"ipproto misses", []Rule{sel(10, 5, func(r *Rule) { r.IPProto = 17 }), fallback},
			flow4("10.1.1.1", "10.2.2.2").edit(func(f *Flow) { f.IPProto = 6 }), hit, Verdict{Pref: 100, Table: 100, Index: 1}, nil},
		{"sport upper bound", []Rule{sel(10, 5, func(r *Rule) { r.Sport = PortRange{1000, 2000} }), fallback},
			flow4("10.1.1.1", "10.2.2.2").edit(func(f *Flow) { f.Sport = 2000 }), hit, Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"sport above", []Rule{sel(10, 5, func(r *Rule) { r.Sport = PortRange{1000, 2000} }), fallback},
			flow4("10.1.1.1", "10.2.2.2").edit(func(f *Flow) { f.Sport = 2001 }), hit, Verdict{Pref: 100, Table: 100, Index: 1}, nil},
		{"dport single", []Rule{sel(10, 5, func(r *Rule) { r.Dport = PortRange{53, 53} }), fallback},
			flow4("10.1.1.1", "10.2.2.2").edit(func(f *Flow) { f.Dport = 53 }), hit, Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"dport below", []Rule{sel(10, 5, func(r *Rule) { r.Dport = PortRange{53, 53} }), fallback},
			flow4("10.1.1.1", "10.2.2.2").edit(func(f *Flow) { f.Dport = 52 }), hit, Verdict{Pref: 100, Table: 100, Index: 1}, nil},
		{"not from", []Rule{sel(10, 5, func(r *Rule) { r.Src, r.Invert = pfx("10.0.0.0/8"), true }), fallback},
			flow4("11.1.1.1", "10.2.2.2"), hit, Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"l3mdev: flow with a domain", vrfRules, vrfFlow,
			map[fib.TableID]answer{10: ok24, fib.TableMain: ok24},
			Verdict{Pref: 1000, Table: 10, Index: 1}, []fib.TableID{fib.TableLocal, 10}},
		{"l3mdev: flow without a domain", vrfRules, flow4("10.1.1.1", "10.2.2.2"),
			map[fib.TableID]answer{10: ok24, fib.TableMain: ok24},
			Verdict{Pref: 32766, Table: fib.TableMain, Index: 2}, []fib.TableID{fib.TableLocal, fib.TableMain}},
		{"l3mdev: VRF table misses fall through to main", vrfRules, vrfFlow,
			map[fib.TableID]answer{fib.TableMain: ok24},
			Verdict{Pref: 32766, Table: fib.TableMain, Index: 2}, []fib.TableID{fib.TableLocal, 10, fib.TableMain}},
		{"not l3mdev looks up main", []Rule{sel(10, 0, func(r *Rule) { r.L3mdev, r.Invert = true, true })},
			flow4("10.1.1.1", "10.2.2.2"), map[fib.TableID]answer{fib.TableMain: ok24},
			Verdict{Pref: 10, Table: fib.TableMain, Index: 0}, nil},
		{"l3mdev unreachable", []Rule{sel(2000, 0, func(r *Rule) { r.L3mdev, r.Action = true, ActionUnreachable }), fallback},
			vrfFlow, hit, Verdict{Pref: 2000, Err: syscall.ENETUNREACH, Index: 0}, []fib.TableID{}},

		// Actions.
		{"goto jumps", []Rule{goTo(10, 30), base(20, 20), base(30, 30)},
			flow4("10.1.1.1", "10.2.2.2"), hit, Verdict{Pref: 30, Table: 30, Index: 2}, []fib.TableID{30}},
		{"goto target's selectors apply", []Rule{goTo(10, 30), base(20, 20),
			sel(30, 30, func(r *Rule) { r.Src = pfx("1.0.0.0/8") }), base(40, 40)},
			flow4("10.1.1.1", "10.2.2.2"), hit, Verdict{Pref: 40, Table: 40, Index: 3}, []fib.TableID{40}},
		{"goto first rule of the target pref", []Rule{goTo(10, 30), base(30, 31), base(30, 32)},
			flow4("10.1.1.1", "10.2.2.2"), hit, Verdict{Pref: 30, Table: 31, Index: 1}, nil},
		{"goto unresolved is skipped", []Rule{goTo(10, 25), base(20, 20), base(30, 30)},
			flow4("10.1.1.1", "10.2.2.2"), hit, Verdict{Pref: 20, Table: 20, Index: 1}, nil},
		{"goto not matching", []Rule{with(goTo(10, 30), func(r *Rule) { r.Src = pfx("1.0.0.0/8") }), base(20, 20), base(30, 30)},
			flow4("10.1.1.1", "10.2.2.2"), hit, Verdict{Pref: 20, Table: 20, Index: 1}, nil},
		{"nop goes on", []Rule{act(10, ActionNop), base(20, 20)},
			flow4("10.1.1.1", "10.2.2.2"), hit, Verdict{Pref: 20, Table: 20, Index: 1}, []fib.TableID{20}},
		{"table miss goes on", []Rule{base(10, 11), base(20, 20)},
			flow4("10.1.1.1", "10.2.2.2"), hit, Verdict{Pref: 20, Table: 20, Index: 1}, []fib.TableID{11, 20}},
		{"error route ends the walk", []Rule{base(10, 11), base(20, 20)},
			flow4("10.1.1.1", "10.2.2.2"), map[fib.TableID]answer{11: {err: syscall.EHOSTUNREACH}, 20: ok24},
			Verdict{Pref: 10, Table: 11, Err: syscall.EHOSTUNREACH, Index: 0}, nil},
		{"blackhole", []Rule{act(10, ActionBlackhole), fallback},
			flow4("10.1.1.1", "10.2.2.2"), hit, Verdict{Pref: 10, Err: syscall.EINVAL, Index: 0}, nil},
		{"unreachable", []Rule{act(10, ActionUnreachable), fallback},
			flow4("10.1.1.1", "10.2.2.2"), hit, Verdict{Pref: 10, Err: syscall.ENETUNREACH, Index: 0}, nil},
		{"prohibit", []Rule{act(10, ActionProhibit), fallback},
			flow6("2001:db8::2", "2001:db8::1"), hit, Verdict{Pref: 10, Err: syscall.EACCES, Index: 0}, nil},
		{"unknown action is EINVAL", []Rule{act(10, Action(9)), fallback},
			flow4("10.1.1.1", "10.2.2.2"), hit, Verdict{Pref: 10, Err: syscall.EINVAL, Index: 0}, nil},
		{"falling off the end", []Rule{base(10, 11)},
			flow4("10.1.1.1", "10.2.2.2"), hit, Verdict{Err: syscall.ENETUNREACH, Index: -1}, nil},
		{"no rules", nil, flow4("10.1.1.1", "10.2.2.2"), hit, Verdict{Err: syscall.ENETUNREACH, Index: -1}, nil},

		// Suppressors.
		{"WireGuard: default route suppressed", wg, flow4("", "8.8.8.8"), wgDefault,
			Verdict{Pref: 32765, Table: 51820, Index: 1}, []fib.TableID{fib.TableMain, 51820}},
		{"WireGuard: own packets", wg, flow4("", "8.8.8.8").edit(func(f *Flow) { f.Mark = 0xca6c }), wgDefault,
			Verdict{Pref: 32766, Table: fib.TableMain, Index: 2}, []fib.TableID{fib.TableMain, fib.TableMain}},
		{"WireGuard: specific route kept", wg, flow4("", "192.168.1.5"),
			map[fib.TableID]answer{fib.TableMain: ok24, 51820: {plen: 0, dev: 9}},
			Verdict{Pref: 32764, Table: fib.TableMain, Index: 0}, []fib.TableID{fib.TableMain}},
		{"suppress_prefixlength includes the length", []Rule{sel(10, 5, func(r *Rule) { r.SuppressPrefixlen = 24 }), fallback},
			flow4("10.1.1.1", "10.2.2.2"), hit, Verdict{Pref: 100, Table: 100, Index: 1}, nil},
		{"suppress_prefixlength below", []Rule{sel(10, 5, func(r *Rule) { r.SuppressPrefixlen = 23 }), fallback},
			flow4("10.1.1.1", "10.2.2.2"), hit, Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"suppressors ignore errors", []Rule{sel(10, 5, func(r *Rule) { r.SuppressPrefixlen = 32 }), fallback},
			flow4("10.1.1.1", "10.2.2.2"), map[fib.TableID]answer{5: {err: syscall.EACCES}, 100: ok24},
			Verdict{Pref: 10, Table: 5, Err: syscall.EACCES, Index: 0}, nil},
		{"suppress_ifgroup", []Rule{sel(10, 5, func(r *Rule) { r.SuppressIfgroup = 7 }), fallback},
			flow4("10.1.1.1", "10.2.2.2"), map[fib.TableID]answer{5: {plen: 24, dev: 5}, 100: ok24},
			Verdict{Pref: 100, Table: 100, Index: 1}, nil},
		{"suppress_ifgroup other group", []Rule{sel(10, 5, func(r *Rule) { r.SuppressIfgroup = 7 }), fallback},
			flow4("10.1.1.1", "10.2.2.2"), map[fib.TableID]answer{5: {plen: 24, dev: 2}, 100: ok24},
			Verdict{Pref: 10, Table: 5, Index: 0}, nil},
		{"suppress_ifgroup without device", []Rule{sel(10, 5, func(r *Rule) { r.SuppressIfgroup = 0 }), fallback},
			flow4("10.1.1.1", "10.2.2.2"), map[fib.TableID]answer{5: {plen: 24}, 100: ok24},
			Verdict{Pref: 10, Table: 5, Index: 0}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := Compile(tt.rules, testLinks)
			tl := &fakeTables{answers: tt.answers, calls: []fib.TableID{}}
			f := tt.flow
			got := l.Lookup(&f, tl)
			if got != tt.want {
				t.Fatalf("Lookup(%+v) = %+v, want %+v", tt.flow, got, tt.want)
			}
			if tt.calls != nil && !slices.Equal(tl.calls, tt.calls) {
				t.Fatalf("Lookup(%+v) looked up tables %v, want %v", tt.flow, tl.calls, tt.calls)
			}
			// Explain decides as Lookup, and its last matching rule is the
			// one that decided.
			f = tt.flow
			var steps []Step
			if ex := l.Explain(&f, &fakeTables{answers: tt.answers}, func(s Step) { steps = append(steps, s) }); ex != got {
				t.Fatalf("Explain(%+v) = %+v, Lookup %+v", tt.flow, ex, got)
			}
			if got.Index >= 0 {
				last := -1
				for i, s := range steps {
					if s.Matched {
						last = i
					}
				}
				if last < 0 || steps[last].Pref != got.Pref {
					t.Fatalf("Explain(%+v) steps %+v end without the deciding rule %d", tt.flow, steps, got.Pref)
				}
			}
			// The slow reference must agree with every hand-written case.
			if ref := refLookup(tt.rules, testLinks, tt.flow, &fakeTables{answers: tt.answers}, &refStats{}); ref != tt.want {
				t.Fatalf("refLookup(%+v) = %+v, want %+v", tt.flow, ref, tt.want)
			}
		})
	}
}

// TestVRFIifOif follows the script of "net: fib_rules: Fix iif / oif
// matching on L3 master device": a rule naming a VRF as iif or oif matches
// the flow's L3 domain, iif for traffic entering through the VRF's ports,
// oif for traffic sent through the VRF or its ports.
func TestVRFIifOif(t *testing.T) {
	links := fakeLinks{
		"lo":     {index: 1},
		"eth0":   {index: 2},
		"vrf1":   {index: 10, vrf: true, table: 10},
		"dummy1": {index: 11, master: 10},
	}
	rules := []Rule{
		with(base(0, 100), func(r *Rule) { r.Oif = "vrf1" }),
		with(base(1, 200), func(r *Rule) { r.Iif = "vrf1" }),
		with(base(2, 101), func(r *Rule) { r.Oif = "dummy1" }),
		with(base(3, 201), func(r *Rule) { r.Iif = "dummy1" }),
		base(4, 300),
	}
	l := Compile(rules, links)
	all := map[fib.TableID]answer{100: ok24, 101: ok24, 200: ok24, 201: ok24, 300: ok24}
	tests := []struct {
		name string
		flow Flow
		want fib.TableID
	}{
		{"ip route get oif dummy1", Flow{Iif: 1, Oif: 11}, 100},
		{"socket bound to vrf1", Flow{Iif: 1, Oif: 10}, 100},
		{"ip route get iif dummy1", Flow{Iif: 11}, 200},
		{"packet re-entering on vrf1", Flow{Iif: 10}, 200},
		{"default VRF", Flow{Iif: 2}, 300},
		{"locally originated, unbound", Flow{Iif: 1}, 300},
	}
	for _, tt := range tests {
		f := tt.flow
		f.Dst = addr("192.0.2.1")
		f.UpdateL3mdev(links)
		got := l.Lookup(&f, &fakeTables{answers: all})
		if got.Table != tt.want || got.Err != nil {
			t.Errorf("%s: Lookup(%+v) = %+v, want table %d", tt.name, f, got, tt.want)
		}
	}

	// The port rules, below the VRF rules, still see the port itself.
	l = Compile(rules[2:], links)
	for _, tt := range []struct {
		flow Flow
		want fib.TableID
	}{{Flow{Iif: 1, Oif: 11}, 101}, {Flow{Iif: 11}, 201}, {Flow{Iif: 1, Oif: 10}, 300}} {
		f := tt.flow
		f.Dst = addr("192.0.2.1")
		f.UpdateL3mdev(links)
		if got := l.Lookup(&f, &fakeTables{answers: all}); got.Table != tt.want {
			t.Errorf("port rules: Lookup(%+v) = %+v, want table %d", f, got, tt.want)
		}
	}
}

func TestCompileDetachedAndUnresolved(t *testing.T) {
	rules := []Rule{
		with(base(10, 5), func(r *Rule) { r.Iif = "eth1"; r.Oif = "gone" }),
		with(base(20, 5), func(r *Rule) { r.Iif = "gone" }),
		with(base(30, 0), func(r *Rule) { r.Action, r.Goto = ActionGoto, 35 }),
		with(base(40, 0), func(r *Rule) { r.Action, r.Goto = ActionGoto, 50 }),
		base(50, 5),
	}
	l := Compile(rules, testLinks)
	type state struct{ iif, oif, unresolved bool }
	want := []state{{false, true, false}, {true, false, false}, {false, false, true}, {}, {}}
	if l.Len() != len(want) {
		t.Fatalf("Compile(...).Len() = %d, want %d", l.Len(), len(want))
	}
	for i, w := range want {
		iif, oif := l.Detached(i)
		if got := (state{iif, oif, l.Unresolved(i)}); got != w {
			t.Errorf("rule %d: Detached, Unresolved = %+v, want %+v", i, got, w)
		}
	}
	// Without links every named link is detached.
	if iif, _ := Compile(rules, nil).Detached(0); !iif {
		t.Errorf("Compile(rules, nil).Detached(0) = false, want true")
	}
}

// constTables answers every table with one fixed reply, without recording.
type constTables answer

func (c *constTables) LookupTable(fib.TableID) (int, int, error) { return c.plen, c.dev, c.err }

func TestLookupAllocs(t *testing.T) {
	s := NewSet(fib.IPv4)
	for _, r := range []Rule{
		with(base(1000, 0), func(r *Rule) { r.L3mdev = true }),
		with(base(1500, 0), func(r *Rule) { r.Action, r.Goto = ActionGoto, 1600 }),
		with(base(1600, 0), func(r *Rule) { r.Action = ActionNop }),
		with(base(1700, 7), func(r *Rule) { r.SuppressIfgroup = 7; r.Iif = "eth4" }),
		with(base(2000, 0), func(r *Rule) { r.Action, r.Mark, r.Mask = ActionUnreachable, 1, 1 }),
	} {
		if err := s.Add(r, true); err != nil {
			t.Fatalf("Add(%+v) = %v", r, err)
		}
	}
	l := Compile(s.Rules(), testLinks)
	flows := []Flow{
		flow4("10.1.1.1", "10.2.2.2"),
		flow4("10.1.1.1", "10.2.2.2").edit(func(f *Flow) { f.Iif, f.L3mdev, f.L3mdevTable = 2, 10, 10 }),
		flow4("10.1.1.1", "10.2.2.2").edit(func(f *Flow) { f.Mark = 1 }),
		flow6("", "2001:db8::1"),
	}
	replies := []constTables{{plen: 24, dev: 5}, {err: syscall.EAGAIN}, {err: syscall.EHOSTUNREACH}}
	for _, f := range flows {
		for _, rep := range replies {
			if n := testing.AllocsPerRun(100, func() { l.Lookup(&f, &rep) }); n != 0 {
				t.Errorf("Lookup(%+v) with tables answering %+v: %v allocs, want 0", f, rep, n)
			}
		}
	}
}

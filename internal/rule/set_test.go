package rule

import (
	"errors"
	"slices"
	"syscall"
	"testing"

	"github.com/govrf/govrf/internal/fib"
)

func prefs(rs []Rule) []uint32 {
	var out []uint32
	for _, r := range rs {
		out = append(out, r.Pref)
	}
	return out
}

func TestNewSetDefaults(t *testing.T) {
	kernel := func(pref uint32, table fib.TableID) Rule {
		return with(base(pref, table), func(r *Rule) { r.Proto = fib.ProtoKernel })
	}
	tests := []struct {
		family fib.Family
		want   []Rule
	}{
		{fib.IPv4, []Rule{kernel(0, fib.TableLocal), kernel(32766, fib.TableMain), kernel(32767, fib.TableDefault)}},
		{fib.IPv6, []Rule{kernel(0, fib.TableLocal), kernel(32766, fib.TableMain)}},
	}
	for _, tt := range tests {
		s := NewSet(tt.family)
		if got := s.Rules(); !slices.Equal(got, tt.want) {
			t.Errorf("NewSet(%v).Rules() = %+v, want %+v", tt.family, got, tt.want)
		}
		if s.Family() != tt.family {
			t.Errorf("NewSet(%v).Family() = %v", tt.family, s.Family())
		}
	}
}

func TestAddDefaultPref(t *testing.T) {
	s := NewSet(fib.IPv4)
	steps := []struct {
		r         Rule
		prefGiven bool
		want      []uint32
	}{
		// fib_default_rule_pref: the second rule's preference minus one.
		{base(0, 100), false, []uint32{0, 32765, 32766, 32767}},
		{base(0, 101), false, []uint32{0, 32764, 32765, 32766, 32767}},
		{base(1000, 102), true, []uint32{0, 1000, 32764, 32765, 32766, 32767}},
		{base(0, 103), false, []uint32{0, 999, 1000, 32764, 32765, 32766, 32767}},
		// A second rule with preference 0 makes the default 0 too.
		{base(0, 104), true, []uint32{0, 0, 999, 1000, 32764, 32765, 32766, 32767}},
		{base(0, 105), false, []uint32{0, 0, 0, 999, 1000, 32764, 32765, 32766, 32767}},
	}
	for _, st := range steps {
		if err := s.Add(st.r, st.prefGiven); err != nil {
			t.Fatalf("Add(table %d, prefGiven=%v) = %v", st.r.Table, st.prefGiven, err)
		}
		if got := prefs(s.Rules()); !slices.Equal(got, st.want) {
			t.Fatalf("after Add(table %d, prefGiven=%v): prefs %v, want %v", st.r.Table, st.prefGiven, got, st.want)
		}
	}
}

func TestAddEqualPrefGoesLast(t *testing.T) {
	s := NewSet(fib.IPv6)
	for _, table := range []fib.TableID{7, 8, 9} {
		if err := s.Add(base(100, table), true); err != nil {
			t.Fatalf("Add(pref 100 table %d) = %v", table, err)
		}
	}
	var got []fib.TableID
	for _, r := range s.Rules() {
		got = append(got, r.Table)
	}
	want := []fib.TableID{fib.TableLocal, 7, 8, 9, fib.TableMain}
	if !slices.Equal(got, want) {
		t.Fatalf("tables after three pref-100 adds = %v, want %v", got, want)
	}
}

func TestAddErrors(t *testing.T) {
	r100 := base(100, 5)
	tests := []struct {
		name   string
		family fib.Family
		setup  []Rule // added first, with their preference
		r      Rule
		given  bool
		want   string
		errno  syscall.Errno
	}{
		{"backward goto", fib.IPv4, nil,
			with(base(200, 0), func(r *Rule) { r.Action, r.Goto = ActionGoto, 100 }), true,
			"Error: Backward goto not supported.", syscall.EINVAL},
		{"goto to itself", fib.IPv4, nil,
			with(base(200, 0), func(r *Rule) { r.Action, r.Goto = ActionGoto, 200 }), true,
			"Error: Backward goto not supported.", syscall.EINVAL},
		{"goto behind default pref", fib.IPv4, nil,
			with(base(0, 0), func(r *Rule) { r.Action, r.Goto = ActionGoto, 32765 }), false,
			"Error: Backward goto not supported.", syscall.EINVAL},
		{"goto without target", fib.IPv4, nil,
			with(base(10, 0), func(r *Rule) { r.Action = ActionGoto }), true,
			"Error: Missing goto target for action goto.", syscall.EINVAL},
		{"target without goto", fib.IPv4, nil,
			with(base(10, 5), func(r *Rule) { r.Goto = 20 }), true,
			"Error: Unexpected goto.", syscall.EINVAL},
		{"l3mdev with table", fib.IPv4, nil,
			with(base(1000, 10), func(r *Rule) { r.L3mdev = true }), true,
			"Error: l3mdev and table are mutually exclusive.", syscall.EINVAL},
		{"IPv6 source in IPv4", fib.IPv4, nil,
			with(r100, func(r *Rule) { r.Src = pfx("2001:db8::/32") }), true,
			"Error: Invalid source address.", syscall.EINVAL},
		{"IPv4 destination in IPv6", fib.IPv6, nil,
			with(r100, func(r *Rule) { r.Dst = pfx("10.0.0.0/8") }), true,
			"Error: Invalid dst address.", syscall.EINVAL},
		{"sport reversed", fib.IPv4, nil,
			with(r100, func(r *Rule) { r.Sport = PortRange{200, 100} }), true,
			"Error: Invalid sport range.", syscall.EINVAL},
		{"dport from 0", fib.IPv4, nil,
			with(r100, func(r *Rule) { r.Dport = PortRange{0, 100} }), true,
			"Error: Invalid dport range.", syscall.EINVAL},
		{"tos with ECN", fib.IPv6, nil,
			with(r100, func(r *Rule) { r.Tos = 0x11 }), true,
			"Error: Invalid dsfield (tos): ECN bits must be 0.", syscall.EINVAL},
		{"IPv4 high DSCP bits", fib.IPv4, nil,
			with(r100, func(r *Rule) { r.Tos = 0xb8 }), true,
			"Error: Invalid tos.", syscall.EINVAL},
		{"IPv6 table 0", fib.IPv6, nil, base(100, 0), true,
			"Error: Invalid table.", syscall.EINVAL},
		{"IPv4 table 0", fib.IPv4, nil, base(100, 0), true,
			"RTNETLINK answers: No buffer space available", syscall.ENOBUFS},
		{"duplicate", fib.IPv4, []Rule{r100}, r100, true,
			"RTNETLINK answers: File exists", syscall.EEXIST},
		{"duplicate default rule", fib.IPv4, nil,
			with(base(32766, fib.TableMain), func(r *Rule) { r.Proto = fib.ProtoKernel }), true,
			"RTNETLINK answers: File exists", syscall.EEXIST},
		// rule_exists compares neither `not` nor the goto target, and the
		// prefixes only when the new rule has them.
		{"duplicate but for not", fib.IPv4, []Rule{r100},
			with(r100, func(r *Rule) { r.Invert = true }), true,
			"RTNETLINK answers: File exists", syscall.EEXIST},
		{"duplicate but without from", fib.IPv4,
			[]Rule{with(r100, func(r *Rule) { r.Src = pfx("10.0.0.0/8") })}, r100, true,
			"RTNETLINK answers: File exists", syscall.EEXIST},
		{"duplicate goto, other target", fib.IPv4,
			[]Rule{with(base(10, 0), func(r *Rule) { r.Action, r.Goto = ActionGoto, 20 })},
			with(base(10, 0), func(r *Rule) { r.Action, r.Goto = ActionGoto, 30 }), true,
			"RTNETLINK answers: File exists", syscall.EEXIST},
		// Checks run in the kernel's order: goto before ports, tos
		// (configure) last.
		{"goto checked before ports", fib.IPv4, nil,
			with(base(10, 0), func(r *Rule) { r.Action, r.Sport = ActionGoto, PortRange{5, 1} }), true,
			"Error: Missing goto target for action goto.", syscall.EINVAL},
		{"goto checked before tos", fib.IPv4, nil,
			with(base(200, 0), func(r *Rule) { r.Action, r.Goto, r.Tos = ActionGoto, 100, 0x01 }), true,
			"Error: Backward goto not supported.", syscall.EINVAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewSet(tt.family)
			for _, r := range tt.setup {
				if err := s.Add(r, true); err != nil {
					t.Fatalf("setup Add(%+v) = %v", r, err)
				}
			}
			before := s.Rules()
			err := s.Add(tt.r, tt.given)
			if err == nil || ipText(err) != tt.want || !errors.Is(err, tt.errno) {
				t.Fatalf("Add(%+v, %v) = %v, want %q (%v)", tt.r, tt.given, err, tt.want, tt.errno)
			}
			if got := s.Rules(); !slices.Equal(got, before) {
				t.Fatalf("failed Add changed the rules: %+v, want %+v", got, before)
			}
		})
	}
}

func TestAddAccepts(t *testing.T) {
	tests := []struct {
		name   string
		family fib.Family
		r      Rule
	}{
		{"l3mdev rule", fib.IPv4, with(base(1000, 0), func(r *Rule) { r.L3mdev, r.Proto = true, fib.ProtoKernel })},
		{"l3mdev unreachable", fib.IPv6, with(base(2000, 0), func(r *Rule) { r.L3mdev, r.Action = true, ActionUnreachable })},
		{"goto forward", fib.IPv4, with(base(10, 0), func(r *Rule) { r.Action, r.Goto = ActionGoto, 11 })},
		{"not the default local rule: other proto", fib.IPv4, base(0, fib.TableLocal)},
		{"IPv4 legacy tos", fib.IPv4, with(base(5, 5), func(r *Rule) { r.Tos = 0x1c })},
		{"IPv6 full DSCP", fib.IPv6, with(base(5, 5), func(r *Rule) { r.Tos = 0xb8 })},
		{"nop without table", fib.IPv6, with(base(5, 0), func(r *Rule) { r.Action = ActionNop })},
		{"single port", fib.IPv4, with(base(5, 5), func(r *Rule) { r.Sport = PortRange{53, 53} })},
	}
	for _, tt := range tests {
		s := NewSet(tt.family)
		if err := s.Add(tt.r, true); err != nil {
			t.Errorf("%s: Add(%+v) = %v, want nil", tt.name, tt.r, err)
		}
	}
}

func TestAddKeepsPrefixAsGiven(t *testing.T) {
	s := NewSet(fib.IPv4)
	in := with(base(5, 5), func(r *Rule) { r.Src, r.Dst = pfx("10.1.2.3/8"), pfx("0.0.0.0/0") })
	if err := s.Add(in, true); err != nil {
		t.Fatalf("Add(%+v) = %v", in, err)
	}
	got := s.Rules()[1]
	if got.Src != pfx("10.1.2.3/8") || got.Dst.IsValid() {
		t.Fatalf("stored Src, Dst = %v, %v; want 10.1.2.3/8 and `all`", got.Src, got.Dst)
	}
	// The host bits are part of the rule's identity, as in rule_exists.
	if err := s.Add(with(in, func(r *Rule) { r.Src = pfx("10.0.0.0/8") }), true); err != nil {
		t.Fatalf("Add(from 10.0.0.0/8) next to from 10.1.2.3/8 = %v, want nil", err)
	}
}

func TestDelete(t *testing.T) {
	mk := func() *Set {
		s := NewSet(fib.IPv4)
		for _, r := range []Rule{
			with(base(100, 7), func(r *Rule) { r.Iif = "eth1"; r.Invert = true }),
			with(base(100, 8), func(r *Rule) { r.Src = pfx("10.0.0.0/8"); r.Mark, r.Mask = 5, 0xff }),
			with(base(200, 0), func(r *Rule) { r.L3mdev = true }),
			with(base(300, 0), func(r *Rule) { r.Action, r.Goto = ActionGoto, 400 }),
			with(base(400, 9), func(r *Rule) { r.SuppressPrefixlen = 0; r.Dport = PortRange{80, 80} }),
			with(base(500, 0), func(r *Rule) { r.Action = ActionUnreachable }),
		} {
			if err := s.Add(r, true); err != nil {
				t.Fatalf("setup Add(%+v) = %v", r, err)
			}
		}
		return s
	}
	none := Rule{SuppressPrefixlen: -1, SuppressIfgroup: -1}
	sel := func(edit func(*Rule)) Rule { return with(none, edit) }
	tests := []struct {
		name      string
		sel       Rule
		prefGiven bool
		wantPref  uint32
		wantTable fib.TableID
		err       string
	}{
		{"by pref: first of two", sel(func(r *Rule) { r.Pref = 100 }), true, 100, 7, ""},
		{"by table", sel(func(r *Rule) { r.Table = 8 }), false, 100, 8, ""},
		{"by from", sel(func(r *Rule) { r.Src = pfx("10.0.0.0/8") }), false, 100, 8, ""},
		{"by fwmark", sel(func(r *Rule) { r.Mark, r.Mask = 5, 0xff }), false, 100, 8, ""},
		{"by iif, not ignored", sel(func(r *Rule) { r.Iif = "eth1" }), false, 100, 7, ""},
		{"by l3mdev", sel(func(r *Rule) { r.L3mdev = true }), false, 200, 0, ""},
		{"by action", sel(func(r *Rule) { r.Action = ActionUnreachable }), false, 500, 0, ""},
		{"by suppress_prefixlength", sel(func(r *Rule) { r.SuppressPrefixlen = 0 }), false, 400, 9, ""},
		{"by dport", sel(func(r *Rule) { r.Dport = PortRange{80, 80} }), false, 400, 9, ""},
		{"nothing given: first rule", none, false, 0, fib.TableLocal, ""},
		{"goto target not compared", sel(func(r *Rule) { r.Pref, r.Action, r.Goto = 300, ActionGoto, 999 }), true, 300, 0, ""},
		{"no such pref", sel(func(r *Rule) { r.Pref = 150 }), true, 0, 0, "RTNETLINK answers: No such file or directory"},
		{"pref and other table", sel(func(r *Rule) { r.Pref, r.Table = 100, 9 }), true, 0, 0, "RTNETLINK answers: No such file or directory"},
		{"other mask", sel(func(r *Rule) { r.Mark, r.Mask = 5, 0xffffffff }), false, 0, 0, "RTNETLINK answers: No such file or directory"},
		{"other host bits", sel(func(r *Rule) { r.Src = pfx("10.1.0.0/8") }), false, 0, 0, "RTNETLINK answers: No such file or directory"},
		{"goto behind default pref", sel(func(r *Rule) { r.Action, r.Goto = ActionGoto, 50 }), false, 0, 0, "Error: Backward goto not supported."},
		{"l3mdev and table", sel(func(r *Rule) { r.L3mdev, r.Table = true, 10 }), false, 0, 0, "Error: l3mdev and table are mutually exclusive."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mk()
			n := len(s.Rules())
			got, err := s.Delete(tt.sel, tt.prefGiven)
			if tt.err != "" {
				if err == nil || ipText(err) != tt.err {
					t.Fatalf("Delete(%+v) = %v, want %q", tt.sel, err, tt.err)
				}
				if len(s.Rules()) != n {
					t.Fatalf("failed Delete removed a rule")
				}
				return
			}
			if err != nil || got.Pref != tt.wantPref || got.Table != tt.wantTable {
				t.Fatalf("Delete(%+v) = pref %d table %d, %v; want pref %d table %d",
					tt.sel, got.Pref, got.Table, err, tt.wantPref, tt.wantTable)
			}
			if len(s.Rules()) != n-1 {
				t.Fatalf("Delete left %d rules, want %d", len(s.Rules()), n-1)
			}
		})
	}
}

func TestCloneIsIndependent(t *testing.T) {
	s := NewSet(fib.IPv4)
	snapshot := s.Rules()
	c := s.Clone()
	if err := c.Add(base(5, 5), true); err != nil {
		t.Fatalf("Clone().Add = %v", err)
	}
	if _, err := c.Delete(Rule{Pref: 0, SuppressPrefixlen: -1, SuppressIfgroup: -1}, true); err != nil {
		t.Fatalf("Clone().Delete(pref 0) = %v", err)
	}
	if got := s.Rules(); !slices.Equal(got, snapshot) {
		t.Fatalf("original changed after editing its clone: %+v", got)
	}
	r := s.Rules()
	r[0].Table = 99
	if s.Rules()[0].Table != fib.TableLocal {
		t.Fatalf("editing the slice from Rules() changed the set")
	}
}

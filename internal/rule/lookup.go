package rule

import (
	"errors"
	"net/netip"
	"syscall"

	"github.com/govrf/govrf/internal/fib"
)

// Boxed once so that verdicts carry them without allocating.
var (
	errNetUnreach error = syscall.ENETUNREACH
	errAccess     error = syscall.EACCES
	errInval      error = syscall.EINVAL
)

// walk is the per-lookup state of fib_rules_lookup.
type walk struct {
	f   *Flow
	is4 bool
	// src is the source the prefix selectors compare; hasSrc is false for
	// an IPv6 flow without one.
	src    netip.Addr
	hasSrc bool
	// l3Table is fib_lookup_arg.table: set by every l3mdev selector that
	// matches and kept for the rest of the walk.
	l3Table fib.TableID
}

// Lookup walks the rules for f as fib_rules_lookup does, calling tl for
// each table a matching rule names, and returns what decided. A goto
// continues at its target, nop and unresolved gotos go on with the next
// rule, and so does a table that misses (EAGAIN, including throw routes) or
// whose successful result the rule suppresses (suppress_prefixlength,
// suppress_ifgroup). blackhole is EINVAL, unreachable ENETUNREACH, prohibit
// EACCES; an error route in a table ends the walk with its error. Falling
// off the end is ENETUNREACH (fib_lookup turns ESRCH into it). When Err is
// nil, or came from a table, the last LookupTable call is the result.
//
// Lookup does not allocate.
func (l *List) Lookup(f *Flow, tl TableLookup) Verdict { return l.lookup(f, tl, nil) }

// Step is one rule of a walk as Explain reports it: the rule's
// preference and action, and whether its selectors matched the flow.
type Step struct {
	Pref    uint32
	Action  Action
	L3mdev  bool        // a `lookup [l3mdev-table]` rule
	Table   fib.TableID // the table a matching table rule looked up
	Matched bool
}

// Explain is Lookup that reports each rule it tries to fn, in order,
// before the table lookups the rule makes: `govrf trace` shows the walk
// as fib_rules_lookup runs it. It decides exactly as Lookup.
func (l *List) Explain(f *Flow, tl TableLookup, fn func(Step)) Verdict { return l.lookup(f, tl, fn) }

// lookup is Lookup, reporting each rule tried to trace when it is set.
func (l *List) lookup(f *Flow, tl TableLookup, trace func(Step)) Verdict {
	w := walk{f: f, is4: f.Dst.Is4(), src: f.Src, hasSrc: true}
	if !w.src.IsValid() {
		if w.is4 {
			w.src = netip.IPv4Unspecified()
		} else {
			w.hasSrc = false
		}
	}
	for i := 0; i < len(l.rules); i++ {
		c := &l.rules[i]
		if c.match(&w) == c.invert {
			if trace != nil {
				trace(Step{Pref: c.pref, Action: c.action, L3mdev: c.l3mdev})
			}
			continue
		}
		if trace != nil {
			st := Step{Pref: c.pref, Action: c.action, L3mdev: c.l3mdev, Matched: true}
			if c.action == ActionTable {
				st.Table = c.table
				if c.l3mdev {
					st.Table = w.l3Table
				}
			}
			trace(st)
		}
		switch c.action {
		case ActionGoto:
			if c.target >= 0 {
				i = c.target - 1 // the target's selectors are checked next
			}
			continue
		case ActionNop:
			continue
		case ActionTable:
			table := c.table
			if c.l3mdev {
				table = w.l3Table
			}
			if table == fib.TableUnspec {
				table = fib.TableMain // fib_get_table, fib6_get_table
			}
			plen, dev, err := tl.LookupTable(table)
			if err == nil && l.suppressed(c, plen, dev) {
				continue
			}
			if err != nil && (err == syscall.EAGAIN || errors.Is(err, syscall.EAGAIN)) {
				continue // the comparison first: a bare errno, without the unwrap walk
			}
			return Verdict{Pref: c.pref, Table: table, Err: err, Index: i}
		case ActionUnreachable:
			return Verdict{Pref: c.pref, Err: errNetUnreach, Index: i}
		case ActionProhibit:
			return Verdict{Pref: c.pref, Err: errAccess, Index: i}
		default: // blackhole and actions the family does not know
			return Verdict{Pref: c.pref, Err: errInval, Index: i}
		}
	}
	return Verdict{Err: errNetUnreach, Index: -1}
}

// suppressed is fib4_rule_suppress / fib6_rule_suppress.
func (l *List) suppressed(c *compiled, plen, dev int) bool {
	if plen <= c.supPlen {
		return true
	}
	return c.supGroup != -1 && dev != 0 && l.links != nil && l.links.Group(dev) == c.supGroup
}

// match reports whether the selectors match, before `not` (fib_rule_match,
// in its order, then fib4_rule_match / fib6_rule_match).
func (c *compiled) match(w *walk) bool {
	f := w.f
	if c.iif != 0 {
		if c.iifVRF {
			// iif VRF: traffic that entered through the VRF's ports, not
			// sockets bound to it (l3mdev_fib_rule_iif_match).
			if f.L3mdevFromOif || f.L3mdev != c.iif {
				return false
			}
		} else if f.Iif != c.iif {
			return false
		}
	}
	if c.oif != 0 {
		if c.oifVRF {
			if !f.L3mdevFromOif || f.L3mdev != c.oif {
				return false
			}
		} else if f.Oif != c.oif {
			return false
		}
	}
	if (c.mark^f.Mark)&c.mask != 0 {
		return false
	}
	if c.l3mdev {
		// l3mdev_fib_rule_match: only flows with an L3 domain.
		if f.L3mdev == 0 {
			return false
		}
		w.l3Table = f.L3mdevTable
	}
	if c.src.IsValid() && (!w.hasSrc || !c.src.Contains(w.src)) {
		return false
	}
	if c.dst.IsValid() && !c.dst.Contains(f.Dst) {
		return false
	}
	if c.dscp != 0 {
		// IPv4 `tos` keeps its legacy meaning: only the bits of
		// IPTOS_TOS_MASK count (fib_dscp_masked_match); IPv6 compares the
		// whole DSCP.
		tos := f.Tos &^ 0x03
		if w.is4 {
			tos = f.Tos & 0x1c
		}
		if tos != c.dscp {
			return false
		}
	}
	if c.ipproto != 0 && c.ipproto != f.IPProto {
		return false
	}
	return c.sport.admits(f.Sport) && c.dport.admits(f.Dport)
}

// admits is fib_rule_port_inrange for a set range; an unset range admits
// every port.
func (p PortRange) admits(port uint16) bool {
	return !p.IsSet() || p.Lo <= port && port <= p.Hi
}

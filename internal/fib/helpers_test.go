package fib

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

// rt parses a route in a terse `ip route` syntax for tests:
//
//	[TYPE] PREFIX [tos N] [metric N] [proto P] [scope S] [src A] [nhid N]
//	    [via GW] [dev N] [weight N] [onlink] [dead] [nexthop via GW dev N ...]...
//
// Devices are link indexes. Unknown words fail the test.
func rt(t testing.TB, s string) Route {
	t.Helper()
	r, err := parseRoute(s)
	if err != nil {
		t.Fatalf("rt(%q): %v", s, err)
	}
	return r
}

// sel parses a delete selector: as rt, with scope nowhere (any) unless
// given.
func sel(t testing.TB, s string) Route {
	t.Helper()
	r := rt(t, s)
	if !strings.Contains(s, "scope") {
		r.Scope = ScopeNowhere
	}
	return r
}

func parseRoute(s string) (Route, error) {
	var r Route
	f := strings.Fields(s)
	if typ, ok := ParseType(f[0]); ok {
		r.Type, f = typ, f[1:]
	} else {
		r.Type = TypeUnicast
	}
	p, err := netip.ParsePrefix(f[0])
	if err != nil {
		return r, err
	}
	r.Prefix = p
	hop := func() *Nexthop {
		if len(r.Nexthops) == 0 {
			r.Nexthops = append(r.Nexthops, Nexthop{})
		}
		return &r.Nexthops[len(r.Nexthops)-1]
	}
	for i := 1; i < len(f); i++ {
		arg := func() string {
			i++
			if i == len(f) {
				return ""
			}
			return f[i]
		}
		var n uint64
		switch w := f[i]; w {
		case "onlink":
			hop().Onlink = true
		case "dead":
			hop().Dead = true
		case "nexthop":
			r.Nexthops = append(r.Nexthops, Nexthop{})
		case "via":
			hop().Gateway, err = netip.ParseAddr(arg())
		case "src":
			r.Src, err = netip.ParseAddr(arg())
		case "proto":
			r.Proto, _ = ParseProto(arg())
		case "scope":
			r.Scope, _ = ParseScope(arg())
		default:
			n, err = strconv.ParseUint(arg(), 0, 32)
			switch w {
			case "tos":
				r.Tos = uint8(n)
			case "metric":
				r.Metric = uint32(n)
			case "nhid":
				r.NHID = uint32(n)
			case "dev":
				hop().Dev = int(n)
			case "weight":
				hop().Weight = uint16(n)
			default:
				return r, fmt.Errorf("unknown word %q", w)
			}
		}
		if err != nil {
			return r, err
		}
	}
	return r, nil
}

// fmtRoute prints a route in rt's syntax, for comparisons and failures.
func fmtRoute(r Route) string {
	var b strings.Builder
	if r.Type != TypeUnicast {
		b.WriteString(r.Type.String() + " ")
	}
	b.WriteString(r.Prefix.String())
	if r.Tos != 0 {
		fmt.Fprintf(&b, " tos %#x", r.Tos)
	}
	if r.Metric != 0 {
		fmt.Fprintf(&b, " metric %d", r.Metric)
	}
	if r.Proto != ProtoUnspec {
		b.WriteString(" proto " + r.Proto.String())
	}
	if r.Scope != ScopeUniverse {
		b.WriteString(" scope " + r.Scope.String())
	}
	if r.Src.IsValid() {
		b.WriteString(" src " + r.Src.String())
	}
	if r.NHID != 0 {
		fmt.Fprintf(&b, " nhid %d", r.NHID)
	}
	for _, h := range r.Nexthops {
		if len(r.Nexthops) > 1 {
			b.WriteString(" nexthop")
		}
		b.WriteString(fmtHop(h))
	}
	return b.String()
}

func fmtHop(h Nexthop) string {
	var b strings.Builder
	if h.Gateway.IsValid() {
		b.WriteString(" via " + h.Gateway.String())
	}
	if h.Dev != 0 {
		fmt.Fprintf(&b, " dev %d", h.Dev)
	}
	if h.Weight != 0 {
		fmt.Fprintf(&b, " weight %d", h.Weight)
	}
	if h.Onlink {
		b.WriteString(" onlink")
	}
	if h.Dead {
		b.WriteString(" dead")
	}
	return b.String()
}

// fmtAll prints routes one per line.
func fmtAll(rs []Route) string {
	var lines []string
	for _, r := range rs {
		lines = append(lines, fmtRoute(r))
	}
	return strings.Join(lines, "\n")
}

// tableOf returns a table holding routes added in order with OpAppend.
func tableOf(t testing.TB, routes ...string) *Table {
	t.Helper()
	tb := NewTable(TableMain)
	for _, s := range routes {
		if err := tb.Add(rt(t, s), OpAppend); err != nil {
			t.Fatalf("Add(%q, OpAppend) = %v", s, err)
		}
	}
	return tb
}

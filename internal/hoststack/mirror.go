package hoststack

import (
	"fmt"
	"net/netip"
)

// ip6DefaultMetric is the metric the kernel gives an IPv6 route added
// with none (IP6_RT_PRIO_USER, ip6_route_info_create).
const ip6DefaultMetric = 1024

// routeKey is what tells two routes of one kernel table apart: the
// destination, the TOS (IPv4 only; the mirror's routes have 0) and the
// metric (fib_table_insert, fib6_add_rt2node).
type routeKey struct {
	prefix netip.Prefix
	tos    uint8
	metric uint32
}

// mirror is the state Sync makes the namespace hold, in the order given.
type mirror struct {
	addrs  []netip.Prefix
	routes []Route
	byKey  map[routeKey]Route
}

// newMirror validates and normalises what Sync was given. Loopback
// addresses are left out: the namespace's lo already carries 127.0.0.1
// and ::1, and the kernel refuses ::1 on another device. An address or
// route given twice counts once, the first time: an IPv6 address by
// itself, since the kernel keeps one prefix length per IPv6 address, an
// IPv4 address with its length, a route by destination and metric.
func newMirror(addrs []netip.Prefix, routes []Route) (*mirror, error) {
	m := &mirror{byKey: make(map[routeKey]Route, len(routes))}
	seen := make(map[netip.Prefix]bool, len(addrs))
	for _, a := range addrs {
		if !a.IsValid() || a.Addr().Is4In6() {
			return nil, fmt.Errorf("invalid address %v", a)
		}
		if a.Addr().IsLoopback() {
			continue
		}
		id := a
		if a.Addr().Is6() {
			id = netip.PrefixFrom(a.Addr(), 128)
		}
		if !seen[id] {
			seen[id] = true
			m.addrs = append(m.addrs, a)
		}
	}
	for _, r := range routes {
		r, err := normalizeRoute(r)
		if err != nil {
			return nil, err
		}
		k := keyOf(r)
		if _, dup := m.byKey[k]; !dup {
			m.byKey[k] = r
			m.routes = append(m.routes, r)
		}
	}
	return m, nil
}

// normalizeRoute returns r as the kernel will report it back: the
// destination masked, the IPv6 default metric filled in, no source on a
// route that sends nothing.
func normalizeRoute(r Route) (Route, error) {
	p := r.Prefix
	if !p.IsValid() || p.Addr().Is4In6() || r.Type > Blackhole {
		return r, fmt.Errorf("invalid route %v", r)
	}
	r.Prefix = p.Masked()
	if r.Type != Unicast {
		r.Src = netip.Addr{}
	}
	if r.Src.IsValid() && r.Src.Is4() != p.Addr().Is4() {
		return r, fmt.Errorf("invalid route %v: source of another family", r)
	}
	if p.Addr().Is6() && r.Metric == 0 {
		r.Metric = ip6DefaultMetric
	}
	return r, nil
}

func keyOf(r Route) routeKey { return routeKey{prefix: r.Prefix, metric: r.Metric} }

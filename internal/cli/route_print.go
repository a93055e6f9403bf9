package cli

import (
	"net/netip"
	"strings"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
)

// routeMsg is a route as the kernel reports it in an RTM_NEWROUTE message
// (fib_dump_info, rt6_fill_node, rt_fill_info): what print_route prints.
type routeMsg struct {
	family  int // 4 or 6
	typ     fib.Type
	dst     netip.Prefix // "default" when zero-length
	src     netip.Addr   // RTA_SRC: the source of a `route get`
	nhid    uint32
	tos     uint8
	gateway netip.Addr // of the other family: RTA_VIA
	dev     int
	table   fib.TableID
	proto   fib.Proto
	scope   fib.Scope
	// cloned marks an IPv4 `route get` answer (RTM_F_CLONED): no proto
	// or scope, and the routing cache flags instead.
	cloned    bool
	prefsrc   netip.Addr
	metric    uint32
	hasMetric bool
	flags     []string // rtm_flags, by name
	mark      uint32
	hasUID    bool
	uid       uint32
	cache     []string
	iif       int
	pref      bool // IPv6: RTA_PREF (always medium in govrf)
	hops      []fib.Nexthop
}

// routeMsgOf describes a FIB route as fib_dump_info / rt6_fill_node do,
// expanding a nexthop object into its paths (nexthop_compat_mode, on by
// default).
func routeMsgOf(s *control.Snapshot, r *fib.Route) routeMsg {
	m := routeMsg{family: familyOf(r.Is4()), typ: r.Type, dst: r.Prefix, nhid: r.NHID,
		table: r.Table, proto: r.Proto, scope: r.Scope, prefsrc: r.Src, metric: r.Metric}
	if m.family == 4 {
		m.tos, m.hasMetric = r.Tos, r.Metric != 0
	} else {
		m.scope, m.hasMetric, m.pref = fib.ScopeUniverse, true, true
	}
	hops := r.Nexthops
	if r.NHID != 0 {
		hops = m.objectPaths(s, s.Nexthop(r.NHID))
	}
	switch {
	case len(hops) == 1:
		m.gateway, m.dev = hops[0].Gateway, hops[0].Dev
		m.flags = hopFlags(hops[0])
	case len(hops) > 1:
		m.hops = hops
		if allDead(hops) {
			m.flags = []string{"linkdown"}
		}
	}
	return m
}

// objectPaths returns the paths of nexthop object nh; a blackhole object
// makes the route a blackhole through lo.
func (m *routeMsg) objectPaths(s *control.Snapshot, nh *control.Nexthop) []fib.Nexthop {
	switch {
	case nh == nil:
		return nil
	case nh.Blackhole:
		m.typ = fib.TypeBlackhole
		return []fib.Nexthop{{Dev: 1}}
	case len(nh.Group) == 0:
		return []fib.Nexthop{{Gateway: nh.Gateway, Dev: nh.Dev, Onlink: nh.Onlink}}
	}
	var out []fib.Nexthop
	for _, g := range nh.Group {
		if o := s.Nexthop(g.ID); o != nil {
			out = append(out, fib.Nexthop{Gateway: o.Gateway, Dev: o.Dev, Onlink: o.Onlink, Weight: g.Weight})
		}
	}
	return out
}

// hopFlags names a path's RTNH_F_* flags in print_rt_flags order. A dead
// path is one whose link went down, which the kernel marks linkdown too.
func hopFlags(h fib.Nexthop) []string {
	var f []string
	if h.Dead {
		f = append(f, "dead")
	}
	if h.Onlink {
		f = append(f, "onlink")
	}
	if h.Dead {
		f = append(f, "linkdown")
	}
	return f
}

func allDead(hops []fib.Nexthop) bool {
	for _, h := range hops {
		if !h.Dead {
			return false
		}
	}
	return true
}

// routeHides says which fields a show filter makes redundant: ip leaves
// out what every printed route shares (print_route's filter.*mask tests).
type routeHides struct {
	table, proto, scope, dev, tos, gateway, prefsrc, metric, iif bool
	types                                                        uint64 // filter.typemask; 0: any
}

// printRoute prints one route as print_route does.
func printRoute(p *printer, c *ctx, m *routeMsg, h *routeHides) {
	s := c.ctl.View()
	p.openObject("")
	if (m.typ != fib.TypeUnicast || c.opts.Details) && (h.types == 0 || h.types&(1<<m.typ) != 0) {
		p.str(printAny, "type", "%s ", typeName(m.typ))
	}
	p.str(printAny, "dst", "%s ", m.dstString())
	if m.src.IsValid() {
		p.str(printAny, "from", "from %s ", m.src.String())
	}
	if m.nhid != 0 {
		p.uint(printAny, "nhid", "nhid %d ", uint64(m.nhid))
	}
	if m.tos != 0 && !h.tos {
		p.str(printAny, "tos", "tos %s ", dsfieldName(m.tos))
	}
	if m.gateway.IsValid() && (m.gateway.Is4() != (m.family == 4) || !h.gateway) {
		printGateway(p, m.family, m.gateway)
	}
	if m.dev != 0 && !h.dev {
		p.str(printAny, "dev", "dev %s ", devName(s, m.dev))
	}
	if m.table != 0 && (m.table != fib.TableMain || c.opts.Details) && !h.table {
		p.str(printAny, "table", "table %s ", tableName(m.table))
	}
	if !m.cloned {
		if (m.proto != fib.ProtoBoot || c.opts.Details) && !h.proto {
			p.str(printAny, "protocol", "proto %s ", protoName(m.proto))
		}
		if (m.scope != fib.ScopeUniverse || c.opts.Details) && !h.scope {
			p.str(printAny, "scope", "scope %s ", scopeName(m.scope))
		}
	}
	if m.prefsrc.IsValid() && !h.prefsrc {
		p.str(printAny, "prefsrc", "src %s ", m.prefsrc.String())
	}
	if m.hasMetric && !h.metric {
		p.uint(printAny, "metric", "metric %d ", uint64(m.metric))
	}
	printFlags(p, m.flags)
	m.printTail(p, c, h)
	p.nl()
	p.closeObject()
}

// printTail prints what follows the flags: mark, uid, cache flags, iif,
// IPv6 preference, the nexthop object (-d) and the multipath list.
func (m *routeMsg) printTail(p *printer, c *ctx, h *routeHides) {
	s := c.ctl.View()
	switch {
	case m.mark == 0:
	case p.isJSON():
		p.uint(printJSON, "mark", "", uint64(m.mark))
	case m.mark >= 16:
		p.textf("mark %#x ", m.mark)
	default:
		p.textf("mark %d ", m.mark)
	}
	if m.hasUID {
		p.uint(printAny, "uid", "uid %d ", uint64(m.uid))
	}
	if m.cloned {
		printCacheFlags(p, m.cache)
	}
	if m.iif != 0 && !h.iif {
		p.str(printAny, "iif", "iif %s ", devName(s, m.iif))
	}
	if m.pref {
		p.str(printAny, "pref", "pref %s", "medium")
	}
	if m.nhid != 0 && c.opts.Details {
		if nh := s.Nexthop(m.nhid); nh != nil {
			p.textf("\n\tnh_info ")
			printNexthopEntry(p, c, nh, "nh_info")
		}
	}
	if len(m.hops) > 0 {
		m.printHops(p, s)
	}
}

// printHops prints the multipath list (print_rta_multipath).
func (m *routeMsg) printHops(p *printer, s *control.Snapshot) {
	p.openArray(printJSON, "nexthops", "")
	for _, h := range m.hops {
		p.openObject("")
		p.textf("\n\tnexthop ")
		if h.Gateway.IsValid() {
			printGateway(p, m.family, h.Gateway)
		}
		p.str(printAny, "dev", "dev %s ", devName(s, h.Dev))
		w := h.Weight
		if w == 0 {
			w = 1
		}
		p.int(printAny, "weight", "weight %d ", int64(w))
		printFlags(p, hopFlags(h))
		p.closeObject()
	}
	p.closeArray(printJSON, "")
}

// dstString is the destination as print_route writes it: "default", an
// address for a host route, else address/length.
func (m *routeMsg) dstString() string {
	switch {
	case m.dst.Bits() == 0:
		return "default"
	case m.dst.Bits() == m.dst.Addr().BitLen():
		return m.dst.Addr().String()
	}
	return m.dst.String()
}

// printGateway prints RTA_GATEWAY ("via ADDR"), or RTA_VIA ("via inet6
// ADDR") for a gateway of the other family.
func printGateway(p *printer, family int, gw netip.Addr) {
	if gw.Is4() == (family == 4) {
		p.str(printAny, "gateway", "via %s ", gw.String())
		return
	}
	fam := "inet"
	if gw.Is6() {
		fam = "inet6"
	}
	p.openObject("via")
	p.str(printJSON, "family", "", fam)
	p.str(printJSON, "host", "", gw.String())
	p.closeObject()
	p.textf("via %s %s ", fam, gw.String())
}

// printFlags prints rtm_flags / rtnh_flags (print_rt_flags).
func printFlags(p *printer, flags []string) {
	p.openArray(printJSON, "flags", "")
	for _, f := range flags {
		p.str(printAny, "", "%s ", f)
	}
	p.closeArray(printJSON, "")
}

// printCacheFlags prints an IPv4 `route get` answer's routing cache flags
// (print_cache_flags): "\n    cache <local,brd> ".
func printCacheFlags(p *printer, flags []string) {
	if p.isJSON() {
		p.openArray(printJSON, "cache", "")
		for _, f := range flags {
			p.str(printJSON, "", "", f)
		}
		p.closeArray(printJSON, "")
		return
	}
	p.textf("\n    cache ")
	if len(flags) > 0 {
		p.textf("<%s> ", strings.Join(flags, ","))
	}
}

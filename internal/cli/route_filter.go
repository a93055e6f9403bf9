package cli

import (
	"net/netip"

	"github.com/govrf/govrf/internal/fib"
)

// routeFilter is the selector of `route show` and `route flush`, kept as
// iproute2 keeps it (ip/iproute.c filter): values with masks, prefixes
// with their family and length.
type routeFilter struct {
	family  int         // the dump family: 0 (both), 4 or 6
	table   fib.TableID // 0: every table
	cloned  bool        // `table cache`: the routing cache, which govrf has not
	types   uint64      // bit per route type; 0: any
	proto   fib.Proto
	scope   fib.Scope
	tos     uint8
	metric  uint32
	mark    uint32
	realm   uint32
	iif     int
	oif     int
	protoM  bool // a protocol was given (not "all"): match and hide it
	scopeM  bool
	tosM    bool
	metricM bool
	markM   bool
	realmM  uint32 // mask of realm bits to compare

	rdst, mdst, rsrc, msrc, via, prefsrc inetArg
	rdstOK, mdstOK, rsrcOK, msrcOK       bool
	viaOK, prefsrcOK                     bool
	flushing                             bool
}

// keep is filter_nlmsg: whether route m is listed.
// ip6Multi tracks whether an IPv6 route outside main was seen, which
// changes how the IPv6 table filter reads (ip6_multiple_tables).
func (f *routeFilter) keep(m *routeMsg, ip6Multi *bool) bool {
	if m.family == 6 && m.table != fib.TableMain {
		*ip6Multi = true
	}
	// With no IPv6 route outside main seen yet, ip takes the IPv6 main
	// and local tables to be one and tells them apart by route type.
	if m.family == 6 && !*ip6Multi && f.table == fib.TableMain && m.typ == fib.TypeLocal {
		return false
	}
	if f.table != 0 && f.table != m.table {
		return false
	}
	switch {
	case f.cloned,
		f.protoM && f.proto != m.proto,
		f.scopeM && f.scope != m.scope,
		f.types != 0 && f.types&(1<<m.typ) == 0,
		f.tosM && f.tos != m.tos:
		return false
	}
	return f.keepPrefixes(m) && f.keepValues(m)
}

// keepPrefixes applies root/match/exact, via and src.
func (f *routeFilter) keepPrefixes(m *routeMsg) bool {
	dstLen := m.dst.Bits()
	if f.rdstOK && active(f.rdst) && !(f.famOK(f.rdst, m) && f.rdst.Bits <= dstLen && prefixMatch(m.dst.Addr(), f.rdst, f.rdst.Bits)) {
		return false
	}
	if f.mdstOK && active(f.mdst) && !(f.famOK(f.mdst, m) && f.mdst.Bits >= dstLen && prefixMatch(m.dst.Addr(), f.mdst, dstLen)) {
		return false
	}
	none := netip.Addr{}
	if f.rsrcOK && active(f.rsrc) && !(f.famOK(f.rsrc, m) && f.rsrc.Bits <= 0 && prefixMatch(none, f.rsrc, f.rsrc.Bits)) {
		return false
	}
	if f.msrcOK && !f.famOK(f.msrc, m) {
		return false
	}
	if f.viaOK && f.via.Family() != 0 {
		fam := m.family
		if m.gateway.IsValid() {
			fam = familyOf(m.gateway.Is4())
		}
		if fam != f.via.Family() || f.via.Bits > 0 && !prefixMatch(m.gateway, f.via, f.via.Bits) {
			return false
		}
	}
	if f.prefsrcOK && f.prefsrc.Family() != 0 && (m.family != f.prefsrc.Family() || f.prefsrc.Bits > 0 && !prefixMatch(m.prefsrc, f.prefsrc, f.prefsrc.Bits)) {
		return false
	}
	return true
}

// keepValues applies realms, iif, dev, mark and metric, which compare an
// attribute the route may lack (as 0).
func (f *routeFilter) keepValues(m *routeMsg) bool {
	metric := uint32(0)
	if m.hasMetric {
		metric = m.metric
	}
	switch {
	case f.realmM != 0 && f.realm&f.realmM != 0,
		f.iif != 0,
		f.oif != 0 && m.dev != f.oif,
		f.markM && f.mark != 0,
		f.metricM && metric != f.metric:
		return false
	}
	// `ip route flush` leaves the IPv6 null route alone.
	return !(f.flushing && m.family == 6 && m.dst.Bits() == 0 && m.typ == fib.TypeUnreachable && metric == 0xffffffff)
}

// active reports whether a prefix selector filters at all: "all" and
// "any" without a family do not.
func active(p inetArg) bool { return p.Family() != 0 || p.BitsGiven }

// famOK is the family test of a prefix selector: a family-less one
// ("default", "all") matches routes of both.
func (f *routeFilter) famOK(p inetArg, m *routeMsg) bool {
	return p.Family() == 0 || p.Family() == m.family
}

// prefixMatch is inet_addr_match: the first bits bits of a (zero when
// invalid) equal those of p's address (zero for a family-less one).
func prefixMatch(a netip.Addr, p inetArg, bits int) bool {
	var x, y [16]byte
	if a.IsValid() {
		x = a.As16()
		if a.Is4() {
			copy(x[:], x[12:])
		}
	}
	if p.Addr.IsValid() {
		y = p.Addr.As16()
		if p.Addr.Is4() {
			copy(y[:], y[12:])
		}
	}
	for i := 0; i < bits && i < 128; i++ {
		if (x[i/8]^y[i/8])&(0x80>>(i%8)) != 0 {
			return false
		}
	}
	return true
}

// hides says which fields the filter makes redundant in the output.
func (f *routeFilter) hides(family int) *routeHides {
	host := 32
	if family == 6 {
		host = 128
	}
	return &routeHides{table: f.table != 0, proto: f.protoM, scope: f.scopeM, dev: f.oif != 0,
		tos: f.tosM, metric: f.metricM, iif: f.iif != 0, types: f.types,
		gateway: f.viaOK && f.via.Bits == host, prefsrc: f.prefsrcOK && f.prefsrc.Bits == host}
}

package cli

import (
	"fmt"
	"net/netip"
	"syscall"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rterr"
)

// parseNexthops reads the `nexthop NH ...` list that ends the command
// (parse_nexthops, parse_one_nh).
func (q *routeReq) parseNexthops(a *args) error {
	for a.more() {
		if w := a.next(); w != "nexthop" {
			return &cmdError{fmt.Sprintf("Error: \"nexthop\" or end of line is expected instead of \"%s\"", w), exitUsage}
		}
		if !a.more() {
			return &cmdError{`Error: unexpected end of line after "nexthop"`, exitUsage}
		}
		hop, err := q.parseHop(a)
		if err != nil {
			return err
		}
		q.hops = append(q.hops, hop)
	}
	return nil
}

// parseHop reads one nexthop's attributes, up to the first word that is
// not one of them. A repeated `via` keeps the first gateway, as the
// kernel reads the first RTA_GATEWAY of the hop.
func (q *routeReq) parseHop(a *args) (fib.Nexthop, error) {
	var hop fib.Nexthop
	for a.more() {
		switch kw := a.peek(); {
		case kw == "via":
			a.next()
			gw, err := q.readGateway(a)
			if err != nil {
				return hop, err
			}
			if !hop.Gateway.IsValid() {
				hop.Gateway = gw
			}
		case kw == "dev":
			a.next()
			v, err := a.value()
			if err != nil {
				return hop, err
			}
			if hop.Dev = linkIndex(q.snap, v); hop.Dev == 0 {
				return hop, &cmdError{fmt.Sprintf("Cannot find device \"%s\"\nError: cannot parse nexthop", v), exitUsage}
			}
		case kw == "weight":
			a.next()
			v, err := a.value()
			if err != nil {
				return hop, err
			}
			w, ok := scanUint(v, 32)
			if !ok || w == 0 || w > 256 {
				return hop, errInvArg("\"weight\" is invalid\n", v)
			}
			hop.Weight = uint16(w)
		case kw == "onlink":
			a.next()
			hop.Onlink = true
		case matches(kw, "realms"):
			a.next()
			if err := q.parseRealms(a, kw); err != nil {
				return hop, err
			}
		case kw == "encap":
			a.next()
			return hop, parseEncap(a)
		case kw == "as":
			a.next()
			if err := q.parseAs(a, kw); err != nil {
				return hop, err
			}
		default:
			return hop, nil
		}
	}
	return hop, nil
}

// route finishes the request as iproute_modify does after its loop
// (family, table and scope defaults) and as the kernel reads it.
func (q *routeReq) route() (fib.Route, error) {
	if q.family == 0 {
		q.family = 4
	}
	if err := q.checkSupported(); err != nil {
		return fib.Route{}, err
	}
	r := q.r
	r.Prefix = q.prefix()
	if !q.tableOK {
		switch r.Type {
		case fib.TypeLocal, fib.TypeBroadcast, fib.TypeAnycast, typeNAT:
			r.Table = fib.TableLocal
		}
	}
	if !q.scopeOK {
		r.Scope = q.defaultScope()
	}
	nhs, err := q.nexthops()
	r.Nexthops = nhs
	return r, err
}

// typeNAT is RTN_NAT, a route type ip knows and Linux refuses.
const typeNAT fib.Type = 10

// prefix returns the destination; "default", "all" and "any" without a
// family take the route's.
func (q *routeReq) prefix() netip.Prefix {
	if q.dst.Addr.IsValid() {
		return netip.PrefixFrom(q.dst.Addr, q.dst.Bits)
	}
	if q.family == 6 {
		return netip.PrefixFrom(netip.IPv6Unspecified(), 0)
	}
	return netip.PrefixFrom(netip.IPv4Unspecified(), 0)
}

// defaultScope is the scope iproute_modify sends when none was given.
func (q *routeReq) defaultScope() fib.Scope {
	switch t := q.r.Type; {
	case q.family == 6:
		return fib.ScopeUniverse
	case t == fib.TypeLocal || t == typeNAT:
		return fib.ScopeHost
	case t == fib.TypeBroadcast || t == fib.TypeMulticast || t == fib.TypeAnycast:
		return fib.ScopeLink
	case t != fib.TypeUnicast && t != fib.TypeUnspec:
		return q.r.Scope
	case q.del:
		return fib.ScopeNowhere
	case !q.gwOK && !q.nhsOK && q.r.NHID == 0:
		return fib.ScopeLink
	}
	return q.r.Scope
}

// checkSupported refuses attributes the kernel of the route's family
// would keep but govrf cannot.
func (q *routeReq) checkSupported() error {
	what := q.unsupported
	switch {
	case what != "":
	case q.family == 4:
		what = q.unsupported4
	case q.unsupported6 != "":
		what = q.unsupported6
	case q.prefOK && (q.pref == 1 || q.pref == 3): // high, low
		what = "pref"
	}
	if what != "" {
		return errUnsupported(what)
	}
	return nil
}

// nexthops builds the route's paths: the top-level via/dev/onlink, or the
// `nexthop` list checked against them as the kernel does (fib_get_nhs for
// an IPv4 add, fib_nh_match for a delete; IPv6 lets hops without a
// gateway inherit the top-level one).
func (q *routeReq) nexthops() ([]fib.Nexthop, error) {
	dev := 0
	if q.dev != "" {
		dev = linkIndex(q.snap, q.dev)
	}
	if q.family == 6 && q.gw.IsValid() && q.gw.Is4() {
		return nil, rterr.New(syscall.EINVAL, "IPv6 does not support RTA_VIA attribute")
	}
	if len(q.hops) == 0 {
		if !q.gw.IsValid() && dev == 0 && !q.onlink {
			return nil, nil
		}
		q.hop[0] = fib.Nexthop{Gateway: q.gw, Dev: dev, Onlink: q.onlink}
		return q.hop[:], nil
	}
	hops := q.hops
	if q.family == 6 {
		for i := range hops {
			if hops[i].Gateway.Is4() { // RTA_VIA: ignored in a hop
				hops[i].Gateway = netip.Addr{}
			}
			if !hops[i].Gateway.IsValid() {
				hops[i].Gateway = q.gw
			}
			hops[i].Onlink = hops[i].Onlink || q.onlink
		}
		return hops, nil
	}
	if !q.gw.IsValid() && dev == 0 {
		return hops, nil
	}
	if q.del {
		// fib_nh_match compares a top-level path with the route's first
		// and ignores the list.
		q.hop[0] = fib.Nexthop{Gateway: q.gw, Dev: dev, Onlink: q.onlink}
		return q.hop[:], nil
	}
	switch {
	case dev != 0 && hops[0].Dev != dev:
		return nil, rterr.New(syscall.EINVAL, "Nexthop device index does not match RTA_OIF")
	case q.gw.IsValid() && hops[0].Gateway != q.gw:
		return nil, rterr.New(syscall.EINVAL, "Nexthop gateway does not match RTA_GATEWAY or RTA_VIA")
	}
	return hops, nil
}

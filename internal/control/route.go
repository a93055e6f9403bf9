package control

import (
	"syscall"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rterr"
)

// AddRoute adds a route (`route add/replace/change/append/prepend`). r is
// filled as iproute2 fills an rtmsg (type, proto, scope, table); the
// kernel's checks and defaults follow (fib_create_info,
// ip6_route_info_create).
func (c *Control) AddRoute(r fib.Route, op fib.Op) error {
	return c.do(func(w *Snapshot) error {
		if err := w.checkRoute(&r); err != nil {
			return err
		}
		if err := w.addRoute(r, op); err != nil {
			return err
		}
		// inet_rtm_newroute: any local route a command adds, whatever
		// its proto, is custom (the kernel's own come from fib_magic).
		if r.Is4() && r.Type == fib.TypeLocal {
			w.customLocal4 = true
		}
		return nil
	})
}

// DelRoute deletes the first route matching sel (`route del`); zero
// fields match anything and Scope ScopeNowhere matches any scope.
func (c *Control) DelRoute(sel fib.Route) error {
	return c.do(func(w *Snapshot) error {
		if sel.Table == fib.TableUnspec {
			sel.Table = fib.TableMain
		}
		if !sel.Is4() {
			sel.Scope = fib.ScopeNowhere // ip6_route_del ignores the scope
		}
		t := w.tables[sel.Table]
		if t == nil {
			return rterr.New(syscall.ESRCH, "")
		}
		_, err := w.table(sel.Table).Delete(sel)
		return err
	})
}

// checkRoute validates r and applies the kernel's defaults.
func (s *Snapshot) checkRoute(r *fib.Route) error {
	if r.Table == fib.TableUnspec {
		r.Table = fib.TableMain
	}
	if r.Type == fib.TypeUnspec {
		r.Type = fib.TypeUnicast
	}
	v4 := r.Is4()
	switch {
	case r.Type == 10 || r.Type == 11: // nat, xresolve
		return rterr.New(syscall.EINVAL, "Invalid scope")
	case r.Type > 11:
		return rterr.New(syscall.EINVAL, "Invalid route type")
	case !v4 && r.Tos != 0:
		return rterr.New(syscall.EINVAL, "Invalid dsfield (tos): option not available for IPv6")
	}
	if v4 {
		if r.Tos&3 != 0 {
			return rterr.New(syscall.EINVAL, "Invalid dsfield (tos): ECN bits must be 0")
		}
		if r.Scope < typeScope[r.Type] {
			return rterr.New(syscall.EINVAL, "Invalid scope")
		}
		if r.Prefix != r.Prefix.Masked() {
			return rterr.New(syscall.EINVAL, "Invalid prefix for given prefix length")
		}
		if r.Scope > fib.ScopeHost {
			return rterr.New(syscall.EINVAL, "Invalid scope")
		}
	} else {
		r.Prefix = r.Prefix.Masked()
		if r.Metric == 0 {
			r.Metric = 1024 // IP6_RT_PRIO_USER
		}
		r.Tos = 0
	}
	if r.NHID != 0 {
		if len(r.Nexthops) > 0 {
			return rterr.New(syscall.EINVAL, "Nexthop specification and nexthop id are mutually exclusive")
		}
		if s.nexthops[r.NHID] == nil {
			return rterr.New(syscall.EINVAL, "Nexthop id does not exist")
		}
		if r.Type.IsError() {
			return rterr.New(syscall.EINVAL, "Nexthop id can not be used with error routes")
		}
		return nil
	}
	if r.Type.IsError() {
		if v4 && len(r.Nexthops) > 0 {
			return rterr.New(syscall.EINVAL, "Gateway, device and multipath can not be specified for this route type")
		}
		// IPv6 ignores the nexthop of a reject route and points it at
		// the loopback (ip6_route_info_create).
		r.Nexthops = nil
		if v4 {
			return nil // fib_create_info links error routes unchecked
		}
		r.Nexthops = []fib.Nexthop{{Dev: 1}}
		return s.checkPrefsrc(r)
	}
	if len(r.Nexthops) == 0 {
		return rterr.New(syscall.ENODEV, "")
	}
	if r.Scope == fib.ScopeHost && v4 {
		if len(r.Nexthops) != 1 {
			return rterr.New(syscall.EINVAL, "Route with host scope can not have multiple nexthops")
		}
		if r.Nexthops[0].Gateway.IsValid() {
			return rterr.New(syscall.EINVAL, "Route with host scope can not have a gateway")
		}
	}
	for i := range r.Nexthops {
		nh := &r.Nexthops[i]
		if nh.Weight == 0 {
			nh.Weight = 1
		}
		if err := s.checkNexthopOf(r, nh); err != nil {
			return err
		}
		if !v4 {
			// ip6_route_info_create checks the source after each path.
			if err := s.checkPrefsrc(r); err != nil {
				return err
			}
		}
	}
	return s.checkPrefsrc(r)
}

// checkNexthopOf validates one path of route r (fib_check_nh,
// ip6_validate_gw) and fills its device from the gateway lookup.
func (s *Snapshot) checkNexthopOf(r *fib.Route, nh *fib.Nexthop) error {
	if nh.Dev != 0 {
		l := s.Link(nh.Dev)
		if l == nil {
			return rterr.New(syscall.ENODEV, "")
		}
		if r.Is4() && (r.Type == fib.TypeLocal || r.Scope == fib.ScopeHost) {
			return nil // IPv4 host routes keep their device whatever its state
		}
		// fib_check_nh_nongw refuses a down device with a message; a
		// gateway route finds out at the end of fib_check_nh_v4_gw.
		switch {
		case l.Up:
		case nh.Onlink:
			return rterr.New(syscall.ENETDOWN, "Nexthop device is not up")
		case !nh.Gateway.IsValid() && r.Is4():
			return rterr.New(syscall.ENETDOWN, "Device for nexthop is not up")
		case !nh.Gateway.IsValid():
			return rterr.New(syscall.ENETDOWN, "Nexthop device is not up")
		}
	}
	if !nh.Gateway.IsValid() {
		switch {
		case nh.Dev == 0:
			return rterr.New(syscall.ENODEV, "")
		case nh.Onlink: // fib_check_nh_nongw
			return rterr.New(syscall.EINVAL, "Invalid flags for nexthop - PERVASIVE and ONLINK can not be set")
		}
		return nil
	}
	if !r.Is4() && nh.Dev != 0 && s.Link(nh.Dev).Kind == KindLoopback {
		return rterr.New(syscall.EINVAL, "Egress device can not be loopback device for this route")
	}
	if nh.Gateway.Is4() != r.Is4() && r.Is4() && !nh.Gateway.Is6() {
		return rterr.New(syscall.EINVAL, "Invalid gateway address")
	}
	if !r.Is4() && s.isLocal6(nh.Gateway, nh.Dev) {
		return rterr.New(syscall.EINVAL, "Gateway can not be a local address")
	}
	g, found, err := s.checkGateway(r.Table, r.Scope, *nh)
	if err != nil {
		return err
	}
	if !found {
		g, _ = s.gatewayLookup(r.Table, r.Scope, *nh)
	}
	if nh.Dev == 0 {
		nh.Dev = g.Nexthop.Dev
	}
	nh.HostScope = r.Is4() && g.Type == fib.TypeLocal
	if !r.Is4() && !nh.Onlink {
		if l := s.Link(nh.Dev); l != nil && !l.Up { // fib6_nh_init, after the gateway
			return rterr.New(syscall.ENETDOWN, "Nexthop device is not up")
		}
	}
	return nil
}

// typeScope is the narrowest scope a route of each type may have
// (fib_props[].scope).
var typeScope = [...]fib.Scope{fib.TypeLocal: fib.ScopeHost, fib.TypeBroadcast: fib.ScopeLink,
	fib.TypeAnycast: fib.ScopeLink, fib.TypeThrow: fib.ScopeUniverse}

// checkPrefsrc checks that a preferred source is a local address
// (fib_valid_prefsrc; IPv6 "Invalid source address").
func (s *Snapshot) checkPrefsrc(r *fib.Route) error {
	if !r.Src.IsValid() {
		return nil
	}
	if r.Src.Is4() != r.Is4() {
		return rterr.New(syscall.EINVAL, "Invalid prefsrc address")
	}
	if r.Is4() {
		if r.Type == fib.TypeLocal && r.Prefix.Bits() == 32 && r.Prefix.Addr() == r.Src {
			return nil
		}
		if !s.isLocal4(r.Src, r.Table) {
			return rterr.New(syscall.EINVAL, "Invalid prefsrc address")
		}
		return nil
	}
	if !s.isLocal6(r.Src, 0) {
		return rterr.New(syscall.EINVAL, "Invalid source address")
	}
	return nil
}

func errMsg(errno syscall.Errno, msg string) error { return rterr.New(errno, msg) }

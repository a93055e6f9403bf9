package control

import (
	"net/netip"
	"syscall"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rule"
)

// RouteQuery is a `route get` request. Iif non-zero asks for the input
// route (a packet arriving on Iif); otherwise the output route of a local
// sender, with Oif possibly a VRF device (`route get ... vrf NAME`).
type RouteQuery struct {
	Dst      netip.Addr
	Src      netip.Addr // `from`; invalid when not given
	Iif      int
	Oif      int
	Mark     uint32
	Tos      uint8
	IPProto  uint8
	Sport    uint16
	Dport    uint16
	Fibmatch bool
	// FlowLabel is an IPv6 flow label (RTA_FLOWLABEL) for the multipath
	// hash.
	FlowLabel uint32
}

// RouteAnswer is what `route get` reports.
type RouteAnswer struct {
	Type    fib.Type   // unicast, local, broadcast, multicast
	Dst     netip.Addr // the destination asked for
	From    netip.Addr // the source given with `from`, if any
	Gateway netip.Addr
	Dev     int        // output link: the port, lo, or the VRF for local
	PrefSrc netip.Addr // the selected source address
	Table   fib.TableID
	Iif     int       // input route: the input link
	Route   fib.Route // the FIB entry that matched (for fibmatch)
}

// RouteGet answers `route get` as inet_rtm_getroute / inet6_rtm_getroute
// do, through the same rule walk and tables the data plane uses.
func (c *Control) RouteGet(q RouteQuery) (RouteAnswer, error) {
	return c.Snapshot().RouteGet(q)
}

// RouteGet answers q on this snapshot.
func (s *Snapshot) RouteGet(q RouteQuery) (RouteAnswer, error) {
	if !q.Dst.IsValid() || q.Src.IsValid() && q.Src.Is4() != q.Dst.Is4() {
		return RouteAnswer{}, errMsg(syscall.EINVAL, "")
	}
	if err := q.checkFlow(); err != nil {
		return RouteAnswer{}, err
	}
	for _, i := range []int{q.Iif, q.Oif} {
		if i != 0 && s.Link(i) == nil {
			return RouteAnswer{}, errMsg(syscall.ENODEV, "")
		}
	}
	f := rule.Flow{Src: q.Src, Dst: q.Dst, Iif: q.Iif, Oif: q.Oif, Mark: q.Mark, Tos: q.Tos,
		IPProto: q.IPProto, Sport: q.Sport, Dport: q.Dport, FlowLabel: q.FlowLabel}
	if f.IPProto == 0 && q.Dst.Is4() {
		f.IPProto = ipprotoUDP // inet_rtm_getroute builds a UDP packet by default
	}
	var ans RouteAnswer
	var err error
	switch {
	case q.Iif != 0:
		ans, err = s.input(f)
	case q.Dst.Is4():
		ans, err = s.output4(f)
	default:
		ans, err = s.output6(f)
	}
	if err != nil {
		return RouteAnswer{}, err
	}
	ans.Dst, ans.From, ans.Iif = q.Dst, q.Src, q.Iif
	return ans, nil
}

// input answers an input route query with the decision forwarding takes
// (Router.Input).
func (s *Snapshot) input(f rule.Flow) (RouteAnswer, error) {
	var r Router
	var in Input
	// inet_rtm_getroute routes an IPv4 packet it builds; IPv6's input
	// lookup has only the flow.
	r.mp.getroute4 = f.Dst.Is4()
	r.Input(s, &f, nil, &in)
	if in.Refused != Accepted {
		return RouteAnswer{}, errMsg(in.Err, "")
	}
	if f.Dst.Is6() && in.Type == fib.TypeMulticast && s.kernel.IPv6MRoute {
		// rt6_fill_node asks ip6mr_get_route about an input multicast
		// route; with an empty multicast routing cache the reply fails.
		return RouteAnswer{}, errMsg(syscall.EMSGSIZE, "")
	}
	a := s.answer(in.Res, in.Table)
	a.Type = in.Type
	switch {
	case f.Dst.Is6():
		if in.Type == fib.TypeLocal || in.Type == fib.TypeAnycast {
			a.Dev = s.localDev(in.Res.Nexthop.Dev)
		}
	case in.Type == fib.TypeLocal:
		a.Dev, a.Gateway = s.localDev(in.Res.Nexthop.Dev), netip.Addr{}
	case in.Type == fib.TypeBroadcast || in.Type == fib.TypeMulticast:
		a.Dev, a.Gateway = s.localDev(f.Iif), netip.Addr{}
	}
	return a, nil
}

// answer builds the reply for a successful lookup.
func (s *Snapshot) answer(res fib.Result, table fib.TableID) RouteAnswer {
	a := RouteAnswer{Type: res.Type, Gateway: res.Nexthop.Gateway, Dev: res.Nexthop.Dev,
		Table: table}
	if res.Nexthop.HostScope {
		a.Gateway = netip.Addr{} // rt_set_nexthop uses link-scope gateways only
	}

	if t := s.tables[table]; t != nil && res.Prefix.IsValid() {
		for _, r := range t.Get(res.Prefix) {
			if r.Metric == res.Metric && r.Tos == res.Tos && r.Type == res.Type {
				a.Route = r
				break
			}
		}
	}
	return a
}

// localDev is where local traffic of a link's L3 domain is delivered: the
// VRF device, or lo ("the VRF device takes the place of the loopback").
func (s *Snapshot) localDev(index int) int {
	if v := s.VRFOf(index); v != nil {
		return v.Index
	}
	return loopbackIndex
}

// output4 is ip_route_output_key_hash_rcu for `route get` without iif.
func (s *Snapshot) output4(f rule.Flow) (RouteAnswer, error) {
	if f.Src.IsUnspecified() {
		f.Src = netip.Addr{} // `from 0.0.0.0` is no source at all
	}
	if f.Src.IsValid() {
		if f.Src.IsMulticast() || f.Src == bcast4 {
			return RouteAnswer{}, errMsg(syscall.EINVAL, "")
		}
		if !s.isAddrAnywhere(f.Src) && !s.isLocal4(f.Src, fib.TableLocal) { // __ip_dev_find fails
			return RouteAnswer{}, errMsg(syscall.ENETUNREACH, "")
		}
	}
	if f.Oif != 0 && !s.Link(f.Oif).Up {
		return RouteAnswer{}, errMsg(syscall.ENETUNREACH, "")
	}
	f.Iif = loopbackIndex
	if f.Dst.IsUnspecified() {
		// The destination becomes the source: one selected on the oif,
		// else the loopback address.
		src := f.Src
		if !src.IsValid() && f.Oif != 0 {
			src = s.SelectSrc4(f.Oif, netip.Addr{}, fib.ScopeHost)
		}
		if !src.IsValid() {
			src = addr4(127, 0, 0, 1)
		}
		return RouteAnswer{Type: fib.TypeLocal, Dev: loopbackIndex, PrefSrc: src}, nil
	}
	a, err := s.output4Route(f)
	if err != nil {
		return a, err
	}
	// __mkroute_output: a loopback source may only leave by lo or a VRF.
	if f.Src.IsLoopback() {
		if l := s.Link(a.Dev); l != nil && l.Kind != KindLoopback && l.Kind != KindVRF {
			return RouteAnswer{}, errMsg(syscall.EINVAL, "")
		}
	}
	return a, nil
}

// output4Route picks the output device of output4: by the source's link
// or the oif for multicasts and broadcasts, else by the lookup.
func (s *Snapshot) output4Route(f rule.Flow) (RouteAnswer, error) {
	if f.Src.IsValid() && f.Oif == 0 && (f.Dst.IsMulticast() || f.Dst == bcast4) {
		// "Special hack": multicasts and limited broadcasts leave by
		// the link that owns the source address.
		return RouteAnswer{Type: castType4(f.Dst, fib.TypeUnicast), Dev: s.linkOf(f.Src), PrefSrc: f.Src}, nil
	}
	oif := f.Oif
	if oif != 0 && (isLocalMulticast4(f.Dst) || f.Dst == bcast4 || f.IPProto == ipprotoIGMP) {
		// Link-local multicast and limited broadcast leave by the oif
		// without a lookup.
		src := f.Src
		if !src.IsValid() {
			src = s.SelectSrc4(oif, netip.Addr{}, fib.ScopeLink)
		}
		return RouteAnswer{Type: castType4(f.Dst, fib.TypeUnicast), Dev: oif, PrefSrc: src}, nil
	}
	res, table, err := s.fibLookup(f, fib.ScopeUniverse)
	if err != nil {
		if oif != 0 && (f.Dst.IsMulticast() || s.Link(oif).Kind != KindVRF) {
			// "Apparently, routing tables are wrong. Assume, that the
			// destination is on link."
			src := f.Src
			if !src.IsValid() {
				src = s.SelectSrc4(oif, netip.Addr{}, fib.ScopeLink)
			}
			return RouteAnswer{Type: castType4(f.Dst, fib.TypeUnicast), Dev: oif, PrefSrc: src, Table: fib.TableMain}, nil
		}
		return RouteAnswer{}, errMsg(errnoOf(err), "")
	}
	a := s.answer(res, table)
	switch res.Type {
	case fib.TypeLocal:
		a.Type = castType4(f.Dst, res.Type)
		a.Dev = s.localDev(res.Nexthop.Dev)
		a.Gateway = netip.Addr{}
		a.PrefSrc = f.Src
		if !a.PrefSrc.IsValid() {
			a.PrefSrc = res.Src
			if !a.PrefSrc.IsValid() {
				a.PrefSrc = f.Dst
			}
		}
		return a, nil
	}
	a.PrefSrc = f.Src
	if !a.PrefSrc.IsValid() {
		a.PrefSrc = s.prefSrc4(res)
		// fib_select_path (Linux 6.11): a flow of a VRF that leaves by
		// another L3 domain's link, a leak, takes the VRF's own
		// address, never the route's.
		if v := s.VRFOf(f.Oif); v != nil && s.elsewhere(res.Nexthop.Dev, v.Index) {
			a.PrefSrc = s.vrfSrc(v.Index, f.Dst)
		}
	}
	// __mkroute_output types the route by its destination and does not
	// send broadcasts (or multicasts matched by a short route) to a
	// gateway.
	if t := castType4(f.Dst, res.Type); t != res.Type {
		a.Type = t
		if t == fib.TypeBroadcast || res.Prefix.Bits() < 4 {
			a.Gateway = netip.Addr{}
		}
	}
	return a, nil
}

// castType4 is the route type __mkroute_output gives a destination.
func castType4(dst netip.Addr, t fib.Type) fib.Type {
	switch {
	case dst == bcast4:
		return fib.TypeBroadcast
	case dst.IsMulticast():
		return fib.TypeMulticast
	}
	return t
}

func isLocalMulticast4(a netip.Addr) bool {
	b := a.As4()
	return b[0] == 224 && b[1] == 0 && b[2] == 0
}

const (
	ipprotoIGMP = 2
	ipprotoUDP  = 17
)

// prefSrc4 is FIB_RES_PREFSRC: the route's prefsrc, else an address of the
// nexthop device chosen for the gateway (or for the destination link).
func (s *Snapshot) prefSrc4(res fib.Result) netip.Addr {
	if res.Src.IsValid() {
		return res.Src
	}
	// fib_result_prefsrc selects within the route's own scope.
	return s.SelectSrc4(res.Nexthop.Dev, res.Nexthop.Gateway, res.Scope)
}

// output6 is ip6_route_output_flags for `route get` without iif.
func (s *Snapshot) output6(f rule.Flow) (RouteAnswer, error) {
	if f.Oif != 0 && f.Dst.IsLinkLocalUnicast() && s.Link(f.Oif).Kind == KindVRF {
		return RouteAnswer{}, errMsg(syscall.ENETUNREACH, "")
	}
	f.Iif = loopbackIndex
	// ip6_route_output_flags: the oif binds the lookup only for
	// link-scope destinations or when no source is given.
	nhOif := 0
	strict := f.Dst.IsMulticast() || f.Dst.IsLinkLocalUnicast() || f.Dst.IsLoopback()
	if f.Oif != 0 && !strict && f.Src.IsValid() && !f.Src.IsUnspecified() {
		nhOif = noOif
	}
	var r Router
	res, table, err := r.lookup6(s, &f, nhOif, f.Oif)
	if err != nil {
		return RouteAnswer{}, errMsg(errnoOf(err), "")
	}
	a := s.answer(res, table)
	if res.Type == fib.TypeLocal || res.Type == fib.TypeAnycast {
		a.Dev = s.localDev(res.Nexthop.Dev) // ip6_rt_get_dev_rcu
	}
	// rt6_fill_node reports ip6_route_get_saddr: the route's prefsrc or
	// the source selected on its device, whatever `from` said.
	a.PrefSrc = res.Src
	if !a.PrefSrc.IsValid() {
		a.PrefSrc = s.SelectSrc6(res.Nexthop.Dev, f.Dst)
	}
	return a, nil
}

var (
	bcast4    = addr4(255, 255, 255, 255)
	allHosts4 = addr4(224, 0, 0, 1)
)

func addr4(a, b, c, d byte) netip.Addr { return netip.AddrFrom4([4]byte{a, b, c, d}) }

func errnoOf(err error) syscall.Errno {
	if e, ok := err.(syscall.Errno); ok {
		return e
	}
	return syscall.ENETUNREACH
}

// isAddrAnywhere reports whether a is configured on any link
// (__ip_dev_find / inet_lookup_ifaddr_rcu).
func (s *Snapshot) isAddrAnywhere(a netip.Addr) bool {
	for l := range s.Links() {
		if l.findAddr(a, -1) >= 0 {
			return true
		}
	}
	return false
}

// lookup6 is an IPv6 lookup where prefer, when the nexthops are not bound
// (nhOif is noOif), is a preferred link: among the routes of the prefix
// and metric found, in the table that answered, one through it wins
// (rt6_select's score for a matching oif; ip6_pol_route_input passes the
// iif). The preference plays no part in the rule walk or in which prefix
// answers: a route through another link, or a reject route, still does.
func (r *Router) lookup6(s *Snapshot, f *rule.Flow, nhOif, prefer int) (fib.Result, fib.TableID, error) {
	res, table, err := r.lookup(s, f, fib.ScopeUniverse, nhOif)
	if err != nil || nhOif != noOif || prefer == 0 || res.Nexthop.Dev == prefer || res.Type.IsError() ||
		res.SameMetric <= max(res.Paths, 1) {
		// No route of the prefix ties with the one found but its own
		// siblings: the preference cannot change the answer.
		return res, table, err
	}
	if t := s.tables[table]; t != nil {
		r.w.q.Oif = prefer
		res2, ok := t.Lookup(&r.w.q)
		// Within an ECMP group the hash picks the sibling, whatever the
		// preference (fib6_select_path).
		if ok && res2.Prefix == res.Prefix && res2.Metric == res.Metric && res2.Paths < 2 {
			return res2, table, nil
		}
	}
	return res, table, err
}

// linkOf is __ip_dev_find: the link that has address a, the newest when
// several do (a hash chain walked newest first), else the link of the
// local route that covers a in the local table (communication over
// loopback subnets: 127.1.2.3 is lo's); 0 when none.
func (s *Snapshot) linkOf(a netip.Addr) int {
	found := 0
	for l := range s.Links() {
		if l.findAddr(a, -1) >= 0 {
			found = l.Index
		}
	}
	if found != 0 {
		return found
	}
	if r, ok := s.localLookup4(a); ok && r.Type == fib.TypeLocal {
		return r.Nexthop.Dev
	}
	return 0
}

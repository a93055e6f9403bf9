package control

import (
	"net/netip"
	"syscall"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rule"
)

// Refusal is why the input route turned a packet away. Route get reports
// only the errno; the data plane counts the refusals apart, as the
// kernel's in_martian_src, in_martian_dst and in_no_route do.
type Refusal uint8

const (
	Accepted           Refusal = iota
	MartianSource              // an impossible or own source, or one failing fib_validate_source
	MartianDestination         // an impossible destination, or a route that is not unicast
	NoRoute                    // the lookup failed or found an error route (Input.Err says which)
	NotForwarding              // net.ipv4.ip_forward is off: the packet is not for the router
	NotJoined                  // a multicast group the input link has not joined
)

// Input is an input route: what ip_route_input_noref (IPv4) or
// ip6_route_input (IPv6) decides for a packet received on Flow.Iif. Both
// `route get ... iif DEV` and the data plane's forwarding take it from
// Router.Input, so the two never disagree.
type Input struct {
	// Type is where an accepted packet goes: TypeLocal, TypeAnycast
	// (IPv6), TypeBroadcast and TypeMulticast are for the router,
	// TypeUnicast is forwarded by Res.
	Type    fib.Type
	Res     fib.Result  // the route found; zero when none was looked up
	Table   fib.TableID // the table that answered
	Refused Refusal
	Err     syscall.Errno // the errno route get reports when Refused
}

// refuse records a refusal.
func (in *Input) refuse(why Refusal, errno syscall.Errno) {
	*in = Input{Refused: why, Err: errno}
}

// Input decides the input route of flow f (Iif set) on snapshot s into
// in. pkt, the packet from its IP header on, feeds the multipath hash as
// the skb does on input (LookupPacket); nil hashes the flow. It
// allocates nothing; f may be changed (its L3 domain is filled).
func (r *Router) Input(s *Snapshot, f *rule.Flow, pkt []byte, in *Input) {
	r.mp.pktRead = false
	if f.Dst.Is4() {
		r.input4(s, f, pkt, in)
		return
	}
	r.input6(s, f, pkt, in)
}

// PacketBound reports whether the last Input read its packet beyond the
// flow: the multipath hash of a route with several paths or of a nexthop
// object. When it did not, the decision is a function of the snapshot
// and of the flow as passed to Input alone, and holds for every packet
// of that flow on that snapshot: the data path's cache of input routes
// keeps only such decisions.
func (r *Router) PacketBound() bool { return r.mp.pktRead }

// input4 is ip_route_input_slow, with ip_route_input_rcu's multicast
// branch before it, in the kernel's order of checks. Forwarding is
// net.ipv4.ip_forward: govrf has no per-link forwarding switch.
func (r *Router) input4(s *Snapshot, f *rule.Flow, pkt []byte, in *Input) {
	if !f.Src.IsValid() {
		f.Src = netip.IPv4Unspecified()
	}
	src, dst := f.Src, f.Dst
	if dst.IsMulticast() {
		r.inputMulticast4(s, f, in)
		return
	}
	switch {
	case src.IsMulticast() || src == bcast4:
		in.refuse(MartianSource, syscall.EINVAL)
		return
	case dst == bcast4 || src.IsUnspecified() && dst.IsUnspecified():
		r.brdInput(s, f, in)
		return
	// "Accept zero addresses only to limited broadcast"; 0.0.0.0/8 is
	// otherwise an ordinary range since Linux 5.3. Loopback addresses
	// are martians with route_localnet off.
	case src.IsUnspecified():
		in.refuse(MartianSource, syscall.EINVAL)
		return
	case dst.IsUnspecified() || dst.IsLoopback():
		in.refuse(MartianDestination, syscall.EINVAL)
		return
	case src.IsLoopback():
		in.refuse(MartianSource, syscall.EINVAL)
		return
	}
	fwd := s.sysctl.IPForward
	res, table, err := r.LookupPacket(s, f, pkt)
	if err != nil {
		if !fwd {
			in.refuse(NotForwarding, syscall.EHOSTUNREACH)
			return
		}
		in.refuse(NoRoute, errnoOf(err))
		return
	}
	switch res.Type {
	case fib.TypeBroadcast:
		// brd_input validates a non-zero source like local delivery.
		if !r.validSource(s, groupFlow(*f), 0) {
			in.refuse(MartianSource, syscall.EINVAL)
			return
		}
	case fib.TypeLocal:
		if !r.validSource(s, *f, 0) {
			in.refuse(MartianSource, syscall.EINVAL)
			return
		}
	case fib.TypeUnicast:
		if !fwd {
			in.refuse(NotForwarding, syscall.EHOSTUNREACH)
			return
		}
		if !r.validSource(s, *f, res.Nexthop.Dev) {
			in.refuse(MartianSource, syscall.EINVAL)
			return
		}
	default:
		if !fwd {
			in.refuse(NotForwarding, syscall.EHOSTUNREACH)
			return
		}
		in.refuse(MartianDestination, syscall.EINVAL)
		return
	}
	*in = Input{Type: res.Type, Res: res, Table: table}
}

// brdInput is brd_input: a limited broadcast (or 0.0.0.0 → 0.0.0.0) is
// for the router, once a non-zero source validates.
func (r *Router) brdInput(s *Snapshot, f *rule.Flow, in *Input) {
	if !f.Src.IsUnspecified() && !r.validSource(s, groupFlow(*f), 0) {
		in.refuse(MartianSource, syscall.EINVAL)
		return
	}
	*in = Input{Type: fib.TypeBroadcast, Table: fib.TableMain}
}

// inputMulticast4 is ip_route_input_mc for a group the input link joined:
// every up link joins 224.0.0.1 (ip_mc_up); other groups are refused as
// ip_route_input_rcu does without multicast routing.
func (r *Router) inputMulticast4(s *Snapshot, f *rule.Flow, in *Input) {
	l := s.Link(f.Iif)
	if f.Dst != allHosts4 || l == nil || !l.Up {
		in.refuse(NotJoined, syscall.EINVAL)
		return
	}
	switch {
	case f.Src.IsMulticast() || f.Src == bcast4:
		in.refuse(MartianSource, syscall.EINVAL)
		return
	case f.Src.IsUnspecified():
		if !isLocalMulticast4(f.Dst) && f.IPProto != ipprotoIGMP {
			in.refuse(MartianSource, syscall.EINVAL)
			return
		}
	case !r.validSource(s, groupFlow(*f), 0):
		in.refuse(MartianSource, syscall.EINVAL)
		return
	}
	*in = Input{Type: fib.TypeMulticast}
}

// validSource is fib_validate_source with rp_filter and accept_local off,
// for a packet about to be delivered (oif 0) or to leave by oif: the
// source must not be one of the router's addresses, and once custom rules
// or local routes exist it must route back, from the output link in the
// ingress L3 domain, as unicast when it routes at all.
func (r *Router) validSource(s *Snapshot, f rule.Flow, oif int) bool {
	// Custom local routes or rules, or a packet about to leave by the
	// link it came in on (send_redirects), call for the full check.
	if !s.customRules4 && !s.customLocal4 && (oif == 0 || oif != f.Iif) {
		return !s.isAddrAnywhere(f.Src)
	}
	// The reverse flow keeps the protocol and swaps the ports, when a
	// rule needs them dissected (fib4_rules_early_flow_dissect).
	rev := rule.Flow{Src: f.Dst, Dst: f.Src, Iif: oif, Tos: f.Tos}
	if s.Dissects(fib.IPv4) {
		rev.IPProto, rev.Sport, rev.Dport = f.IPProto, f.Dport, f.Sport
	}
	if oif == 0 {
		rev.Iif = loopbackIndex
	}
	if v := s.VRFOf(f.Iif); v != nil {
		rev.L3mdev, rev.L3mdevTable = v.Index, v.Table
	}
	res, _, err := r.lookup(s, &rev, fib.ScopeUniverse, 0)
	return err != nil || res.Type == fib.TypeUnicast
}

// groupFlow is the flow whose source brd_input and ip_route_input_mc
// validate: fib_validate_source is called with a zero destination.
func groupFlow(f rule.Flow) rule.Flow {
	f.Dst = netip.IPv4Unspecified()
	return f
}

// input6 is ip6_route_input_lookup: a destination that needs a strict
// lookup (rt6_need_strict: multicast, link-local, loopback) takes only
// routes through the input link; others prefer it. IPv6 forwarding is
// decided later, by ip6_forward, so a forwarding route is accepted here
// whatever net.ipv6.conf.all.forwarding says.
func (r *Router) input6(s *Snapshot, f *rule.Flow, pkt []byte, in *Input) {
	if !f.Src.IsValid() {
		f.Src = netip.IPv6Unspecified()
	}
	strict := 0
	if f.Dst.IsMulticast() || f.Dst.IsLinkLocalUnicast() || f.Dst.IsLoopback() {
		strict = f.Iif
	}
	nhOif := strict
	if strict == 0 {
		nhOif = noOif
	}
	r.mp.pkt = pkt
	res, table, err := r.lookup6(s, f, nhOif, f.Iif)
	r.mp.pkt = nil
	switch {
	case err != nil:
		in.refuse(NoRoute, errnoOf(err))
		return
	case res.Type != fib.TypeUnicast && res.Type != fib.TypeLocal && res.Type != fib.TypeAnycast &&
		res.Type != fib.TypeMulticast:
		in.refuse(MartianDestination, syscall.EINVAL)
		return
	}
	*in = Input{Type: res.Type, Res: res, Table: table}
}

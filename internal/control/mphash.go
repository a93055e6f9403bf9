package control

import (
	"syscall"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/mphash"
	"github.com/govrf/govrf/internal/rule"
)

// ownKey keys the multipath hash while net.ipv4.fib_multipath_hash_seed
// is 0. Linux then draws a random seed at boot; govrf keeps a fixed key
// of its own, so that a flow keeps its path across restarts and tests
// are reproducible. Only a seed set by the user makes govrf's paths
// those of a kernel with the same seed.
var ownKey = mphash.Key{0x676f7672665f6d70, 0x6d756c7469706174}

// MultipathHash returns the hash settings of a family (v6: IPv6) under
// this snapshot's sysctls.
func (s *Snapshot) MultipathHash(v6 bool) mphash.Config {
	c := mphash.Config{Policy: uint8(s.sysctl.MultipathHashPolicy4), Fields: s.sysctl.MultipathHashFields4, Key: ownKey}
	if v6 {
		c.Policy, c.Fields = uint8(s.sysctl.MultipathHashPolicy6), s.sysctl.MultipathHashFields6
	}
	if seed := s.sysctl.MultipathHashSeed; seed != 0 {
		c.Key = mphash.SeedKey(seed)
	}
	return c
}

// mpHasher is a Router's fib.Hasher: the multipath hash of the flow being
// looked up, computed when a route with several paths asks for it
// (fib_select_path, fib6_select_path) and kept for the rest of the
// lookup. A lookup for a received packet hashes the packet (pkt), one for
// an IPv4 `route get` the packet inet_rtm_getroute builds (getroute4),
// any other the flow (a flowi4 / flowi6).
type mpHasher struct {
	s         *Snapshot
	f         mphash.Flow
	pkt       []byte
	getroute4 bool
	done      bool
	h         uint32
	// out4 marks an IPv4 output flow with a source address, for which
	// fib_select_multipath prefers paths with that source.
	out4 bool
	// pktRead records that a hash of pkt was taken since Input began
	// (Router.PacketBound).
	pktRead bool
}

// MultipathHash implements fib.Hasher.
func (m *mpHasher) MultipathHash() uint32 {
	if m.done {
		return m.h
	}
	v6 := !m.f.Dst.Is4()
	f := &m.f
	c := m.s.MultipathHash(v6)
	switch {
	case m.pkt != nil:
		m.h = c.PacketHash(m.pkt, v6, v6 && m.s.Dissects(fib.IPv6))
		m.pktRead = true
	case v6:
		m.h = c.FlowHash6(f)
	case m.getroute4:
		var b [40]byte
		m.h = c.PacketHash(mphash.RouteGetPacket4(&b, f), false, false)
	default:
		m.h = c.FlowHash4(f)
	}
	m.done = true
	return m.h
}

// set starts the hash of a lookup of f.
func (m *mpHasher) set(s *Snapshot, f *rule.Flow) {
	m.s, m.done = s, false
	m.f = mphash.Flow{Src: f.Src, Dst: f.Dst, Proto: f.IPProto, Sport: f.Sport, Dport: f.Dport, Label: f.FlowLabel}
	m.out4 = f.Iif == loopbackIndex && f.Src.Is4() && !f.Src.IsUnspecified()
}

// HasSource implements fib.SourceMatcher: an input lookup has no flowi4
// for fib_select_multipath, an output one has its source.
func (m *mpHasher) HasSource() bool { return m.out4 }

// SourceOf implements fib.SourceMatcher: nh_saddr, the address
// fib_info_update_nhc_saddr selects on the path's device for its gateway
// in the route's scope.
func (m *mpHasher) SourceOf(nh *fib.Nexthop, scope fib.Scope) bool {
	return m.s.SelectSrc4(nh.Dev, nh.Gateway, scope) == m.f.Src
}

// flowHash is the multipath hash of a flow without a packet.
func (s *Snapshot) flowHash(f *rule.Flow) uint32 {
	var m mpHasher
	m.set(s, f)
	return m.MultipathHash()
}

// LookupPacket is Lookup for a received packet: pkt, from its IP header
// on, is what the multipath hash reads, as fib_multipath_hash and
// rt6_multipath_hash read the skb of a packet being routed (addresses,
// ports, flow label, the packet an ICMP error quotes, the inner headers
// of an encapsulation, as the policy asks). It allocates nothing.
func (r *Router) LookupPacket(s *Snapshot, f *rule.Flow, pkt []byte) (fib.Result, fib.TableID, error) {
	r.mp.pkt = pkt
	res, t, err := r.lookup(s, f, fib.ScopeUniverse, 0)
	r.mp.pkt = nil
	return res, t, err
}

// checkFlow refuses what a `route get` cannot carry for the multipath
// hash: a flow label on IPv4, whose requests have no such attribute
// (inet_rtm_valid_getroute_req), one beyond 20 bits on IPv6
// (inet6_rtm_valid_getroute_req), then a protocol other than TCP, UDP
// and the family's ICMP (rtm_getroute_parse_ip_proto).
func (q *RouteQuery) checkFlow() error {
	switch {
	case q.FlowLabel == 0:
	case q.Dst.Is4():
		return errMsg(syscall.EINVAL, "ipv4: Unsupported attribute in route get request")
	case q.FlowLabel > 0xfffff:
		return errMsg(syscall.EINVAL, "Invalid flow label")
	}
	ok := false
	switch q.IPProto {
	case 0, ipprotoTCP, ipprotoUDP:
		ok = true
	case ipprotoICMP:
		ok = q.Dst.Is4()
	case ipprotoICMPv6:
		ok = !q.Dst.Is4()
	}
	if !ok {
		return errMsg(syscall.EOPNOTSUPP, "Unsupported ip proto")
	}
	return nil
}

const (
	ipprotoICMP   = 1
	ipprotoTCP    = 6
	ipprotoICMPv6 = 58
)

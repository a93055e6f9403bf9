package control

import (
	"fmt"
	"math"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/mphash"
	"github.com/govrf/govrf/internal/neigh"
	"slices"
	"strconv"
	"syscall"

	"github.com/govrf/govrf/internal/rterr"
)

// Sysctl holds the kernel knobs govrf honours, with Linux's defaults for a
// fresh network namespace.
type Sysctl struct {
	VRFStrictMode       bool // net.vrf.strict_mode
	IPForward           bool // net.ipv4.ip_forward
	IPv6Forwarding      bool // net.ipv6.conf.all.forwarding
	KeepAddrOnDown      bool // net.ipv6.conf.all.keep_addr_on_down
	TCPL3mdevAccept     bool // net.ipv4.tcp_l3mdev_accept
	UDPL3mdevAccept     bool // net.ipv4.udp_l3mdev_accept
	RawL3mdevAccept     bool // net.ipv4.raw_l3mdev_accept (default 1)
	ICMPErrorsInbound   bool // net.ipv4.icmp_errors_use_inbound_ifaddr
	ICMPRatelimitMs     int  // net.ipv4.icmp_ratelimit
	ICMPv6RatelimitMs   int  // net.ipv6.icmp.ratelimit
	ICMPMsgsPerSec      int  // net.ipv4.icmp_msgs_per_sec
	ICMPMsgsBurst       int  // net.ipv4.icmp_msgs_burst
	ICMPEchoIgnoreBcast bool // net.ipv4.icmp_echo_ignore_broadcasts

	// The bounds of a Hop-by-Hop header (ipv6_parse_hopopts,
	// ip6_parse_tlv): the options other than padding it may carry (a
	// negative number: as many, and no unknown option), and its length.
	MaxHBHOptsNumber int // net.ipv6.max_hbh_opts_number
	MaxHBHLength     int // net.ipv6.max_hbh_length
	// The same bounds for a Destination Options header the router
	// receives (ipv6_destopt_rcv).
	MaxDstOptsNumber int // net.ipv6.max_dst_opts_number
	MaxDstOptsLength int // net.ipv6.max_dst_opts_length

	// Reassembly of what is addressed to the router, per VRF and family
	// (ip_defrag, ipv6_frag_rcv): the octets a VRF's queues may hold,
	// the obsolete low mark Linux keeps, the seconds a queue lives, and
	// how many fragments of its source may come between two of an IPv4
	// datagram's before it is forgotten (0: no limit).
	IPFragHighThresh  uint32 // net.ipv4.ipfrag_high_thresh
	IPFragLowThresh   uint32 // net.ipv4.ipfrag_low_thresh
	IPFragTime        int    // net.ipv4.ipfrag_time
	IPFragMaxDist     int    // net.ipv4.ipfrag_max_dist
	IP6FragHighThresh uint32 // net.ipv6.ip6frag_high_thresh
	IP6FragLowThresh  uint32 // net.ipv6.ip6frag_low_thresh
	IP6FragTime       int    // net.ipv6.ip6frag_time

	// The multipath hash (mphash.go): policy 0-3 and the fields of policy
	// 3 per family, and the seed, shared by both families as in Linux.
	MultipathHashPolicy4 uint32 // net.ipv4.fib_multipath_hash_policy
	MultipathHashFields4 uint32 // net.ipv4.fib_multipath_hash_fields
	MultipathHashPolicy6 uint32 // net.ipv6.fib_multipath_hash_policy
	MultipathHashFields6 uint32 // net.ipv6.fib_multipath_hash_fields
	MultipathHashSeed    uint32 // net.ipv4.fib_multipath_hash_seed; 0: govrf's own key

	// The caps on the dynamic neighbour entries and on the bytes of
	// packets queued for resolution of all ports and families together
	// (neigh.Budget); 0: no cap. govrf's own.
	NeighMaxEntries    uint32 // net.govrf.neigh.max_entries
	NeighMaxQueueBytes uint32 // net.govrf.neigh.max_queue_bytes
	// The cap on what every VRF's reassembly queues hold together, both
	// families (dataplane/reasm_table.go); 0: no cap. govrf's own.
	ReasmMaxBytes uint32 // net.govrf.reasm.max_bytes

	// Neigh are the neighbour sysctls of each family (neigh.IPv4,
	// neigh.IPv6): net.ipv4.neigh.default.* and net.ipv6.neigh.default.*.
	Neigh [2]NeighSysctl
}

func defaultSysctl() Sysctl {
	return Sysctl{RawL3mdevAccept: true, ICMPRatelimitMs: 1000, ICMPv6RatelimitMs: 100,
		ICMPMsgsPerSec: 1000, ICMPMsgsBurst: 50, ICMPEchoIgnoreBcast: true,
		MaxHBHOptsNumber: 8, MaxHBHLength: math.MaxInt32,
		MaxDstOptsNumber: 8, MaxDstOptsLength: math.MaxInt32,
		IPFragHighThresh: 4 << 20, IPFragLowThresh: 3 << 20, IPFragTime: 30, IPFragMaxDist: 64,
		IP6FragHighThresh: 4 << 20, IP6FragLowThresh: 3 << 20, IP6FragTime: 60,
		MultipathHashFields4: mphash.FieldsDefault, MultipathHashFields6: mphash.FieldsDefault,
		NeighMaxEntries: neigh.DefaultMaxEntries, NeighMaxQueueBytes: neigh.DefaultMaxQueueBytes,
		ReasmMaxBytes: 64 << 20,
		Neigh:         [2]NeighSysctl{neighSysctl(neigh.DefaultParams(neigh.IPv4)), neighSysctl(neigh.DefaultParams(neigh.IPv6))}}
}

// sysctlVar binds a sysctl name to its field: a boolean, an int, or an
// unsigned value within [min, max] read as proc_douintvec_minmax reads
// it (decimal, 0x hex or 0 octal).
type sysctlVar struct {
	name     string
	b        func(*Sysctl) *bool
	i        func(*Sysctl) *int
	u        func(*Sysctl) *uint32
	min, max uint32
}

var sysctlVars = []sysctlVar{
	{name: "net.vrf.strict_mode", b: func(s *Sysctl) *bool { return &s.VRFStrictMode }},
	{name: "net.ipv4.ip_forward", b: func(s *Sysctl) *bool { return &s.IPForward }},
	{name: "net.ipv6.conf.all.forwarding", b: func(s *Sysctl) *bool { return &s.IPv6Forwarding }},
	{name: "net.ipv6.conf.all.keep_addr_on_down", b: func(s *Sysctl) *bool { return &s.KeepAddrOnDown }},
	{name: "net.ipv4.tcp_l3mdev_accept", b: func(s *Sysctl) *bool { return &s.TCPL3mdevAccept }},
	{name: "net.ipv4.udp_l3mdev_accept", b: func(s *Sysctl) *bool { return &s.UDPL3mdevAccept }},
	{name: "net.ipv4.raw_l3mdev_accept", b: func(s *Sysctl) *bool { return &s.RawL3mdevAccept }},
	{name: "net.ipv4.icmp_errors_use_inbound_ifaddr", b: func(s *Sysctl) *bool { return &s.ICMPErrorsInbound }},
	{name: "net.ipv4.icmp_echo_ignore_broadcasts", b: func(s *Sysctl) *bool { return &s.ICMPEchoIgnoreBcast }},
	{name: "net.ipv4.icmp_ratelimit", i: func(s *Sysctl) *int { return &s.ICMPRatelimitMs }},
	{name: "net.ipv6.icmp.ratelimit", i: func(s *Sysctl) *int { return &s.ICMPv6RatelimitMs }},
	{name: "net.ipv4.icmp_msgs_per_sec", i: func(s *Sysctl) *int { return &s.ICMPMsgsPerSec }},
	{name: "net.ipv4.icmp_msgs_burst", i: func(s *Sysctl) *int { return &s.ICMPMsgsBurst }},
	{name: "net.ipv6.max_hbh_opts_number", i: func(s *Sysctl) *int { return &s.MaxHBHOptsNumber }},
	{name: "net.ipv6.max_hbh_length", i: func(s *Sysctl) *int { return &s.MaxHBHLength }},
	{name: "net.ipv6.max_dst_opts_number", i: func(s *Sysctl) *int { return &s.MaxDstOptsNumber }},
	{name: "net.ipv6.max_dst_opts_length", i: func(s *Sysctl) *int { return &s.MaxDstOptsLength }},
	{name: "net.ipv4.ipfrag_high_thresh", u: func(s *Sysctl) *uint32 { return &s.IPFragHighThresh }, max: math.MaxInt32},
	{name: "net.ipv4.ipfrag_low_thresh", u: func(s *Sysctl) *uint32 { return &s.IPFragLowThresh }, max: math.MaxInt32},
	{name: "net.ipv4.ipfrag_time", i: func(s *Sysctl) *int { return &s.IPFragTime }},
	{name: "net.ipv4.ipfrag_max_dist", i: func(s *Sysctl) *int { return &s.IPFragMaxDist }},
	{name: "net.ipv6.ip6frag_high_thresh", u: func(s *Sysctl) *uint32 { return &s.IP6FragHighThresh }, max: math.MaxInt32},
	{name: "net.ipv6.ip6frag_low_thresh", u: func(s *Sysctl) *uint32 { return &s.IP6FragLowThresh }, max: math.MaxInt32},
	{name: "net.ipv6.ip6frag_time", i: func(s *Sysctl) *int { return &s.IP6FragTime }},
	{name: "net.ipv4.fib_multipath_hash_policy", u: func(s *Sysctl) *uint32 { return &s.MultipathHashPolicy4 }, max: mphash.PolicyMax},
	{name: "net.ipv4.fib_multipath_hash_fields", u: func(s *Sysctl) *uint32 { return &s.MultipathHashFields4 }, min: 1, max: mphash.FieldsAll},
	{name: "net.ipv4.fib_multipath_hash_seed", u: func(s *Sysctl) *uint32 { return &s.MultipathHashSeed }, max: 1<<32 - 1},
	{name: "net.ipv6.fib_multipath_hash_policy", u: func(s *Sysctl) *uint32 { return &s.MultipathHashPolicy6 }, max: mphash.PolicyMax},
	{name: "net.ipv6.fib_multipath_hash_fields", u: func(s *Sysctl) *uint32 { return &s.MultipathHashFields6 }, min: 1, max: mphash.FieldsAll},
	{name: "net.govrf.neigh.max_entries", u: func(s *Sysctl) *uint32 { return &s.NeighMaxEntries }, max: math.MaxInt32},
	{name: "net.govrf.neigh.max_queue_bytes", u: func(s *Sysctl) *uint32 { return &s.NeighMaxQueueBytes }, max: math.MaxInt32},
	{name: "net.govrf.reasm.max_bytes", u: func(s *Sysctl) *uint32 { return &s.ReasmMaxBytes }, max: math.MaxInt32},
}

func init() { sysctlVars = append(sysctlVars, neighSysctlVars()...) }

// SysctlNames returns every sysctl govrf knows, sorted.
func SysctlNames() []string {
	out := make([]string, len(sysctlVars))
	for i, v := range sysctlVars {
		out[i] = v.name
	}
	slices.Sort(out)
	return out
}

func findSysctl(name string) (sysctlVar, bool) {
	for _, v := range sysctlVars {
		if v.name == name {
			return v, true
		}
	}
	return sysctlVar{}, false
}

// Get returns a sysctl's value as `sysctl -n` prints it.
func (s *Sysctl) Get(name string) (string, error) {
	v, ok := findSysctl(name)
	if !ok {
		return "", fmt.Errorf("sysctl: cannot stat /proc/sys/%s: No such file or directory", dotsToSlashes(name))
	}
	if v.b != nil {
		if *v.b(s) {
			return "1", nil
		}
		return "0", nil
	}
	if v.u != nil {
		return strconv.FormatUint(uint64(*v.u(s)), 10), nil
	}
	return strconv.Itoa(*v.i(s)), nil
}

func dotsToSlashes(name string) string {
	b := []byte(name)
	for i, c := range b {
		if c == '.' {
			b[i] = '/'
		}
	}
	return string(b)
}

// SetSysctl sets a sysctl (`sysctl name=value`).
func (c *Control) SetSysctl(name, value string) error {
	v, ok := findSysctl(name)
	if !ok {
		return fmt.Errorf("sysctl: cannot stat /proc/sys/%s: No such file or directory", dotsToSlashes(name))
	}
	einval := fmt.Errorf("sysctl: setting key %q: %w", name, rterr.New(syscall.EINVAL, ""))
	if v.u != nil {
		n, err := strconv.ParseUint(value, 0, 64)
		if err != nil || n < uint64(v.min) || n > uint64(v.max) {
			return einval
		}
		return c.do(func(w *Snapshot) error {
			*v.u(&w.sysctl) = uint32(n)
			w.dirty = true
			return nil
		})
	}
	n, err := strconv.Atoi(value)
	if err != nil || v.b != nil && (n < 0 || n > 1) {
		return einval
	}
	return c.do(func(w *Snapshot) error {
		if v.b != nil {
			if name == "net.vrf.strict_mode" && n == 1 && w.sharedVRFTable() {
				return fmt.Errorf("sysctl: setting key %q: Device or resource busy", name)
			}
			if name == "net.ipv6.conf.all.forwarding" && *v.b(&w.sysctl) != (n == 1) {
				w.setForwarding6(n == 1)
				return nil
			}
			*v.b(&w.sysctl) = n == 1
		} else {
			*v.i(&w.sysctl) = n
		}
		w.dirty = true
		return nil
	})
}

// sharedVRFTable reports whether two VRFs use one table, which strict mode
// forbids (vrf.c vrf_strict_mode_change returns EBUSY).
func (s *Snapshot) sharedVRFTable() bool {
	seen := map[uint32]bool{}
	for l := range s.Links() {
		if l.Kind == KindVRF {
			if seen[uint32(l.Table)] {
				return true
			}
			seen[uint32(l.Table)] = true
		}
	}
	return false
}

// setForwarding6 switches IPv6 forwarding and joins or leaves the
// subnet-router anycast addresses of every address (dev_forward_change).
func (s *Snapshot) setForwarding6(on bool) {
	var before []fib.Route
	for l := range s.Links() {
		for _, a := range l.Addrs {
			before = append(before, s.addrRoutes(l, a)...)
		}
	}
	s.sysctl.IPv6Forwarding = on
	s.dirty = true
	for l := range s.Links() {
		for _, a := range l.Addrs {
			for _, r := range s.addrRoutes(l, a) {
				if r.Type == fib.TypeAnycast && on {
					s.addRoute(r, fib.OpAppend)
				}
			}
		}
	}
	if !on {
		for _, r := range before {
			if r.Type == fib.TypeAnycast {
				sel := r
				sel.Scope = fib.ScopeNowhere
				s.table(r.Table).Delete(sel)
			}
		}
	}
}

package neigh

import (
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/govrf/govrf/internal/header"
)

// Family selects one of a cache's two tables.
type Family uint8

// Families: ARP entries are IPv4, NDP entries IPv6.
const (
	IPv4 Family = iota // ARP (Linux arp_tbl)
	IPv6               // NDP (Linux nd_tbl)
)

// FamilyOf returns the table ip belongs in. An IPv4-mapped IPv6 address
// is IPv6: callers pass IPv4 next hops as 4-byte addresses.
func FamilyOf(ip netip.Addr) Family {
	if ip.Is4() {
		return IPv4
	}
	return IPv6
}

// String returns "inet" or "inet6".
func (f Family) String() string {
	if f == IPv4 {
		return "inet"
	}
	return "inet6"
}

// Params are one family's neighbour parameters, named after the
// net.ipv4.neigh.* and net.ipv6.neigh.* sysctls. The first group is per
// device in Linux (neigh_parms), the gc_thresh group per table; govrf
// keeps both per port and family, so one port's flood cannot exhaust
// another's table (docs/architecture.md, requirement I5).
type Params struct {
	BaseReachableTime   time.Duration // base_reachable_time_ms; REACHABLE lasts a random [½, 1½) of it
	RetransTime         time.Duration // retrans_time_ms: between solicitations
	DelayFirstProbeTime time.Duration // delay_first_probe_time: DELAY's length
	UcastSolicit        int           // ucast_solicit: unicast probes in PROBE
	McastSolicit        int           // mcast_solicit: multicast solicitations in INCOMPLETE
	McastResolicit      int           // mcast_resolicit: multicast probes after the unicast ones in PROBE
	GCStaleTime         time.Duration // gc_stale_time: unused STALE entries older than this are collected
	Locktime            time.Duration // locktime (ARP): a second answer within this of an update does not override it
	QueueLen            int           // unres_qlen: packets queued per unresolved entry
	QueueBytes          int           // unres_qlen_bytes: bytes queued per unresolved entry

	GCThresh1 int // gc_thresh1: below this many entries periodic GC does nothing
	GCThresh2 int // gc_thresh2: above this, new entries trigger a forced GC at most every 5 s
	GCThresh3 int // gc_thresh3: at this many dynamic entries, new ones are refused if GC frees none

	// MaxIncomplete bounds the entries in INCOMPLETE at once (RFC 6583
	// §7.1.1), so that packets to many unresolvable addresses cannot fill
	// the table or the link with solicitations. Not in Linux.
	MaxIncomplete int
	// QueueBytesTotal bounds the bytes queued over all entries of the
	// table, so that the per-entry bound times MaxIncomplete is not the
	// memory an attacker can pin. Not in Linux.
	QueueBytesTotal int
}

// Linux's defaults (arp_tbl, nd_tbl, SK_WMEM_MAX).
const (
	defaultQueueBytes = 212992
	defaultQueueLen   = 101 // unres_qlen_bytes / SKB_TRUESIZE(ETH_FRAME_LEN)
)

// DefaultParams returns Linux's defaults for f: the two families differ
// only in locktime, which NDP does not use.
func DefaultParams(f Family) Params {
	p := Params{
		BaseReachableTime:   30 * time.Second,
		RetransTime:         time.Second,
		DelayFirstProbeTime: 5 * time.Second,
		UcastSolicit:        3,
		McastSolicit:        3,
		GCStaleTime:         60 * time.Second,
		QueueLen:            defaultQueueLen,
		QueueBytes:          defaultQueueBytes,
		GCThresh1:           128,
		GCThresh2:           512,
		GCThresh3:           1024,
		MaxIncomplete:       256,
		QueueBytesTotal:     16 * defaultQueueBytes,
	}
	if f == IPv4 {
		p.Locktime = time.Second
	}
	return p
}

// Config configures a Cache.
type Config struct {
	// IPv4 and IPv6 are the two tables' parameters. A zero Params stands
	// for DefaultParams; otherwise every field is taken as given (start
	// from DefaultParams to change a few).
	IPv4, IPv6 Params
	// Rand draws the randomised reachable time; nil means math/rand/v2's
	// global source. It is called with the cache locked; a source shared
	// by several caches must be safe for concurrent use.
	Rand rand.Source
	// Watch, when not nil, hears every change of an entry's state or
	// address, as rtnetlink announces them for `ip monitor neigh`
	// (neigh_update_notify). It is called with the cache locked, from
	// whichever goroutine changed the entry, and must not block.
	Watch func(Event)
	// Budget, when not nil, is the global cap on dynamic entries that the
	// cache shares with the others given the same Budget.
	Budget *Budget
}

// Event is a change to one entry. A removed entry is Deleted, with the
// state and address it had.
type Event struct {
	Addr   netip.Addr
	MAC    header.MAC // zero unless State.Valid()
	State  State
	Router bool
	// ExternLearn and Protocol are the entry's extern_learn flag and
	// protocol (Static).
	ExternLearn bool
	Protocol    uint8
	Deleted     bool
}

// DefaultConfig returns Linux's defaults for both families.
func DefaultConfig() Config {
	return Config{IPv4: DefaultParams(IPv4), IPv6: DefaultParams(IPv6)}
}

// globalRand is math/rand/v2's global source.
type globalRand struct{}

func (globalRand) Uint64() uint64 { return rand.Uint64() }

// reachableTime draws a reachable time uniformly from [base/2, 3·base/2),
// as neigh_rand_reach_time does (RFC 4861 §6.3.2 MIN/MAX_RANDOM_FACTOR).
func reachableTime(r rand.Source, base time.Duration) time.Duration {
	if base <= 0 {
		return 0
	}
	return base/2 + time.Duration(r.Uint64()%uint64(base))
}

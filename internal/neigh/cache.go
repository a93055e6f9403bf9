package neigh

import (
	"math/rand/v2"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/govrf/govrf/internal/header"
)

// Cache is one port's neighbour cache: an ARP table and an NDP table.
//
// Concurrency: Lookup, called for every packet, takes no lock and writes
// nothing shared (see view.go), so cores forwarding to one port never
// contend. Everything else takes the cache's mutex; it is rare next to
// Lookup and bounded in work, since the tables are bounded by gc_thresh3.
// Entries are never shared outside the cache: callers get copies.
type Cache struct {
	mu    sync.Mutex
	clock Clock
	rand  rand.Source
	t     [2]table // by Family
	// deferred holds what control-plane calls produced (packets released
	// by Add, unreachables from Delete) until the next Tick returns it.
	deferred []Action
}

// table is one family's entries and their bookkeeping.
type table struct {
	p         Params
	reachable time.Duration         // randomised from p.BaseReachableTime
	m         map[netip.Addr]*entry // nil until the first entry
	list      []*entry              // the entries of m, for scans; entry.index is the position
	view      view                  // m as Lookup sees it
	// incomplete counts entries in INCOMPLETE, bounded by p.MaxIncomplete.
	incomplete int
	queueBytes int         // over all entries' queues
	nextTimer  time.Time   // no entry's deadline is earlier; zero: none
	nextGC     time.Time   // next periodic GC run
	lastRand   time.Time   // last reachable-time draw
	lastFlush  time.Time   // last forced GC run
	stats      Stats       // but Entries
	watch      func(Event) // Config.Watch
	budget     *Budget     // Config.Budget; nil once the cache is closed

	// The GC list (gclist.go): non-PERMANENT entries, oldest first, and how
	// many. gcSleep: the last forced GC walk freed nothing, and no walk
	// can free anything until an entry changes state or, if gcWake is not
	// zero, until after gcWake.
	gcHead, gcTail *entry
	gcCount        int
	gcSleep        bool
	gcWake         time.Time
}

// entry is one neighbour (struct neighbour). Only word is read outside
// the cache's mutex.
type entry struct {
	addr   netip.Addr
	mac    header.MAC // meaningful when state.Valid()
	state  State
	word   atomic.Uint64 // mac and state for Lookup; see publish
	router bool          // NTF_ROUTER
	// externLearn (NTF_EXT_LEARNED) exempts the entry from GC;
	// protocol is NDA_PROTOCOL. Only administrators set them.
	externLearn bool
	protocol    uint8
	probes      int // solicitations sent in this INCOMPLETE or PROBE period
	index       int // in table.list
	confirmed   time.Time
	updated     time.Time // last change of state or MAC
	used        time.Time
	deadline    time.Time // the entry's timer; zero: none
	queue       []*Packet // oldest first
	queueBytes  int
	// gcPrev and gcNext link the table's GC list; onGC: e is on it.
	gcPrev, gcNext *entry
	onGC           bool
}

// New returns an empty cache. A nil clock is the SystemClock.
func New(cfg Config, clock Clock) *Cache {
	if clock == nil {
		clock = SystemClock{}
	}
	c := &Cache{clock: clock, rand: cfg.Rand}
	if c.rand == nil {
		c.rand = globalRand{}
	}
	now := clock.Now()
	for f, p := range [2]Params{cfg.IPv4, cfg.IPv6} {
		if p == (Params{}) {
			p = DefaultParams(Family(f))
		}
		t := &c.t[f]
		t.p = p
		t.watch = cfg.Watch
		t.budget = cfg.Budget
		t.reachable = reachableTime(c.rand, p.BaseReachableTime)
		t.nextGC = now.Add(t.gcInterval())
		t.lastRand, t.lastFlush = now, now
		t.view.at = now // an empty view, published now
	}
	return c
}

// table returns the table ip belongs in.
func (c *Cache) table(ip netip.Addr) *table { return &c.t[FamilyOf(ip)] }

// use marks e used and moves STALE to DELAY (neigh_event_send).
func (t *table) use(e *entry, now time.Time) {
	e.used = now
	if e.state == StateStale {
		t.setState(e, StateDelay)
		e.updated = now
		t.arm(e, now.Add(t.p.DelayFirstProbeTime))
	}
}

// Resolve is for a frame to ip when Lookup found no usable MAC: it copies
// frame into ip's queue (a nil frame queues nothing), creating the entry
// or restarting a FAILED one, and says what the caller must do next; see
// Verdict. The caller's frame buffer is free again when Resolve returns.
//
// A new resolution is refused: Dropped when MaxIncomplete resolutions
// are under way (IncompleteFulls), TableFull when the table is full after
// forced GC (TableFulls), GlobalFull when the Budget is spent and forced
// GC freed none of the table's own entries (GlobalFulls).
func (c *Cache) Resolve(ip netip.Addr, frame []byte) (Verdict, header.MAC) {
	ip = ip.WithZone("")
	if !resolvable(ip) {
		return Dropped, header.MAC{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	t := c.table(ip)
	e := t.lookup(ip)
	if e == nil {
		if !t.mayResolve() {
			return Dropped, header.MAC{}
		}
		var v Verdict
		if e, v = t.create(ip, now, false); e == nil {
			return v, header.MAC{}
		}
	}
	t.use(e, now)
	switch {
	case e.state.Valid():
		return Ready, e.mac
	case e.state == StateIncomplete:
		t.enqueueFrame(e, frame)
		return Queued, header.MAC{}
	}
	// NONE or FAILED: start resolving (__neigh_event_send). app_solicit
	// is always 0: govrf has no userspace resolver.
	if t.p.McastSolicit <= 0 {
		t.setState(e, StateFailed)
		e.updated = now
		return Dropped, header.MAC{}
	}
	if !t.mayResolve() {
		return Dropped, header.MAC{}
	}
	t.setState(e, StateIncomplete)
	e.updated = now
	// The first solicitation goes out now, from the caller; probes starts
	// past the unicast ones, so all of INCOMPLETE's are multicast.
	e.probes = t.p.UcastSolicit + 1
	t.arm(e, now.Add(t.retrans()))
	t.enqueueFrame(e, frame)
	return Solicit, header.MAC{}
}

// mayResolve reports whether one more entry may enter INCOMPLETE, and
// counts a refusal.
func (t *table) mayResolve() bool {
	if t.incomplete < t.p.MaxIncomplete {
		return true
	}
	t.stats.IncompleteFulls++
	return false
}

// enqueueFrame queues frame on e unless it is nil.
func (t *table) enqueueFrame(e *entry, frame []byte) {
	if frame != nil {
		t.enqueue(e, frame)
	}
}

// resolvable reports whether ip can be a neighbour: a valid unicast,
// non-loopback, specified address.
func resolvable(ip netip.Addr) bool {
	return ip.IsValid() && !ip.IsUnspecified() && !ip.IsMulticast() && !ip.IsLoopback() &&
		ip != netip.AddrFrom4([4]byte{255, 255, 255, 255})
}

// Confirm records an upper-layer confirmation that ip is reachable (TCP
// progress; neigh_confirm). It moves nothing by itself: a REACHABLE entry
// stays so for another reachable time, and a DELAY entry becomes REACHABLE
// when its timer fires instead of being probed.
func (c *Cache) Confirm(ip netip.Addr) {
	ip = ip.WithZone("")
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.table(ip).m[ip]; e != nil {
		e.confirmed = c.clock.Now()
	}
}

// Use records that a frame was sent to ip with its cached MAC ago
// before now, by a forwarder outside the data plane (the eBPF fast
// path), as neigh_event_send does for a frame sent in a state that is
// not connected: the entry is marked used, and a STALE entry that was
// STALE already when the frame was sent moves to DELAY, starting
// reachability verification. A use older than the entry's last change
// marks it used and moves nothing. An entry without a usable address, or
// none, is left alone.
func (c *Cache) Use(ip netip.Addr, ago time.Duration) {
	ip = ip.WithZone("")
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.table(ip)
	e := t.m[ip]
	if e == nil || !e.state.Valid() {
		return
	}
	at := c.clock.Now().Add(-max(ago, 0))
	if e.state == StateStale && !at.Before(e.updated) {
		t.use(e, at)
		return
	}
	if at.After(e.used) {
		e.used = at
	}
}

// Tick runs everything due at now and appends the resulting Actions to
// acts, which it returns: results of control-plane calls since the last
// Tick, then each expired entry timer's (neigh_timer_handler), then the
// periodic GC (neigh_periodic_work). It also shows Lookup the entries
// created and removed since the last Tick. Call it at least every few
// tens of milliseconds, or at Next; the cache has no timers of its own.
func (c *Cache) Tick(acts []Action, now time.Time) []Action {
	c.mu.Lock()
	defer c.mu.Unlock()
	acts = append(acts, c.deferred...)
	clear(c.deferred)
	c.deferred = c.deferred[:0]
	for i := range c.t {
		t := &c.t[i]
		acts = t.timers(acts, now)
		if !now.Before(t.nextGC) {
			t.periodicGC(now, c.rand)
			t.nextGC = now.Add(t.gcInterval())
		}
		t.view.refresh(t.m, now)
	}
	return acts
}

// Next returns the earliest time at which Tick has work: a timer, a GC
// run, entries to show Lookup (at most every 10 ms), or, as the zero
// Time, results waiting now.
func (c *Cache) Next() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.deferred) > 0 {
		return time.Time{}
	}
	next := c.t[0].nextGC
	for i := range c.t {
		t := &c.t[i]
		next = earliest(earliest(earliest(next, t.nextGC), t.nextTimer), t.view.next())
	}
	return next
}

// earliest returns the earlier of a and b, ignoring a zero b.
func earliest(a, b time.Time) time.Time {
	if b.IsZero() || a.Before(b) {
		return a
	}
	return b
}

// Stats returns family f's counters.
func (c *Cache) Stats(f Family) Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &c.t[f]
	s := t.stats
	s.Entries = uint64(len(t.list))
	return s
}

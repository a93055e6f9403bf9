package neigh

import (
	"net/netip"
	"slices"
	"syscall"
	"time"

	"github.com/govrf/govrf/internal/header"
)

// Error is a refused control-plane call. Err is the errno Linux's
// neigh_add or neigh_delete returns for the same refusal, so
// errors.Is(err, syscall.EEXIST) works.
type Error struct {
	Op   string // "add", "replace", "change", "del"
	Addr netip.Addr
	Err  error
}

// Error returns "neigh OP ADDR: REASON".
func (e *Error) Error() string {
	return "neigh " + e.Op + " " + e.Addr.String() + ": " + e.Err.Error()
}

// Unwrap returns the errno.
func (e *Error) Unwrap() error { return e.Err }

// Static is an administratively set neighbour: `ip neigh add|replace|change
// ADDR lladdr MAC nud STATE [router]`.
type Static struct {
	Addr   netip.Addr
	MAC    header.MAC
	State  State // PERMANENT (ip neigh's default), NOARP, REACHABLE, STALE, DELAY or PROBE
	Router bool  // NTF_ROUTER
	// ExternLearn (NTF_EXT_LEARNED, `extern_learn`) marks an entry a
	// control plane learnt: exempt from GC, as PERMANENT ones are. Each
	// administrator's update sets or clears it, as Linux's
	// neigh_update_process_flags does; learning leaves it alone.
	ExternLearn bool
	// Protocol is who installed the entry (NDA_PROTOCOL, `protocol
	// PROTO`); 0 leaves the entry's as it is.
	Protocol uint8
}

// Add creates an entry (`ip neigh add`, NLM_F_CREATE|NLM_F_EXCL): EEXIST
// if ip has one, learned or not; EINVAL for an invalid address or a state
// without a MAC to use; ENOBUFS if a dynamic entry finds the table full.
// PERMANENT and extern_learn entries are exempt from the table limits and
// from GC; NOARP ones are not (Linux's exempt_from_gc). Packets queued for
// the address go out at the next Tick.
func (c *Cache) Add(s Static) error { return c.set("add", s, true, true) }

// Replace creates or overwrites an entry (`ip neigh replace`).
func (c *Cache) Replace(s Static) error { return c.set("replace", s, true, false) }

// Change overwrites an existing entry (`ip neigh change`): ENOENT if
// there is none.
func (c *Cache) Change(s Static) error { return c.set("change", s, false, false) }

// set is neigh_add.
func (c *Cache) set(op string, s Static, create, excl bool) error {
	ip := s.Addr.WithZone("")
	if !ip.IsValid() || !s.State.Valid() {
		return &Error{op, ip, syscall.EINVAL}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	t := c.table(ip)
	e := t.m[ip]
	switch {
	case e != nil && excl:
		return &Error{op, ip, syscall.EEXIST}
	case e == nil && !create:
		return &Error{op, ip, syscall.ENOENT}
	case e == nil:
		if e, _ = t.create(ip, now, s.State.exempt() || s.ExternLearn); e == nil {
			return &Error{op, ip, syscall.ENOBUFS}
		}
	}
	if s.Protocol != 0 {
		e.protocol = s.Protocol
	}
	flagged := s.ExternLearn != e.externLearn
	e.externLearn = s.ExternLearn
	f := uAdmin | uOverride | uOverrideIsRouter
	if s.Router {
		f |= uIsRouter
	}
	c.deferred = t.update(c.deferred, e, s.MAC, true, s.State, f, now)
	if flagged {
		t.gcTrack(e, e.state) // on or off the GC list even if the state stayed
	}
	return nil
}

// Delete removes ip's entry, whatever its state (`ip neigh del`): ENOENT
// if there is none. An entry being resolved fails first, so its queued
// packets come back from the next Tick as OpUnreachable (neigh_delete
// passes through neigh_invalidate).
func (c *Cache) Delete(ip netip.Addr) error {
	ip = ip.WithZone("")
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.table(ip)
	e := t.m[ip]
	if e == nil {
		return &Error{"del", ip, syscall.ENOENT}
	}
	if e.state.probing() {
		c.deferred = t.fail(c.deferred, e, c.clock.Now())
	}
	t.remove(e)
	return nil
}

// Flush removes every entry of both families, static ones included, and
// drops every queued packet and pending Action unsent, as neigh_ifdown
// does when a port goes down or is enslaved to a VRF. `ip neigh flush`
// is selective (dynamic entries only, by default): the control plane does
// it with Entries and Delete, as iproute2 does.
func (c *Cache) Flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flush()
}

// Close flushes the cache and leaves its Budget, for a port that goes
// away: its entries' places in the Budget are free again, and entries
// made afterwards (by a packet still in flight) are not counted.
func (c *Cache) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.flush()
	for i := range c.t {
		c.t[i].budget = nil
	}
}

// flush is Flush with the mutex held.
func (c *Cache) flush() {
	now := c.clock.Now()
	for i := range c.t {
		t := &c.t[i]
		for len(t.list) > 0 {
			t.remove(t.list[len(t.list)-1])
		}
		t.nextTimer = time.Time{}
		t.view.refresh(t.m, now)
	}
	for i, a := range c.deferred {
		if a.Packet != nil {
			a.Packet.Release()
		}
		c.deferred[i] = Action{}
	}
	c.deferred = c.deferred[:0]
}

// Entry is one neighbour as `ip -s neigh show` prints it.
type Entry struct {
	Addr   netip.Addr
	MAC    header.MAC // zero unless State.Valid(), as Linux omits lladdr
	State  State
	Router bool // NTF_ROUTER
	// ExternLearn and Protocol are what Static set (extern_learn, proto).
	ExternLearn bool
	Protocol    uint8
	Probes      int // solicitations sent in the current INCOMPLETE or PROBE period (NDA_PROBES)
	Queued      int // packets waiting for resolution
	// Used, Confirmed and Updated are the times since the entry was last
	// used, confirmed reachable and changed (NDA_CACHEINFO's ndm_used,
	// ndm_confirmed, ndm_updated; `used U/C/U`).
	Used, Confirmed, Updated time.Duration
}

// Entries returns every entry, IPv4 first, each family in address order.
func (c *Cache) Entries() []Entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	out := make([]Entry, 0, len(c.t[0].list)+len(c.t[1].list))
	for i := range c.t {
		for _, e := range c.t[i].list {
			out = append(out, e.snapshot(now))
		}
	}
	slices.SortFunc(out, func(a, b Entry) int { return a.Addr.Compare(b.Addr) })
	return out
}

// Get returns ip's entry (`ip neigh get`).
func (c *Cache) Get(ip netip.Addr) (Entry, bool) {
	ip = ip.WithZone("")
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.table(ip).m[ip]
	if e == nil {
		return Entry{}, false
	}
	return e.snapshot(c.clock.Now()), true
}

// snapshot copies e for callers.
func (e *entry) snapshot(now time.Time) Entry {
	out := Entry{
		Addr:        e.addr,
		State:       e.state,
		Router:      e.router,
		ExternLearn: e.externLearn,
		Protocol:    e.protocol,
		Probes:      e.probes,
		Queued:      len(e.queue),
		Used:        now.Sub(e.used),
		Confirmed:   now.Sub(e.confirmed),
		Updated:     now.Sub(e.updated),
	}
	if e.state.Valid() {
		out.MAC = e.mac
	}
	return out
}

// Params returns family f's parameters.
func (c *Cache) Params(f Family) Params {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t[f].p
}

// SetParams replaces family f's parameters (a sysctl write). Running
// timers keep their deadlines; a new base reachable time redraws the
// reachable time at once, as Linux's sysctl handler does. Lower limits
// take effect as entries are created and collected; nothing is evicted
// at once.
func (c *Cache) SetParams(f Family, p Params) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &c.t[f]
	if p.BaseReachableTime != t.p.BaseReachableTime {
		t.reachable = reachableTime(c.rand, p.BaseReachableTime)
	}
	t.p = p
}

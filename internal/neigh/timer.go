package neigh

import "time"

// minRetrans is the shortest interval between solicitations, as
// neigh_timer_handler enforces with HZ/100.
const minRetrans = 10 * time.Millisecond

// retrans returns the interval between solicitations.
func (t *table) retrans() time.Duration { return max(t.p.RetransTime, minRetrans) }

// setState moves e to s, keeping the table's count of INCOMPLETE entries
// and its GC list, publishes it to Lookup and tells the watcher. It does
// not touch e's timer.
func (t *table) setState(e *entry, s State) {
	switch {
	case s == e.state:
	case s == StateNone:
		t.announce(e, e.state, true)
	default:
		t.announce(e, s, false)
	}
	if e.state == StateIncomplete {
		t.incomplete--
	}
	e.state = s
	if s == StateIncomplete {
		t.incomplete++
	}
	t.gcTrack(e, s)
	e.publish()
}

// arm sets e's timer to fire at the first Tick at or after when.
func (t *table) arm(e *entry, when time.Time) {
	e.deadline = when
	if t.nextTimer.IsZero() || when.Before(t.nextTimer) {
		t.nextTimer = when
	}
}

// timers fires every entry timer due at now.
func (t *table) timers(acts []Action, now time.Time) []Action {
	if t.nextTimer.IsZero() || now.Before(t.nextTimer) {
		return acts
	}
	t.nextTimer = time.Time{}
	for _, e := range t.list {
		if !e.deadline.IsZero() && !now.Before(e.deadline) {
			acts = t.expire(acts, e, now)
		}
		if !e.deadline.IsZero() {
			t.nextTimer = earliest(e.deadline, t.nextTimer)
		}
	}
	return acts
}

// expire runs e's timer, as neigh_timer_handler does:
//   - REACHABLE: still confirmed within the reachable time → wait for its
//     end; else used within delay_first_probe_time → DELAY; else STALE.
//   - DELAY: confirmed meanwhile → REACHABLE; else PROBE.
//   - INCOMPLETE and PROBE: solicit again, or FAILED after the last one.
func (t *table) expire(acts []Action, e *entry, now time.Time) []Action {
	e.deadline = time.Time{}
	var next time.Time
	switch e.state {
	case StateReachable:
		switch {
		case !now.After(e.confirmed.Add(t.reachable)):
			next = e.confirmed.Add(t.reachable)
		case !now.After(e.used.Add(t.p.DelayFirstProbeTime)):
			t.setState(e, StateDelay)
			e.updated = now
			next = now.Add(t.p.DelayFirstProbeTime)
		default:
			t.setState(e, StateStale)
			e.updated = now
		}
	case StateDelay:
		if !now.After(e.confirmed.Add(t.p.DelayFirstProbeTime)) {
			t.setState(e, StateReachable)
			e.updated = now
			next = e.confirmed.Add(t.reachable)
		} else {
			t.setState(e, StateProbe)
			e.updated = now
			e.probes = 0
			next = now.Add(t.retrans())
		}
	case StateIncomplete, StateProbe:
		next = now.Add(t.retrans())
	default:
		return acts
	}
	if e.state.probing() && e.probes >= t.maxProbes(e) {
		return t.fail(acts, e, now)
	}
	if e.state.timed() {
		t.arm(e, next)
	}
	if e.state.probing() {
		acts = t.solicit(acts, e)
	}
	return acts
}

// maxProbes is neigh_max_probes (app_probes being 0): INCOMPLETE sends
// the multicast solicitations, PROBE the unicast ones and then the
// multicast re-solicitations.
func (t *table) maxProbes(e *entry) int {
	if e.state == StateProbe {
		return t.p.UcastSolicit + t.p.McastResolicit
	}
	return t.p.UcastSolicit + t.p.McastSolicit
}

// solicit emits e's next solicitation: unicast to the known MAC while
// probes is below ucast_solicit, multicast after (arp_solicit,
// ndisc_solicit).
func (t *table) solicit(acts []Action, e *entry) []Action {
	a := Action{Op: OpSolicit, Addr: e.addr}
	if e.probes < t.p.UcastSolicit {
		a.Unicast, a.MAC = true, e.mac
	}
	e.probes++
	return append(acts, a)
}

// fail ends a resolution (neigh_invalidate): e becomes FAILED and its
// queued packets are handed back as unreachable.
func (t *table) fail(acts []Action, e *entry, now time.Time) []Action {
	t.setState(e, StateFailed)
	e.deadline = time.Time{}
	e.updated = now
	t.stats.ResFailed++
	return t.drain(acts, e, OpUnreachable)
}

// announce tells the watcher, if any, that e is now in state s, with
// its current address; deleted: e is removed, and s is its last state.
func (t *table) announce(e *entry, s State, deleted bool) {
	if t.watch == nil {
		return
	}
	ev := Event{Addr: e.addr, State: s, Router: e.router, ExternLearn: e.externLearn, Protocol: e.protocol, Deleted: deleted}
	if s.Valid() {
		ev.MAC = e.mac
	}
	t.watch(ev)
}

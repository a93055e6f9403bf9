package neigh

import (
	"time"

	"github.com/govrf/govrf/internal/header"
)

// updateFlags are NEIGH_UPDATE_F_*: how far an update may override what
// the entry holds.
type updateFlags uint8

const (
	// uOverride lets a different MAC replace the known one.
	uOverride updateFlags = 1 << iota
	// uWeakOverride: a different MAC without uOverride does not replace a
	// connected entry's but makes it STALE (RFC 4861 §7.2.5, O=0).
	uWeakOverride
	// uOverrideIsRouter lets the update set the router flag to uIsRouter.
	uOverrideIsRouter
	uIsRouter
	// uAdmin is an administrator's change: static entries may change and
	// STALE is taken as asked.
	uAdmin
)

// update is __neigh_update for a valid new state s: it merges what a
// message or administrator says (mac, unless hasMAC is false) into e and
// returns the queued packets that e, newly valid, releases.
func (t *table) update(acts []Action, e *entry, mac header.MAC, hasMAC bool, s State, f updateFlags, now time.Time) []Action {
	old := e.state
	if f&uAdmin == 0 && old.static() {
		return acts
	}
	if !hasMAC {
		if !old.Valid() {
			// Nothing to learn (RFC 4861 §7.2.5: an NA without a target
			// link-layer address for an INCOMPLETE entry is discarded).
			return acts
		}
		mac = e.mac
	}
	newMAC := !old.Valid() || mac != e.mac
	if s.connected() {
		e.confirmed = now
	}
	setRouter := f&uOverrideIsRouter != 0
	if old.Valid() {
		switch {
		case newMAC && f&uOverride == 0:
			if f&uWeakOverride == 0 || !old.connected() {
				return acts
			}
			// Keep the known MAC but doubt it.
			mac, newMAC, s, setRouter = e.mac, false, StateStale, false
		case !newMAC && s == StateStale && f&uAdmin == 0:
			// Nothing new: a known MAC repeated does not demote.
			s = old
		}
	}
	if s != old || newMAC {
		e.updated = now
	}
	if newMAC {
		// The MAC first: setState publishes the state, and a lock-free
		// Lookup must never see a usable state with the old address.
		e.mac = mac
		if s == old {
			t.announce(e, s, false) // a new address in the same state
		}
	}
	if s != old {
		e.deadline = time.Time{}
		t.setState(e, s)
		if s == StateProbe {
			e.probes = 0
		}
		if s == StateReachable {
			t.arm(e, now.Add(t.reachable))
		} else if s.timed() {
			t.arm(e, now)
		}
	}
	if newMAC {
		e.publish()
		if !s.connected() {
			e.confirmed = now.Add(-2 * t.p.BaseReachableTime)
		}
	}
	if setRouter {
		e.router = f&uIsRouter != 0
	}
	if !old.Valid() {
		acts = t.drain(acts, e, OpTransmit)
	}
	return acts
}

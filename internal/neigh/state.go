package neigh

// State is an entry's Neighbour Unreachability Detection state (NUD_*,
// RFC 4861 §7.3.2 plus Linux's FAILED, NOARP and PERMANENT).
type State uint8

// NUD states. The zero State is "none": no entry.
const (
	StateNone       State = iota // NUD_NONE: no entry
	StateIncomplete              // resolving: solicitations sent, no answer yet
	StateReachable               // confirmed within the reachable time
	StateStale                   // address known, reachability unconfirmed
	StateDelay                   // stale and used: waiting for an upper-layer confirmation
	StateProbe                   // unicast solicitations under way
	StateFailed                  // resolution failed
	StateNoARP                   // administrative: usable, never verified
	StatePermanent               // administrative: usable, never verified or removed by GC
)

var stateNames = [...]string{
	StateNone:       "none",
	StateIncomplete: "INCOMPLETE",
	StateReachable:  "REACHABLE",
	StateStale:      "STALE",
	StateDelay:      "DELAY",
	StateProbe:      "PROBE",
	StateFailed:     "FAILED",
	StateNoARP:      "NOARP",
	StatePermanent:  "PERMANENT",
}

// String returns the state as `ip neigh` prints it ("REACHABLE", and
// "none" for StateNone).
func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "UNKNOWN"
}

// Valid reports whether an entry in state s has a link-layer address that
// may be used to send (NUD_VALID).
func (s State) Valid() bool {
	switch s {
	case StateReachable, StateStale, StateDelay, StateProbe, StateNoARP, StatePermanent:
		return true
	}
	return false
}

// connected reports NUD_CONNECTED: reachability needs no verification.
func (s State) connected() bool {
	return s == StateReachable || s == StateNoARP || s == StatePermanent
}

// timed reports NUD_IN_TIMER: the state ends when a timer fires.
func (s State) timed() bool {
	switch s {
	case StateIncomplete, StateReachable, StateDelay, StateProbe:
		return true
	}
	return false
}

// static reports a state only an administrator sets, which learning never
// changes.
func (s State) static() bool { return s == StateNoARP || s == StatePermanent }

// exempt reports a state exempt from the table limits and from garbage
// collection (neigh_alloc's exempt_from_gc): PERMANENT only. NOARP
// entries count and are collected like learnt ones, as in Linux.
func (s State) exempt() bool { return s == StatePermanent }

// probing reports the states that send solicitations on their timer.
func (s State) probing() bool { return s == StateIncomplete || s == StateProbe }

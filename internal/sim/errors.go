package sim

import "errors"

// Errors of a host's client calls, wrapped with the host, the call and
// its destination: "a1: ping 10.0.0.2: timed out". An ICMP error that
// comes back is not an error of the call but its Reply.
var (
	// ErrTimeout: nothing answered before the call's timeout.
	ErrTimeout = errors.New("timed out")
	// ErrNoRoute: the destination is not on a connected prefix and the
	// host has no gateway or no address of its family (Linux's
	// ENETUNREACH).
	ErrNoRoute = errors.New("network unreachable")
	// ErrUnresolved: the next hop did not answer ARP or NDP (Linux's
	// EHOSTUNREACH after its solicitations).
	ErrUnresolved = errors.New("neighbour resolution failed")
	// ErrTooBig: the packet does not fit the host's MTU; hosts do not
	// fragment (Linux's EMSGSIZE for a DF socket).
	ErrTooBig = errors.New("message too long")
)

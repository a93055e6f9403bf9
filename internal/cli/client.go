package cli

// What a command line asks for, for the process that runs it: the govrf
// client sends most command lines to govrfd as they are, but runs some
// itself (-offline, -V) and takes part in others (-batch, monitor, vrf
// exec, vrf identify).

import (
	"net/netip"

	"github.com/govrf/govrf/internal/control"
)

// Offline reports whether argv asks to run in the caller's process, on a
// control plane of its own, never in a daemon (-offline).
func Offline(argv []string) bool {
	inv, err := parseOptions(argv)
	return err == nil && inv.offline
}

// Batch returns the file argv's -batch names ("-" for standard input),
// "" if none: the client reads it and streams its lines to the daemon,
// which never opens a client's files.
func Batch(argv []string) string {
	inv, err := parseOptions(argv)
	if err != nil {
		return ""
	}
	return inv.batch
}

// Atomic reports whether argv asks for an all-or-nothing batch
// (-atomic): the daemon applies its lines only if every one succeeds.
func Atomic(argv []string) bool {
	inv, err := parseOptions(argv)
	return err == nil && inv.atomic
}

// AsksVersion reports whether argv is `-V` (-Version), which the client
// answers itself: its own build is the one asked about.
func AsksVersion(argv []string) bool {
	inv, err := parseOptions(argv)
	return err == nil && inv.version && inv.batch == ""
}

// VRFExec reports whether argv is `vrf exec NAME [--] CMD...` and returns
// CMD: the daemon answers the command line with NAME's host stack, and
// the client runs CMD there. cmd is empty when argv lacks it (the daemon
// then refuses the command line with ip's message).
func VRFExec(argv []string) (cmd []string, ok bool) {
	inv, err := parseOptions(argv)
	if err != nil || inv.batch != "" || len(inv.rest) < 2 || objectOf(inv.rest[0]) != "vrf" || !matches(inv.rest[1], "exec") {
		return nil, false
	}
	// "exec" is the first vrf verb it abbreviates; identify and pids
	// come first in do_ipvrf.
	if v := inv.rest[1]; matches(v, "identify") || matches(v, "pids") {
		return nil, false
	}
	rest := execArgs(inv.rest[2:])
	if len(rest) < 2 {
		return nil, true
	}
	return rest[1:], true
}

// NeighborTarget returns the entry a `neigh add|change|replace|del`
// command line names: its address and device. ok is false for any other
// line, flush included.
func NeighborTarget(argv []string) (addr netip.Addr, dev string, ok bool) {
	inv, err := parseOptions(argv)
	if err != nil || inv.batch != "" || len(inv.rest) < 2 || objectOf(inv.rest[0]) != "neighbor" && objectOf(inv.rest[0]) != "neighbour" {
		return netip.Addr{}, "", false
	}
	v := inv.rest[1]
	if !matches(v, "add") && !matches(v, "change") && v != "chg" && !matches(v, "replace") && !matches(v, "delete") {
		return netip.Addr{}, "", false
	}
	c := &ctx{opts: inv.opts}
	r, err := parseNeighRequest(c, &args{w: inv.rest[2:]})
	if err != nil {
		return netip.Addr{}, "", false
	}
	return r.addr, r.dev, true
}

// FDBTarget returns the forwarding entry address a `bridge fdb
// add|append|replace|del` command line names, and its device. ok is
// false for any other line.
func FDBTarget(argv []string) (mac control.MAC, dev string, ok bool) {
	inv, err := parseOptions(argv)
	if err != nil || inv.batch != "" || len(inv.rest) < 3 || objectOf(inv.rest[0]) != "bridge" || !matches(inv.rest[1], "fdb") {
		return control.MAC{}, "", false
	}
	v := inv.rest[2]
	if !matches(v, "add") && !matches(v, "append") && !matches(v, "replace") && !matches(v, "delete") {
		return control.MAC{}, "", false
	}
	dev, e, err := parseFDBRequest(&ctx{opts: inv.opts}, &args{w: inv.rest[3:]})
	if err != nil {
		return control.MAC{}, "", false
	}
	return e.MAC, dev, true
}

// IdentifiesCaller reports whether argv is `vrf identify` without a PID,
// which asks about the calling process: the client adds its own PID.
func IdentifiesCaller(argv []string) bool {
	inv, err := parseOptions(argv)
	return err == nil && inv.batch == "" && len(inv.rest) == 2 && objectOf(inv.rest[0]) == "vrf" && matches(inv.rest[1], "identify")
}

package cli

import (
	"net/netip"
	"strconv"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/neigh"
)

// NUD state bits as ndm_state carries them (include/uapi/linux/neighbour.h),
// which `nud STATE` selectors are masks of; nudNone stands for NUD_NONE
// (0) in a mask, as ip uses 0x100.
const (
	nudIncomplete = 0x01
	nudReachable  = 0x02
	nudStale      = 0x04
	nudDelay      = 0x08
	nudProbe      = 0x10
	nudFailed     = 0x20
	nudNoARP      = 0x40
	nudPermanent  = 0x80
	nudNone       = 0x100
)

// nudBit returns state s's bit in a selector mask.
func nudBit(s neigh.State) uint32 {
	switch s {
	case neigh.StateIncomplete:
		return nudIncomplete
	case neigh.StateReachable:
		return nudReachable
	case neigh.StateStale:
		return nudStale
	case neigh.StateDelay:
		return nudDelay
	case neigh.StateProbe:
		return nudProbe
	case neigh.StateFailed:
		return nudFailed
	case neigh.StateNoARP:
		return nudNoARP
	case neigh.StatePermanent:
		return nudPermanent
	}
	return nudNone
}

// parseNUD is nud_state_a2n: a state name, or a number with exactly one
// of the eight state bits; 0 is NUD_NONE.
func parseNUD(arg string) (uint32, bool) {
	switch {
	case matches(arg, "permanent"):
		return nudPermanent, true
	case matches(arg, "reachable"):
		return nudReachable, true
	case arg == "noarp":
		return nudNoARP, true
	case arg == "none":
		return 0, true
	case arg == "stale":
		return nudStale, true
	case arg == "incomplete":
		return nudIncomplete, true
	case arg == "delay":
		return nudDelay, true
	case arg == "probe":
		return nudProbe, true
	case matches(arg, "failed"):
		return nudFailed, true
	}
	n, ok := scanUint(arg, 32)
	if !ok || n >= 0x100 || n&(n-1) != 0 {
		return 0, false
	}
	return uint32(n), true
}

// neighFilter selects entries for `neigh show` and `neigh flush`
// (do_show_or_flush and print_neigh's filter).
type neighFilter struct {
	dev, master *control.Link
	state       uint32 // nud bits, nudNone for NUD_NONE
	to          netip.Prefix
	proto       uint8
	hasProto    bool
}

// match reports whether e passes the filter. Entries with extern_learn
// pass whatever their state, as print_neigh lets them.
func (f *neighFilter) match(family int, e *neigh.Entry) bool {
	if family == 4 && !e.Addr.Is4() || family == 6 && e.Addr.Is4() {
		return false
	}
	if f.state&nudBit(e.State) == 0 && !e.ExternLearn {
		return false
	}
	if f.to.IsValid() && !f.to.Contains(e.Addr) {
		return false
	}
	return !f.hasProto || f.proto == e.Protocol
}

// neighShow runs `neigh show|flush [ to PREFIX ] [ dev DEV ] [ nud STATE ]
// [ vrf NAME ] [ master NAME ] [ proto PROTO ] [ unused ]`. Show lists
// every state but NOARP by default, flush every one but PERMANENT and
// NOARP (and never FAILED); a `nud` selector names the states instead.
func neighShow(c *ctx, a *args, flush bool) error {
	if flush && !a.more() {
		return failf(exitSyntax, "Flush requires arguments.")
	}
	f := neighFilter{state: 0xff &^ nudNoARP}
	if flush {
		f.state = ^uint32(nudPermanent | nudNoARP)
	}
	s := c.ctl.View()
	family := c.opts.Family
	var devName string
	stateGiven := false
	for a.more() {
		switch w := a.next(); {
		case w == "dev":
			v, err := a.value()
			if err != nil {
				return err
			}
			if devName != "" {
				return errDupArg("dev", v)
			}
			devName = v
		case w == "vrf" || matches(w, "master"):
			v, err := a.value()
			if err != nil {
				return err
			}
			if f.master = s.LinkByName(v); f.master == nil || w == "vrf" && !f.master.IsVRF() {
				return errInvArg("Not a valid VRF name\n", v)
			}
		case w == "unused":
			// govrf's entries hold no references: every one is unused.
		case w == "nud":
			v, err := a.value()
			if err != nil {
				return err
			}
			if !stateGiven {
				stateGiven, f.state = true, 0
			}
			st, ok := parseNUD(v)
			if !ok {
				if v != "all" {
					return errInvArg("nud state is bad", v)
				}
				st = ^uint32(0)
				if flush {
					st &^= nudNoARP
				}
			}
			if st == 0 {
				st = nudNone
			}
			f.state |= st
		case w == "proto" || w == "protocol":
			v, err := a.value()
			if err != nil {
				return err
			}
			p, ok := parseProto(v)
			if !ok {
				return errInvArg("\"protocol\" value is invalid\n", v)
			}
			f.proto, f.hasProto = uint8(p), true
		default:
			if w == "to" {
				v, err := a.value()
				if err != nil {
					return err
				}
				w = v
			}
			if matches(w, "help") {
				return errUsage(neighUsage)
			}
			pa, err := parsePrefix(w, family)
			if err != nil {
				return err
			}
			f.to = pa.Prefix().Masked()
			if family == 0 {
				family = pa.Family()
			}
		}
	}
	if devName != "" {
		if f.dev = s.LinkByName(devName); f.dev == nil {
			return failf(exitSyntax, "Cannot find device %q", devName)
		}
	}
	if flush {
		f.state &^= nudFailed
		return neighFlush(c, s, &f, family)
	}
	p := c.newPrinter()
	defer p.close()
	for l := range s.Links() {
		if f.dev != nil && l != f.dev || f.master != nil && l.Master != f.master.Index {
			continue
		}
		for _, e := range neighEntries(c, l) {
			if f.match(family, &e) {
				printNeighRow(c, p, &f, l, &e)
			}
		}
	}
	return nil
}

// printNeighRow prints one entry of show, or of a flush with -s -s.
func printNeighRow(c *ctx, p *printer, f *neighFilter, l *control.Link, e *neigh.Entry) {
	dev := l.Name
	if f.dev != nil {
		dev = ""
	}
	p.openObject("")
	printNeighEntry(p, dev, e)
	if c.opts.Stats > 0 {
		printNeighStats(p, e)
	}
	printNeighState(p, e)
	p.closeObject()
	p.nl()
}

// neighFlush deletes the entries f selects, as ip deletes what its dump
// selected, and with -s tells how it went as ip does: its rounds, then
// completion (govrf deletes everything in the first round).
func neighFlush(c *ctx, s *control.Snapshot, f *neighFilter, family int) error {
	p := c.newPrinter()
	defer p.close()
	n := 0
	for l := range s.Links() {
		if f.dev != nil && l != f.dev || f.master != nil && l.Master != f.master.Index {
			continue
		}
		for _, e := range neighEntries(c, l) {
			if !f.match(family, &e) {
				continue
			}
			if err := neighDelete(c, l, e.Addr); err != nil {
				return err
			}
			n++
			if c.opts.Stats > 1 {
				printNeighRow(c, p, f, l, &e)
			}
		}
	}
	switch {
	case c.opts.Stats == 0:
	case n == 0:
		p.textf("Nothing to flush.\n")
	default:
		p.textf("\n*** Round 1, deleting %s entries ***\n", strconv.Itoa(n))
		p.textf("*** Flush is complete after 1 round ***\n")
	}
	return nil
}

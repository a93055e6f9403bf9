package cli

import (
	"cmp"
	"slices"
)

// ErrorCounter is a Plane that lists its drop counts at once, for `show
// errors`.
type ErrorCounter interface {
	// ErrorCounts returns every non-zero count of frames dropped,
	// refused or lost, by VRF, port and reason.
	ErrorCounts() []ErrorCount
}

// ErrorCount is one row of `show errors`: Count frames of VRF (its name,
// "default" for the default VRF) that port Dev dropped for Reason. Kind
// is "rx" (dropped on receipt), "answered" (refused with an ICMP error
// in their place) or "tx" (forwarded or made by the router, and lost on
// the way out), as `-s -s link show` names them. Dev is "-" for what
// the VRF counted but none of its ports: packets of its host stack,
// answers with no way out.
type ErrorCount struct {
	VRF, Dev, Kind, Reason string
	Count                  uint64
}

// errorKinds orders the kinds in `show errors`.
var errorKinds = map[string]int{"rx": 0, "answered": 1, "tx": 2}

// doShowErrors runs `show errors [vrf NAME | dev NAME]`: the drop counts
// of every port and VRF, one row per reason, as VPP's `show errors`
// lists them. Offline nothing forwards, so the list is empty.
func doShowErrors(c *ctx, a *args) error {
	var vrf, dev string
	for a.more() {
		w := a.next()
		v, err := a.value()
		if err != nil {
			return err
		}
		s := c.ctl.View()
		switch {
		case w == "vrf":
			if l := s.LinkByName(v); v != "default" && (l == nil || !l.IsVRF()) {
				return errInvArg("Not a valid VRF name\n", v)
			}
			vrf = v
		case w == "dev":
			if v != "-" && s.LinkByName(v) == nil {
				return errNoDevice(v)
			}
			dev = v
		default:
			return &cmdError{showUsage, exitUsage}
		}
	}
	var rows []ErrorCount
	if ec, ok := c.plane.(ErrorCounter); ok {
		rows = ec.ErrorCounts()
	}
	rows = slices.DeleteFunc(rows, func(r ErrorCount) bool {
		return vrf != "" && r.VRF != vrf || dev != "" && r.Dev != dev
	})
	slices.SortFunc(rows, func(x, y ErrorCount) int {
		return cmp.Or(cmp.Compare(x.VRF, y.VRF), cmp.Compare(devKey(x.Dev), devKey(y.Dev)),
			cmp.Compare(errorKinds[x.Kind], errorKinds[y.Kind]), cmp.Compare(x.Reason, y.Reason))
	})
	p := c.newPrinter()
	defer p.close()
	p.textf("%10s  %-16s %-16s %-9s %s\n", "Count", "VRF", "Dev", "Kind", "Reason")
	for _, r := range rows {
		p.openObject("")
		p.uint(printAny, "count", "%10d  ", r.Count)
		p.str(printAny, "vrf", "%-16s ", r.VRF)
		p.str(printAny, "dev", "%-16s ", r.Dev)
		p.str(printAny, "kind", "%-9s ", r.Kind)
		p.str(printAny, "reason", "%s", r.Reason)
		p.closeObject()
		p.nl()
	}
	return nil
}

// devKey sorts a VRF's own row ("-") after its ports'.
func devKey(dev string) string {
	if dev == "-" {
		return "\xff"
	}
	return dev
}

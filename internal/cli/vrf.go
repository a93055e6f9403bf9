package cli

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
)

// doVRF runs `vrf ...` (ip/ipvrf.c do_ipvrf).
func doVRF(c *ctx, a *args) error {
	if !a.more() {
		return vrfShow(c, a)
	}
	verb := a.next()
	switch {
	case matches(verb, "identify"):
		return vrfIdentify(c, a)
	case matches(verb, "pids"):
		return vrfPids(c, a)
	case matches(verb, "exec"):
		return vrfExecPath(c, a)
	case matches(verb, "show") || matches(verb, "lst") || matches(verb, "list"):
		return vrfShow(c, a)
	case matches(verb, "help"):
		return errUsage(vrfUsage)
	}
	return errUnknown(verb, "vrf")
}

const vrfUsage = `Usage:	govrf vrf show [NAME] ...
	govrf vrf exec [NAME] cmd ...
	govrf vrf identify [PID]
	govrf vrf pids [NAME]
`

// vrfShow lists the VRF devices with their tables (ipvrf_show), or with
// one NAME prints "NAME TABLE" ("default" is the main table). With -s
// each VRF's traffic totals follow its row (-s -s: by drop reason).
func vrfShow(c *ctx, a *args) error {
	s := c.ctl.View()
	switch rest := a.rest(); len(rest) {
	case 0:
	case 1:
		t := vrfTable(s, rest[0])
		if t == 0 {
			return returnf(exitUsage, "Invalid VRF")
		}
		fmt.Fprintf(c.out, "%s %d\n", rest[0], t)
		return nil
	default:
		return errUsage(vrfUsage)
	}
	// Against the daemon, each VRF's ports and host stack follow ip's
	// two columns.
	var stacks map[string]string
	if c.plane != nil {
		stacks = c.plane.HostStacks()
	}
	p := c.newPrinter()
	defer p.close()
	// ip's header and underline: the underline is as long as the
	// header (ipvrf_show prints n-1 dashes for the n characters it
	// printed). Its rows put the table one column short of the header's
	// (%-16s %5u under %-16s  %5s); the columns govrf adds start where
	// their headings do, whatever the rows' table numbers.
	header := fmt.Sprintf("%-16s  %5s", "Name", "Table")
	width := len("Host stack")
	if stacks != nil {
		for l := range s.Links() {
			if ns := stacks[l.Name]; l.IsVRF() && len(ns) > width {
				width = len(ns)
			}
		}
		header += fmt.Sprintf("  %-*s  %s", width, "Host stack", "Ports")
	}
	p.textf("%s\n%s\n", header, strings.Repeat("-", len(header)))
	n := 0
	for l := range s.Links() {
		if !l.IsVRF() {
			continue
		}
		p.openObject("")
		p.str(printAny, "name", "%-16s", l.Name)
		p.uint(printAny, "table", " %5d", uint64(l.Table))
		if stacks != nil {
			ns := stacks[l.Name]
			if ns == "" {
				p.textf("   %-*s", width, "-")
			} else {
				p.str(printAny, "netns", fmt.Sprintf("   %%-%ds", width), ns)
			}
			p.openArray(printAny, "ports", "")
			first := true
			for port := range s.Links() {
				if port.Master == l.Index {
					sep := " "
					if first {
						sep = "  "
					}
					p.str(printAny, "", sep+"%s", port.Name)
					first = false
				}
			}
			p.closeArray(printAny, "")
		}
		if c.opts.Stats > 0 {
			// -s: the VRF's totals, what its ports received and sent,
			// as `-s link show dev VRF` prints them.
			p.nl()
			lp := linkPrinter{p: p, s: s, l: l, opts: &c.opts, plane: c.plane}
			lp.printStats()
		}
		p.textf("\n")
		p.closeObject()
		n++
	}
	if n == 0 {
		p.textf("%s\n", "No VRF has been configured")
	}
	for l := range s.Links() {
		if l.IsVRF() && l.Table != fib.TableMain {
			warnNoDefault(c, s, l)
		}
	}
	return nil
}

// warnNoDefault warns, on standard error so that the listing stays ip's,
// about a VRF whose table lacks a default route: a lookup that misses the
// table goes on with the next rules, usually to the main table, which the
// kernel allows and a VRF's users rarely intend.
func warnNoDefault(c *ctx, s *control.Snapshot, vrf *control.Link) {
	var missing, fixes []string
	for _, d := range []struct{ name, prefix, opt string }{
		{"IPv4", "0.0.0.0/0", ""},
		{"IPv6", "::/0", "-6 "},
	} {
		if t := s.Table(vrf.Table); t != nil && len(t.Get(netip.MustParsePrefix(d.prefix))) > 0 {
			continue
		}
		missing = append(missing, d.name)
		fixes = append(fixes, fmt.Sprintf("govrf %sroute add table %d unreachable default metric 4278198272", d.opt, vrf.Table))
	}
	if len(missing) > 0 {
		fmt.Fprintf(c.warn, "Warning: VRF %s has no %s default route in table %d: lookups that miss it fall through to the next rules (main). Add: %s\n",
			vrf.Name, strings.Join(missing, " or "), vrf.Table, strings.Join(fixes, "; "))
	}
}

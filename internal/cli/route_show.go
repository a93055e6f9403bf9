package cli

import (
	"cmp"
	"fmt"
	"slices"
	"syscall"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rterr"
)

// routeList runs `route show|list [SELECTOR]`.
func routeList(c *ctx, a *args) error {
	f, err := parseRouteFilter(c, a)
	if err != nil {
		return err
	}
	s := c.ctl.View()
	if err := checkDumpTable(s, f); err != nil {
		p := c.newPrinter() // ip opened its JSON array before the dump failed
		_ = p
		return dumpError(err, "Dump terminated")
	}
	p := c.newPrinter()
	defer p.close()
	ip6Multi := false
	for _, r := range dumpRoutes(s, f) {
		m := routeMsgOf(s, &r)
		if f.keep(&m, &ip6Multi) {
			printRoute(p, c, &m, f.hides(m.family))
		}
	}
	return nil
}

// routeFlush runs `route flush SELECTOR`: it deletes what `route show`
// would list, round after round until nothing matches (iproute_flush).
func routeFlush(c *ctx, a *args) error {
	if !a.more() {
		return &cmdError{`"ip route flush" requires arguments.`, exitSyntax}
	}
	f, err := parseRouteFilter(c, a)
	if err != nil {
		return err
	}
	f.flushing = true
	if f.cloned {
		return flushCache(c, f)
	}
	for round := 0; ; round++ {
		s := c.ctl.View()
		if err := checkDumpTable(s, f); err != nil {
			return dumpError(err, "Flush terminated")
		}
		victims := flushVictims(c, s, f)
		if len(victims) == 0 {
			if c.opts.Stats > 0 {
				if round == 0 {
					fmt.Fprintf(c.out, "Nothing to flush.\n")
				} else {
					fmt.Fprintf(c.out, "*** Flush is complete after %d round%s ***\n", round, plural(round))
				}
			}
			return nil
		}
		for _, r := range victims {
			if err := c.ctl.DelRoute(r); err != nil {
				return &cmdError{"Failed to send flush request: " + errnoText(rterr.Errno(err)), exitRefused}
			}
		}
		if c.opts.Stats > 0 {
			fmt.Fprintf(c.out, "\n*** Round %d, deleting %d entries ***\n", round+1, len(victims))
		}
		if round+1 >= maxFlushRounds {
			return failf(exitSyntax, "*** Flush not completed after %d rounds, %d entries remain ***", round+1, len(victims))
		}
	}
}

// maxFlushRounds bounds a flush that makes no progress; ip gives up after
// 30 seconds.
const maxFlushRounds = 30

// flushVictims returns the routes a flush round deletes; with -s -s they
// are printed as well.
func flushVictims(c *ctx, s *control.Snapshot, f *routeFilter) []fib.Route {
	var out []fib.Route
	p := textPrinter(c)
	ip6Multi := false
	for _, r := range dumpRoutes(s, f) {
		m := routeMsgOf(s, &r)
		if f.keep(&m, &ip6Multi) {
			out = append(out, r)
			if c.opts.Stats >= 2 {
				printRoute(p, c, &m, f.hides(m.family))
			}
		}
	}
	return out
}

// flushCache is `route flush cache`: govrf keeps no routing cache, so
// there is only ip's report to give.
func flushCache(c *ctx, f *routeFilter) error {
	if f.family != 6 && c.opts.Stats > 0 {
		fmt.Fprintf(c.out, "*** IPv4 routing cache is flushed.\n")
	}
	if f.family == 4 || c.opts.Stats == 0 {
		return nil
	}
	if f.family == 6 {
		fmt.Fprintf(c.out, "Nothing to flush.\n")
	} else {
		fmt.Fprintf(c.out, "*** Flush is complete after 0 round ***\n")
	}
	return nil
}

// textPrinter is a printer for text output whatever -j says, for what ip
// prints outside its JSON array.
func textPrinter(c *ctx) *printer {
	tc := *c
	tc.opts.JSON = false
	return tc.newPrinter()
}

func plural(n int) string {
	if n > 1 {
		return "s"
	}
	return ""
}

// dumpError reports a failed route dump: the kernel's message, then ip's.
func dumpError(err error, what string) error {
	return &cmdError{message(err) + "\n" + what, exitRefused}
}

// checkDumpTable is the kernel's check of a table-filtered dump
// (inet_dump_fib, inet6_dump_fib): the table must exist in the family.
func checkDumpTable(s *control.Snapshot, f *routeFilter) error {
	if f.table == 0 || f.cloned || tableExists(s, f.table, f.family) {
		return nil
	}
	if f.family == 6 {
		return rterr.New(syscall.ENOENT, "ipv6: FIB table does not exist")
	}
	return rterr.New(syscall.ENOENT, "ipv4: FIB table does not exist")
}

// tableExists reports whether a family has table id. Linux keeps tables
// per family, creates them on first use and never removes them; govrf's
// tables hold both families, so a table counts for a family when it is
// main or local, a VRF's, holds a route of that family, or is empty (it
// was used, and emptied); the default table counts only with routes, as
// Linux creates it on demand.
func tableExists(s *control.Snapshot, id fib.TableID, family int) bool {
	if id == fib.TableMain || id == fib.TableLocal {
		return true
	}
	t := s.Table(id)
	if t == nil {
		return false
	}
	for l := range s.Links() {
		if l.IsVRF() && l.Table == id {
			return true
		}
	}
	for r := range t.All() {
		if familyOf(r.Is4()) == family {
			return true
		}
	}
	return t.Len() == 0 && id != fib.TableDefault
}

// dumpRoutes returns the routes a dump for f yields, in the kernel's
// order: IPv4 before IPv6 (rtnl_dump_all walks PF_INET first), within a
// family the tables in hash order (id modulo 256), and only f's table when
// it names one (the kernel filters on RTA_TABLE, which matters to
// routeFilter.keep's view of IPv6 tables).
func dumpRoutes(s *control.Snapshot, f *routeFilter) []fib.Route {
	ids := []fib.TableID{f.table}
	if f.table == 0 {
		ids = s.TableIDs()
		slices.SortStableFunc(ids, func(a, b fib.TableID) int {
			// Within a hash bucket the newest table comes first; a
			// higher id is taken as the newer.
			return cmp.Or(cmp.Compare(a&255, b&255), cmp.Compare(b, a))
		})
	}
	var out []fib.Route
	for _, fam := range []int{4, 6} {
		if f.family != 0 && f.family != fam {
			continue
		}
		for _, id := range ids {
			t := s.Table(id)
			if t == nil {
				continue
			}
			for r := range t.All() {
				if familyOf(r.Is4()) == fam {
					out = append(out, r)
				}
			}
		}
	}
	return out
}

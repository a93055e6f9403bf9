package cli

import (
	"fmt"
	"io"
	"strings"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/neigh"
)

// Monitor is one `monitor` command (ip/ipmonitor.c): the objects and
// families it reports and how it prints them. Each change is printed as
// the show command prints the object, "Deleted " first for a deletion and
// with -j as one JSON object per line. govrfd makes a Monitor per client
// and hands it every change.
type Monitor struct {
	opts  Options
	objs  map[control.Object]bool // the configuration objects asked for
	neigh bool                    // neighbours asked for
	some  bool                    // any object named; none: all
	label bool                    // `label`: "[ROUTE]" etc. before each event
}

// monitorWord is one of ip monitor's arguments; obj 0 for the ones that
// are not objects, and for objects govrf does not report.
type monitorWord struct {
	name      string
	exact     bool // strcmp rather than matches
	obj       control.Object
	supported bool
}

// monitorWords are ip monitor's arguments in ipmonitor.c's order, which
// decides what an abbreviation means (`l` is label, `n` neigh).
var monitorWords = []monitorWord{
	{name: "file"},
	{name: "label", supported: true},
	{name: "link", obj: control.ObjectLink, supported: true},
	{name: "address", obj: control.ObjectAddr, supported: true},
	{name: "maddress"},
	{name: "acaddress", exact: true},
	{name: "route", obj: control.ObjectRoute, supported: true},
	{name: "mroute"},
	{name: "prefix"},
	{name: "neigh", supported: true},
	{name: "netconf"},
	{name: "rule", obj: control.ObjectRule, supported: true},
	{name: "nsid"},
	{name: "nexthop", obj: control.ObjectNexthop, supported: true},
	{name: "stats", exact: true},
	{name: "all", exact: true, supported: true},
	{name: "all-nsid"},
	{name: "help", supported: true},
	{name: "dev", exact: true},
}

// monitorLabels are the banners `label` prints (print_headers).
var monitorLabels = map[control.Object]string{control.ObjectLink: "[LINK]",
	control.ObjectAddr: "[ADDR]", control.ObjectRoute: "[ROUTE]",
	control.ObjectRule: "[RULE]", control.ObjectNexthop: "[NEXTHOP]"}

const monitorUsage = `Usage: govrf monitor [ all | OBJECTS ] [ label ]
OBJECTS :=  address | link | neigh | nexthop | route | rule
`

// parseMonitor reads the arguments after `monitor`. Global options are
// accepted among them too (`govrf monitor route -j`).
func parseMonitor(opts Options, a *args) (*Monitor, error) {
	m := &Monitor{opts: opts, objs: map[control.Object]bool{}}
	for a.more() {
		w := a.peek()
		if strings.HasPrefix(w, "-") && len(w) > 1 {
			rest := a.rest()
			inv, err := parseOptionsOver(m.opts, rest)
			if err != nil {
				return nil, err
			}
			if inv.batch != "" || inv.version {
				return nil, errMonitorArg(w)
			}
			m.opts = inv.opts
			a.i += len(rest) - len(inv.rest)
			continue
		}
		a.next()
		var kw *monitorWord
		for i := range monitorWords {
			if k := &monitorWords[i]; k.exact && w == k.name || !k.exact && matches(w, k.name) {
				kw = k
				break
			}
		}
		switch {
		case kw == nil:
			return nil, errMonitorArg(w)
		case !kw.supported:
			return nil, &cmdError{fmt.Sprintf("Argument %q is not supported by govrf.", kw.name), exitUsage}
		case kw.name == "help":
			return nil, errUsage(monitorUsage)
		case kw.name == "label", kw.name == "all":
			m.label = true
		case kw.name == "neigh":
			m.neigh, m.some = true, true
		default:
			m.objs[kw.obj], m.some = true, true
		}
	}
	return m, nil
}

func errMonitorArg(w string) error {
	return &cmdError{fmt.Sprintf("Argument %q is unknown, try \"govrf monitor help\".", w), exitUsage}
}

// doMonitor answers `monitor` where it cannot run: offline, and in govrfd
// for a request that did not ask for a stream. The arguments are checked
// first, as ip does.
func doMonitor(c *ctx, a *args) error {
	if _, err := parseMonitor(c.opts, a); err != nil {
		return err
	}
	if c.plane == nil {
		return failf(exitRefused, "Error: \"monitor\" needs the govrf daemon, which is not running.")
	}
	return failf(exitRefused, "Error: \"monitor\" is answered only on a streaming request.")
}

// IsMonitor reports whether argv is a `monitor` command line, which the
// client runs as a stream (api.CallStream).
func IsMonitor(argv []string) bool {
	inv, err := parseOptions(argv)
	return err == nil && inv.batch == "" && len(inv.rest) > 0 && objectOf(inv.rest[0]) == "monitor"
}

// objectOf returns the object a command's first word names, "" for none.
func objectOf(w string) string {
	for _, o := range objects {
		if matches(w, o.name) {
			return o.name
		}
	}
	return ""
}

// NewMonitor reads a `monitor` command line (with its global options).
// For anything else, or a malformed one, it writes the error to stderr
// and returns nil and the exit code.
func NewMonitor(argv []string, stderr io.Writer) (*Monitor, int) {
	inv, err := parseOptions(argv)
	if err == nil && (len(inv.rest) == 0 || inv.batch != "" || objectOf(inv.rest[0]) != "monitor") {
		err = failf(exitSyntax, "Error: only \"monitor\" is answered on a stream.")
	}
	var m *Monitor
	if err == nil {
		m, err = parseMonitor(inv.opts, &args{w: inv.rest[1:]})
	}
	if err != nil {
		fmt.Fprintln(stderr, message(err))
		return nil, exitCode(err)
	}
	return m, exitOK
}

// Print formats the changes from old to new (control.Diff's) that m
// reports and passes each to emit, one event at a time. Deleted objects
// are printed as old held them (the names of links gone since), the
// others as new does.
func (m *Monitor) Print(old, new *control.Snapshot, changes []control.Change, emit func(string)) {
	var b strings.Builder
	was := &ctx{ctl: control.At(old), opts: m.opts, out: &b}
	now := &ctx{ctl: control.At(new), opts: m.opts, out: &b}
	for i := range changes {
		ch := &changes[i]
		if !m.wants(ch) {
			continue
		}
		c, s := now, new
		if ch.Op == control.OpDel {
			c, s = was, old
		}
		b.Reset()
		m.event(c, s, ch)
		out := b.String()
		if !strings.HasSuffix(out, "\n") {
			out += "\n"
		}
		emit(out)
	}
}

// PrintNeigh formats a change to the neighbours of link (a port's link
// index in s) as ip monitor prints RTM_NEWNEIGH and RTM_DELNEIGH, and
// passes it to emit, if m reports neighbours.
func (m *Monitor) PrintNeigh(s *control.Snapshot, link int, ev neigh.Event, emit func(string)) {
	l := s.Link(link)
	fam := familyOf(ev.Addr.Is4())
	if m.some && !m.neigh || m.opts.Family != 0 && fam != m.opts.Family || l == nil {
		return
	}
	var b strings.Builder
	p := &printer{out: &b, sl: "\n"}
	if m.opts.JSON {
		p.j = &jsonWriter{w: &b, pretty: m.opts.Pretty}
		p.j.startObject()
		if ev.Deleted {
			p.bool(printJSON, "deleted", "", true)
		}
		p.j.name("neigh")
	} else {
		if m.label {
			b.WriteString("[NEIGH]")
		}
		if ev.Deleted {
			b.WriteString("Deleted ")
		}
	}
	p.openObject("")
	e := neigh.Entry{Addr: ev.Addr, MAC: ev.MAC, State: ev.State, Router: ev.Router,
		ExternLearn: ev.ExternLearn, Protocol: ev.Protocol}
	printNeighEntry(p, l.Name, &e)
	printNeighState(p, &e)
	p.closeObject()
	if p.j != nil {
		p.j.endObject()
		p.j.raw("\n")
	} else {
		b.WriteString("\n")
	}
	emit(b.String())
}

// PrintPortState formats a change of the kernel interface under port
// link (its carrier or operational state, which `link show` mirrors) as
// ip monitor prints the RTM_NEWLINK the kernel sends for it: the link's
// line with the interface's state st. It passes it to emit if m reports
// links.
func (m *Monitor) PrintPortState(s *control.Snapshot, link int, st PortState, emit func(string)) {
	l := s.Link(link)
	ch := &control.Change{Op: control.OpNew, Object: control.ObjectLink, Link: l}
	if l == nil || !m.wants(ch) {
		return
	}
	var b strings.Builder
	m.event(&ctx{ctl: control.At(s), plane: portStatePlane{link, st}, opts: m.opts, out: &b}, s, ch)
	out := b.String()
	if !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	emit(out)
}

// portStatePlane is a Plane that knows one port's state, for the link
// line of PrintPortState.
type portStatePlane struct {
	link int
	st   PortState
}

// Neighbors, LinkStats and HostStacks know nothing; PortState knows
// the one port's state, and others as connected.
func (p portStatePlane) Neighbors(int) []neigh.Entry        { return nil }
func (p portStatePlane) LinkStats(int) (LinkCounters, bool) { return LinkCounters{}, false }
func (p portStatePlane) HostStacks() map[string]string      { return nil }
func (p portStatePlane) PortState(link int) PortState {
	if link != p.link {
		return PortState{Carrier: true}
	}
	return p.st
}

// wants reports whether m reports ch: its object was asked for (or none
// was), and -4/-6 select the family of addresses, routes and rules, as
// they select ip monitor's netlink groups.
func (m *Monitor) wants(ch *control.Change) bool {
	if m.some && !m.objs[ch.Object] {
		return false
	}
	fam := 0
	switch ch.Object {
	case control.ObjectAddr:
		fam = familyOf(ch.Addr.Is4())
	case control.ObjectRoute:
		fam = familyOf(ch.Route.Is4())
	case control.ObjectRule:
		fam = int(ch.Family)
	}
	return m.opts.Family == 0 || fam == 0 || fam == m.opts.Family
}

// event prints one change to c.out with the show commands' printers. In
// JSON the object is a member named after its kind: {"route":{...}}, with
// "deleted":true before it for a deletion.
func (m *Monitor) event(c *ctx, s *control.Snapshot, ch *control.Change) {
	p := &printer{out: c.out, sl: "\n"}
	if c.opts.Oneline {
		p.sl = "\\"
	}
	if c.opts.JSON {
		p.j = &jsonWriter{w: c.out, pretty: c.opts.Pretty}
		p.j.startObject()
		if ch.Op == control.OpDel {
			p.bool(printJSON, "deleted", "", true)
		}
		p.j.name(ch.Object.String())
	} else {
		if m.label {
			io.WriteString(c.out, monitorLabels[ch.Object])
		}
		if ch.Op == control.OpDel {
			io.WriteString(c.out, "Deleted ")
		}
	}
	switch ch.Object {
	case control.ObjectLink, control.ObjectAddr:
		printLinkEvent(p, c, s, ch)
	case control.ObjectRoute:
		rm := routeMsgOf(s, ch.Route)
		printRoute(p, c, &rm, &routeHides{})
	case control.ObjectRule:
		printRule(p, c, ch.Rule, s.RuleList(ch.Family), ch.Index)
	case control.ObjectNexthop:
		p.openObject("")
		printNexthopEntry(p, c, ch.Nexthop, "")
		p.nl()
		p.closeObject()
	}
	if p.j != nil {
		p.j.endObject()
		p.j.raw("\n")
	}
}

// printLinkEvent prints a link or an address as ip monitor does: a link
// as `ip link` shows it but without the queue length (print_linkinfo
// without filter.showqueue; JSON keeps it), an address as `ip -o addr`
// names it, with its link's index and name, on ip's usual two lines.
func printLinkEvent(p *printer, c *ctx, s *control.Snapshot, ch *control.Change) {
	opts := c.opts
	opts.Oneline = ch.Object == control.ObjectAddr
	l := ch.Link
	if ch.Object == control.ObjectLink && ch.Op == control.OpDel {
		// The kernel closes a link and releases it from its VRF before
		// it reports the deletion (unregister_netdevice_many_notify).
		gone := *l
		gone.Up, gone.Master = false, 0
		l = &gone
	}
	f := listFilter{group: -1, anyScope: true}
	lp := linkPrinter{p: p, s: s, l: l, opts: &opts, f: &f, event: true, plane: c.plane}
	p.openObject("")
	if ch.Object == control.ObjectAddr {
		lp.printAddr(ch.Addr)
	} else {
		lp.print()
	}
	p.closeObject()
}

package cli

import (
	"strings"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
)

// familyLink is iproute2's AF_PACKET family: `link show` lists links
// without their addresses.
const familyLink = 17

// listFilter selects links and addresses for `link show`, `addr show` and
// `addr flush` (the filter of ip/ipaddress.c).
type listFilter struct {
	family    int // 0, 4, 6 or familyLink
	dev       string
	index     int // the link named by dev; 0 for all
	up        bool
	group     int // -1: any
	master    int // index of the master; -1: links without one; 0: any
	kind      string
	slaveKind string
	label     string // shell pattern on the address label
	hasLabel  bool
	scope     fib.Scope
	anyScope  bool // no scope filter, or `scope all`
	flags     uint32
	flagMask  uint32
	to        inetArg // `to PREFIX`
	hasTo     bool
}

// parseListFilter reads the selectors of a listing or flush
// (ipaddr_list_flush_or_save).
func parseListFilter(c *ctx, a *args, family int, usage string) (listFilter, error) {
	s := c.ctl.View()
	f := listFilter{family: family, group: -1, anyScope: true}
	hasDev := false
	for a.more() {
		w := a.next()
		switch {
		case w == "to":
			v, err := a.value()
			if err != nil {
				return f, err
			}
			if f.family == familyLink {
				return f, exitf(exitSyntax, "Error: %q may be inet prefix, but it is not allowed in this context.", v)
			}
			if f.to, err = parsePrefix(v, f.family); err != nil {
				return f, err
			}
			f.hasTo = true
			if f.family == 0 {
				f.family = f.to.Family()
			}
		case w == "scope":
			v, err := a.value()
			if err != nil {
				return f, err
			}
			sc, ok := parseScope(v)
			switch {
			case ok:
				f.scope, f.anyScope = sc, false
			case v == "all":
				f.anyScope = true
			default:
				return f, errInvArg("invalid \"scope\"\n", v)
			}
		case w == "up":
			f.up = true
		case f.setFlagFilter(w):
		case w == "label":
			v, err := a.value()
			if err != nil {
				return f, err
			}
			f.label, f.hasLabel = v, true
		case w == "group":
			v, err := a.value()
			if err != nil {
				return f, err
			}
			g, ok := parseGroup(v)
			if !ok {
				return f, errInvArg("Invalid \"group\" value\n", v)
			}
			f.group = g
		case w == "master":
			v, err := a.value()
			if err != nil {
				return f, err
			}
			if f.master = linkIndex(s, v); f.master == 0 {
				return f, errInvArg("Device does not exist\n", v)
			}
		case w == "vrf":
			v, err := a.value()
			if err != nil {
				return f, err
			}
			l := s.VRFByName(v)
			if l == nil {
				return f, errInvArg("Not a valid VRF name\n", v)
			}
			f.master = l.Index
		case w == "nomaster":
			f.master = -1
		case w == "type":
			v, err := a.value()
			if err != nil {
				return f, err
			}
			if k, ok := strings.CutSuffix(v, "_slave"); ok {
				f.slaveKind = k
			} else {
				f.kind = v
			}
		default:
			if w == "dev" {
				v, err := a.value()
				if err != nil {
					return f, err
				}
				w = v
			} else if matches(w, "help") {
				return f, errUsage(usage)
			}
			if hasDev {
				return f, errDuplicate("dev", w)
			}
			f.dev, hasDev = w, true
		}
	}
	if hasDev {
		if f.index = linkIndex(s, f.dev); f.index <= 0 {
			return f, failf(exitSyntax, "Device %q does not exist.", f.dev)
		}
	}
	return f, nil
}

// Address flags (IFA_F_*), as `ip addr` prints and filters them.
const (
	ifaSecondary     = 0x01
	ifaNoDAD         = 0x02
	ifaOptimistic    = 0x04
	ifaDADFailed     = 0x08
	ifaHomeAddress   = 0x10
	ifaDeprecated    = 0x20
	ifaTentative     = 0x40
	ifaPermanent     = 0x80
	ifaManageTemp    = 0x100
	ifaNoPrefixRoute = 0x200
	ifaMcAutoJoin    = 0x400
	ifaStablePrivacy = 0x800
)

// ifaFlag is one entry of iproute2's ifa_flag_data, in its order, which
// is the order flags are printed in.
type ifaFlag struct {
	name     string
	mask     uint32
	readonly bool
	v6only   bool
}

var ifaFlags = []ifaFlag{
	{"secondary", ifaSecondary, true, false},
	{"temporary", ifaSecondary, true, false},
	{"nodad", ifaNoDAD, false, true},
	{"optimistic", ifaOptimistic, false, true},
	{"dadfailed", ifaDADFailed, true, true},
	{"home", ifaHomeAddress, false, true},
	{"deprecated", ifaDeprecated, true, true},
	{"tentative", ifaTentative, true, true},
	{"permanent", ifaPermanent, true, true},
	{"mngtmpaddr", ifaManageTemp, false, true},
	{"noprefixroute", ifaNoPrefixRoute, false, false},
	{"autojoin", ifaMcAutoJoin, false, false},
	{"stable-privacy", ifaStablePrivacy, true, true},
}

func lookupIfaFlag(name string) (ifaFlag, bool) {
	for _, f := range ifaFlags {
		if f.name == name {
			return f, true
		}
	}
	return ifaFlag{}, false
}

// setFlagFilter reads a flag selector (get_filter): a flag name, "-NAME"
// for its absence, "dynamic" (not permanent) or "primary" (not
// secondary).
func (f *listFilter) setFlagFilter(w string) bool {
	inv := false
	if strings.HasPrefix(w, "-") {
		inv, w = true, w[1:]
	}
	switch w {
	case "dynamic":
		inv, w = !inv, "permanent"
	case "primary":
		inv, w = !inv, "secondary"
	}
	fl, ok := lookupIfaFlag(w)
	if !ok {
		return false
	}
	if inv {
		f.flags &^= fl.mask
	} else {
		f.flags |= fl.mask
	}
	f.flagMask |= fl.mask
	return true
}

// linkList runs `link show` (ipaddr_list_link).
func linkList(c *ctx, a *args) error {
	f, err := parseListFilter(c, a, familyLink, linkUsage)
	if err != nil {
		return err
	}
	return listLinks(c, f, true)
}

// listLinks prints the links f selects and, unless doLink, their
// addresses: the listing loop of ipaddr_list_flush_or_save.
func listLinks(c *ctx, f listFilter, doLink bool) error {
	s := c.ctl.View()
	p := c.newPrinter()
	defer p.close()
	for _, l := range f.links(s, doLink) {
		p.openObject("")
		lp := linkPrinter{p: p, s: s, l: l, opts: &c.opts, f: &f, doLink: doLink, plane: c.plane}
		// -oneline address listings print no link header; each address
		// names its link instead.
		res := 0
		if doLink || c.opts.Brief || !c.opts.Oneline {
			res = lp.print()
		}
		if res >= 0 && f.family != familyLink {
			lp.printAddrs()
		}
		if res > 0 && !doLink && c.opts.Stats > 0 {
			lp.printStats()
			p.nl()
		}
		p.closeObject()
	}
	return nil
}

// links returns the links a listing visits, in index order, after the
// filters the kernel applies to a dump (master and a kind it knows) and,
// for address listings, ipaddr_filter: a link stays if one of its
// addresses passes the address filters, or if it has none and no family
// was asked for. `link show DEV` asks for the one link instead.
func (f *listFilter) links(s *control.Snapshot, doLink bool) []*control.Link {
	var out []*control.Link
	for l := range s.Links() {
		switch {
		case f.index != 0:
			if l.Index != f.index {
				continue
			}
		case f.master > 0 && l.Master != f.master || f.master < 0 && l.Master != 0:
			continue
		}
		if _, known := control.ParseKind(f.kind); f.index == 0 && known && f.kind != l.Kind.String() {
			continue
		}
		if !doLink && !f.anyAddrMatches(s, l) {
			continue
		}
		out = append(out, l)
	}
	return out
}

func (f *listFilter) anyAddrMatches(s *control.Snapshot, l *control.Link) bool {
	if len(l.Addrs) == 0 {
		return f.family == 0
	}
	for i := range l.Addrs {
		if f.addrMatches(s, l, &l.Addrs[i]) {
			return true
		}
	}
	return false
}

// linkMatches applies print_linkinfo's filters; a link failing them is
// printed as an empty JSON object, as ip does.
func (f *listFilter) linkMatches(s *control.Snapshot, l *control.Link) bool {
	switch {
	case f.index != 0 && l.Index != f.index:
		return false
	case f.up && !l.Up:
		return false
	case f.group != -1 && l.Group != f.group:
		return false
	case f.master > 0 && l.Master != f.master:
		return false
	case f.kind != "" && (l.Kind == control.KindLoopback || l.Kind.String() != f.kind):
		return false
	case f.slaveKind != "" && (l.Master == 0 || f.slaveKind != "vrf"):
		return false
	}
	return true
}

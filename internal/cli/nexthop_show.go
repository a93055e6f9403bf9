package cli

import (
	"fmt"
	"syscall"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rterr"
)

// nhFilter is the selector of `nexthop show` and `nexthop flush`.
type nhFilter struct {
	family int
	dev    int
	master int
	proto  uint32
	groups bool
	fdb    bool
}

// nexthopList runs `nexthop show|flush [SELECTOR]` (ipnh_list_flush).
// `id N` answers at once for that object, ignoring what follows.
func nexthopList(c *ctx, a *args, flush bool) error {
	f := nhFilter{family: c.opts.Family}
	all := !a.more()
	s := c.ctl.View()
	for a.more() {
		kw := a.next()
		if kw == "id" {
			id, err := nhID(a)
			if err != nil {
				return err
			}
			if flush {
				return nexthopFlushID(c, id)
			}
			return nexthopShowID(c, id)
		}
		if err := f.parseWord(s, a, kw); err != nil {
			return err
		}
	}
	if flush {
		return nexthopFlush(c, f, all)
	}
	p := c.newPrinter()
	defer p.close()
	for _, nh := range s.Nexthops() {
		if f.keep(s, nh) {
			p.openObject("")
			printNexthopEntry(p, c, nh, "")
			p.nl()
			p.closeObject()
		}
	}
	return nil
}

// parseWord reads one selector keyword.
func (f *nhFilter) parseWord(s *control.Snapshot, a *args, kw string) error {
	switch {
	case matches(kw, "dev"):
		v, err := a.value()
		if err != nil {
			return err
		}
		if f.dev = linkIndex(s, v); f.dev == 0 {
			return errInvArg("Device does not exist\n", v)
		}
	case matches(kw, "groups"):
		f.groups = true
	case matches(kw, "master"):
		v, err := a.value()
		if err != nil {
			return err
		}
		if f.master = linkIndex(s, v); f.master == 0 {
			return errInvArg("Device does not exist\n", v)
		}
	case matches(kw, "vrf"):
		v, err := a.value()
		if err != nil {
			return err
		}
		l := s.LinkByName(v)
		if l == nil || !l.IsVRF() {
			return errInvArg("Invalid VRF\n", v)
		}
		f.master = l.Index
	case matches(kw, "protocol"):
		v, err := a.value()
		if err != nil {
			return err
		}
		n, ok := scanUint(v, 32)
		if !ok {
			return errInvArg("invalid protocol value", v)
		}
		f.proto = uint32(n)
	case matches(kw, "fdb"):
		f.fdb = true
	case matches(kw, "help"):
		return nexthopHelp()
	default:
		return errInvArg("", kw)
	}
	return nil
}

// keep is the kernel's nh_dump_filtered plus ip's protocol filter: with
// neither a device, a master nor a family every object passes (even
// `fdb`), otherwise groups never do.
func (f *nhFilter) keep(s *control.Snapshot, nh *control.Nexthop) bool {
	group := len(nh.Group) > 0
	switch {
	case f.proto != 0 && uint32(nh.Proto) != f.proto,
		f.groups && !group:
		return false
	case f.dev == 0 && f.master == 0 && f.family == 0:
		return true
	case group,
		f.fdb, // govrf has no fdb nexthops
		f.family != 0 && nhFamily(nh) != f.family,
		f.dev != 0 && nh.Dev != f.dev:
		return false
	}
	if f.master != 0 {
		l := s.Link(nh.Dev)
		return l != nil && l.Master == f.master
	}
	return true
}

// nhFamily is the family an object was created with (AF_INET for dev and
// blackhole objects unless -6 was given).
func nhFamily(nh *control.Nexthop) int {
	switch {
	case nh.Gateway.IsValid():
		return familyOf(nh.Gateway.Is4())
	case nh.Family != 0:
		return int(nh.Family)
	}
	return 4
}

// nexthopShowID prints one object (`nexthop get id N`).
func nexthopShowID(c *ctx, id uint32) error {
	nh := c.ctl.View().Nexthop(id)
	if nh == nil {
		return rterr.New(syscall.ENOENT, "")
	}
	p := c.newPrinter()
	defer p.close()
	p.openObject("")
	printNexthopEntry(p, c, nh, "")
	p.nl()
	p.closeObject()
	return nil
}

// nexthopGet runs `nexthop get id N`.
func nexthopGet(c *ctx, a *args) error {
	id := uint32(0)
	for a.more() {
		if a.next() != "id" {
			return nexthopHelp()
		}
		var err error
		if id, err = nhID(a); err != nil {
			return err
		}
	}
	if id == 0 {
		return nexthopHelp()
	}
	return nexthopShowID(c, id)
}

// nexthopFlushID deletes one object; ip reports a failure with exit 1.
func nexthopFlushID(c *ctx, id uint32) error {
	if err := c.ctl.DelNexthop(id); err != nil {
		return &cmdError{message(err), exitSyntax}
	}
	return nil
}

// nexthopFlush deletes the selected objects and says how many (ipnh_flush);
// flushing everything takes the groups first so that deleting their
// members does not take them along uncounted.
func nexthopFlush(c *ctx, f nhFilter, all bool) error {
	passes := []bool{f.groups}
	if all {
		passes = []bool{true, false}
	}
	flushed := 0
	for _, groups := range passes {
		f.groups = groups
		s := c.ctl.View()
		for _, nh := range s.Nexthops() {
			if f.keep(s, nh) && c.ctl.DelNexthop(nh.ID) == nil {
				flushed++
			}
		}
	}
	if flushed == 0 {
		fmt.Fprintf(c.out, "Nothing to flush\n")
	} else {
		fmt.Fprintf(c.out, "Flushed %d nexthops\n", flushed)
	}
	return nil
}

// printNexthopEntry prints one object's fields (__print_nexthop_entry),
// inside a JSON object named jsobj ("" for an array element's).
func printNexthopEntry(p *printer, c *ctx, nh *control.Nexthop, jsobj string) {
	s := c.ctl.View()
	if jsobj != "" {
		p.openObject(jsobj)
	}
	p.uint(printAny, "id", "id %d ", uint64(nh.ID))
	if len(nh.Group) > 0 {
		p.openArray(printJSON, "group", "")
		p.textf("group ")
		for i, g := range nh.Group {
			p.openObject("")
			if i > 0 {
				p.textf("/")
			}
			p.uint(printAny, "id", "%d", uint64(g.ID))
			if g.Weight > 1 {
				p.uint(printAny, "weight", ",%d", uint64(g.Weight))
			}
			p.closeObject()
		}
		p.textf(" ")
		p.closeArray(printJSON, "")
	}
	if nh.Gateway.IsValid() {
		p.str(printAny, "gateway", "via %s ", nh.Gateway.String())
	}
	if nh.Dev != 0 {
		p.str(printAny, "dev", "dev %s ", devName(s, nh.Dev))
	}
	if sc := nhScope(nh); sc != fib.ScopeUniverse || c.opts.Details {
		p.str(printAny, "scope", "scope %s ", scopeName(sc))
	}
	if nh.Blackhole {
		p.null(printAny, "blackhole", "%s", "blackhole ")
	}
	if nh.Proto != fib.ProtoUnspec || c.opts.Details {
		p.str(printAny, "protocol", "proto %s ", protoName(nh.Proto))
	}
	var flags []string
	if nh.Onlink {
		flags = append(flags, "onlink")
	}
	printFlags(p, flags)
	if jsobj != "" {
		p.closeObject()
	}
}

// nhScope is the scope the kernel gives an object's path: an IPv4
// gateway's is link, an IPv4 device's host (fib_check_nh); IPv6 paths are
// link; blackholes and groups have none.
func nhScope(nh *control.Nexthop) fib.Scope {
	switch {
	case nh.Dev == 0:
		return fib.ScopeUniverse
	case nhFamily(nh) == 6 || nh.Gateway.IsValid():
		return fib.ScopeLink
	}
	return fib.ScopeHost
}

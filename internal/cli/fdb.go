package cli

import (
	"net/netip"

	"github.com/govrf/govrf/internal/control"
)

// FDBLearner is a Plane whose VXLAN ports learn forwarding entries from
// the frames they receive (`learning`); `bridge fdb show` lists them
// after the configured ones.
type FDBLearner interface {
	// LearnedFDB returns the entries VXLAN link link has learned.
	LearnedFDB(link int) []control.FDBEntry
}

const fdbUsage = `Usage: govrf bridge fdb { add | append | del | replace } ADDR dev DEV
              [ self ] [ extern_learn ] [ local | permanent | static | dynamic ]
              [ dst IPADDR ]
       govrf bridge fdb [ show [ dev DEV ] [ brport DEV ] ]`

// doBridge runs `bridge OBJECT ...`: govrf has the fdb of its VXLAN links.
func doBridge(c *ctx, a *args) error {
	if !a.more() {
		return errUsage(fdbUsage)
	}
	w := a.next()
	if matches(w, "help") {
		return errUsage(fdbUsage)
	}
	if !matches(w, "fdb") {
		return failf(exitUsage, "Object %q is unknown, try \"govrf bridge help\".", w)
	}
	if !a.more() {
		return fdbShow(c, a)
	}
	switch v := a.next(); {
	case matches(v, "add"):
		return fdbModify(c, a, control.FDBAdd)
	case matches(v, "append"):
		return fdbModify(c, a, control.FDBAppend)
	case matches(v, "replace"):
		return fdbModify(c, a, control.FDBReplace)
	case matches(v, "delete"):
		return fdbModify(c, a, control.FDBDel)
	case matches(v, "show") || matches(v, "list") || matches(v, "lst"):
		return fdbShow(c, a)
	case matches(v, "help"):
		return errUsage(fdbUsage)
	default:
		return failf(exitUsage, "Command %q is unknown, try \"govrf bridge fdb help\".", v)
	}
}

// fdbModify runs add, append, replace and del (bridge/fdb.c fdb_modify):
// the state is permanent unless static or dynamic is given, and entries
// are the device's own (self); master entries belong to a bridge, which
// govrf has not.
func fdbModify(c *ctx, a *args, op control.FDBOp) error {
	dev, e, err := parseFDBRequest(c, a)
	if err != nil {
		return err
	}
	if c.ctl.View().LinkByName(dev) == nil {
		return errNoDevice(dev)
	}
	return c.ctl.ChangeFDB(op, dev, e)
}

// parseFDBRequest reads fdb_modify's arguments: the device and the entry.
func parseFDBRequest(c *ctx, a *args) (dev string, e control.FDBEntry, err error) {
	var addr string
	e.State = control.FDBPermanent
	dstSet := false
	for a.more() {
		w := a.next()
		switch {
		case w == "dev":
			v, err := a.value()
			if err != nil {
				return "", e, err
			}
			dev = v
		case w == "dst":
			v, err := a.value()
			if err != nil {
				return "", e, err
			}
			if dstSet {
				return "", e, errDupArg("dst", v)
			}
			ia, err := parseAddr(v, c.opts.Family)
			if err != nil {
				return "", e, err
			}
			e.Dst, dstSet = ia.Addr, true
		case w == "self":
		case matches(w, "local") || matches(w, "permanent"):
			e.State = control.FDBPermanent
		case matches(w, "temp") || matches(w, "static"):
			e.State = control.FDBStatic
		case matches(w, "dynamic"):
			e.State = control.FDBDynamic
		case matches(w, "extern_learn"):
			e.ExternLearn = true
		case matches(w, "master") || matches(w, "router") || matches(w, "use") || matches(w, "sticky") ||
			isOneOf(w, "nhid", "port", "vni", "src_vni", "via", "vlan", "activity_notify", "inactive", "norefresh"):
			return "", e, errUnsupported(w)
		default:
			if w == "to" {
				v, err := a.value()
				if err != nil {
					return "", e, err
				}
				w = v
			}
			if matches(w, "help") {
				return "", e, errUsage(fdbUsage)
			}
			if addr != "" {
				return "", e, errDupArg("to", w)
			}
			addr = w
		}
	}
	if dev == "" || addr == "" {
		return "", e, failf(exitUsage, "Device and address are required arguments.")
	}
	mac, ok := parseFDBMAC(addr)
	if !ok {
		return "", e, failf(exitUsage, "Invalid mac address %s", addr)
	}
	e.MAC = mac
	return dev, e, nil
}

// parseFDBMAC reads six colon-separated hexadecimal octets, as fdb_modify's
// sscanf does.
func parseFDBMAC(s string) (control.MAC, bool) {
	b, err := parseLLAddr(s)
	if err != nil || len(b) != 6 {
		return control.MAC{}, false
	}
	return control.MAC(b), true
}

// fdbShow runs `fdb show [dev DEV]` (bridge/fdb.c print_fdb): each VXLAN
// link's configured entries, the newest address first with its
// destinations in order, then what the data plane learned.
func fdbShow(c *ctx, a *args) error {
	s := c.ctl.View()
	var dev *control.Link
	for a.more() {
		w := a.next()
		switch {
		case w == "dev" || w == "brport":
			v, err := a.value()
			if err != nil {
				return err
			}
			if dev = s.LinkByName(v); dev == nil {
				return errNoDevice(v)
			}
		case w == "br" || w == "vlan" || w == "state" || w == "dynamic":
			return errUnsupported(w)
		default:
			return failf(exitUsage, "Unknown argument %q", w)
		}
	}
	p := c.newPrinter()
	defer p.close()
	learner, _ := c.plane.(FDBLearner)
	for l := range s.Links() {
		if l.VXLAN == nil || dev != nil && l != dev {
			continue
		}
		name := l.Name
		if dev != nil {
			name = ""
		}
		for _, e := range fdbOrder(l.VXLAN.FDB) {
			printFDB(p, name, e)
		}
		if learner != nil {
			for _, e := range learner.LearnedFDB(l.Index) {
				printFDB(p, name, e)
			}
		}
	}
	return nil
}

// fdbOrder lists entries as the kernel dumps them: addresses newest first,
// each with its destinations in the order they were added.
func fdbOrder(fdb []control.FDBEntry) []control.FDBEntry {
	out := make([]control.FDBEntry, 0, len(fdb))
	done := map[control.MAC]bool{}
	for i := len(fdb) - 1; i >= 0; i-- {
		m := fdb[i].MAC
		if done[m] {
			continue
		}
		done[m] = true
		for _, e := range fdb {
			if e.MAC == m {
				out = append(out, e)
			}
		}
	}
	return out
}

// printFDB prints one entry; dev is "" when `dev` filtered the listing.
func printFDB(p *printer, dev string, e control.FDBEntry) {
	p.openObject("")
	p.str(printAny, "mac", "%s ", e.MAC.String())
	if dev != "" {
		p.str(printAny, "ifname", "dev %s ", dev)
	}
	if e.Dst.IsValid() {
		p.str(printAny, "dst", "dst %s ", addrString(e.Dst))
	}
	p.openArray(printJSON, "flags", "")
	p.str(printAny, "", "%s ", "self")
	if e.ExternLearn {
		p.str(printAny, "", "%s ", "extern_learn")
	}
	p.closeArray(printJSON, "")
	p.str(printAny, "state", "%s", e.State.String())
	p.closeObject()
	p.textf("\n")
}

// addrString prints an address as inet_ntop does.
func addrString(a netip.Addr) string { return a.Unmap().String() }

package cli

import (
	"strings"
	"syscall"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rterr"
)

// doNexthop runs `nexthop ...` (ip/ipnexthop.c do_ipnh).
func doNexthop(c *ctx, a *args) error {
	if !a.more() {
		return nexthopList(c, a, false)
	}
	verb := a.next()
	switch {
	case matches(verb, "add"):
		return nexthopModify(c, a, false, false)
	case matches(verb, "replace"):
		return nexthopModify(c, a, true, false)
	case matches(verb, "delete"):
		return nexthopModify(c, a, false, true)
	case matches(verb, "list"), matches(verb, "show"), matches(verb, "lst"):
		return nexthopList(c, a, false)
	case matches(verb, "get"):
		return nexthopGet(c, a)
	case matches(verb, "flush"):
		return nexthopList(c, a, true)
	case matches(verb, "bucket"):
		return unsupportedVerb(c, a)
	case matches(verb, "help"):
		return nexthopHelp()
	}
	return errUnknown(verb, "nexthop")
}

const nexthopUsage = `Usage: govrf nexthop { list | flush } [ protocol ID ] SELECTOR
       govrf nexthop { add | replace } id ID NH [ protocol ID ]
       govrf nexthop { get | del } id ID
SELECTOR := [ id ID ] [ dev DEV ] [ vrf NAME ] [ master DEV ] [ groups ]
NH := { blackhole | [ via ADDRESS ] [ dev DEV ] [ onlink ] |
        group GROUP [ type mpath ] }
GROUP := [ <id[,weight]>/<id[,weight]>/... ]`

func nexthopHelp() error { return errUsage(nexthopUsage) }

// nhReq is a `nexthop add/replace/del` request as ipnh_modify builds it.
type nhReq struct {
	nh     control.Nexthop
	family int
	idOK   bool
	attrs  bool // an attribute other than the id was given
	header bool // protocol or flags were set in the header
}

// nexthopModify runs `nexthop add|replace|delete`.
func nexthopModify(c *ctx, a *args, replace, del bool) error {
	q := &nhReq{family: c.opts.Family}
	s := c.ctl.View()
	for a.more() {
		if err := q.parseWord(s, a); err != nil {
			return err
		}
	}
	if del {
		if err := q.checkDel(); err != nil {
			return err
		}
		return c.ctl.DelNexthop(q.nh.ID)
	}
	if err := q.checkFamily(); err != nil {
		return err
	}
	q.nh.Family = fib.Family(q.family)
	_, err := c.ctl.AddNexthop(q.nh, replace)
	return err
}

// parseWord reads one keyword of ipnh_modify.
func (q *nhReq) parseWord(s *control.Snapshot, a *args) error {
	kw := a.next()
	switch kw {
	case "dev", "via", "blackhole", "group", "type":
		q.attrs = true
	}
	switch {
	case kw == "id":
		id, err := nhID(a)
		q.nh.ID, q.idOK = id, true
		return err
	case kw == "dev":
		v, err := a.value()
		if err != nil {
			return err
		}
		if q.nh.Dev = linkIndex(s, v); q.nh.Dev == 0 {
			return errInvArg("Device does not exist\n", v)
		}
		q.defaultFamily()
	case kw == "via":
		return q.parseVia(a, kw)
	case kw == "encap":
		return parseEncap(a)
	case kw == "fdb":
		return errUnsupported(kw)
	case kw == "blackhole":
		q.nh.Blackhole = true
		q.defaultFamily()
	case kw == "onlink":
		q.nh.Onlink, q.header = true, true
	case kw == "group":
		v, err := a.value()
		if err != nil {
			return err
		}
		return q.parseGroup(v)
	case kw == "type":
		return q.parseType(a)
	case matches(kw, "protocol"):
		var err error
		q.nh.Proto, err = argValue(a, parseProto, "\"protocol\" value is invalid\n")
		q.header = true
		return err
	case kw == "help":
		return nexthopHelp()
	default:
		return errInvArg("", kw)
	}
	return nil
}

// defaultFamily is ip's choice of AF_INET for dev and blackhole when no
// family is known yet.
func (q *nhReq) defaultFamily() {
	if q.family == 0 {
		q.family = 4
	}
}

func (q *nhReq) parseVia(a *args, kw string) error {
	v, family, err := familyValue(a, q.family)
	if err != nil {
		return err
	}
	gw, err := parseAddr(v, family)
	if err != nil {
		return err
	}
	switch {
	case q.family == 0:
		q.family = gw.Family()
	case q.family != gw.Family():
		return errInvArg("address family mismatch\n", v)
	}
	q.nh.Gateway = gw.Addr
	return nil
}

// familyValue reads `[inet|inet6] VALUE`, returning the value and the
// family it is in (family when none is named).
func familyValue(a *args, family int) (string, int, error) {
	v, err := a.value()
	if err != nil {
		return "", 0, err
	}
	if fam, ok := map[string]int{"inet": 4, "inet6": 6}[v]; ok {
		family = fam
		if v, err = a.value(); err != nil {
			return "", 0, err
		}
	}
	return v, family, nil
}

// parseGroup reads ID[,WEIGHT]/ID[,WEIGHT]... (add_nh_group_attr). ip
// names the argument as it was left after splitting at the first
// separator.
func (q *nhReq) parseGroup(v string) error {
	shown := v
	if i := strings.IndexAny(v, ",/"); i >= 0 {
		shown = v[:i]
	}
	if v == "" {
		return errInvArg("\"group\" value is invalid\n", shown)
	}
	for _, m := range strings.Split(v, "/") {
		id, w, hasW := strings.Cut(m, ",")
		n, ok := scanUint(id, 32)
		if !ok {
			return errInvArg("\"group\" value is invalid\n", shown)
		}
		g := control.GroupMember{ID: uint32(n), Weight: 1}
		if hasW {
			wv, ok := scanUint(w, 32)
			if !ok || wv == 0 || wv > 256 {
				return errInvArg("\"weight\" is invalid\n", w)
			}
			g.Weight = uint16(wv)
		}
		q.nh.Group = append(q.nh.Group, g)
	}
	return nil
}

// parseType reads the group type: mpath (the default, which the kernel
// ignores outside a group), or resilient, which govrf does not implement.
func (q *nhReq) parseType(a *args) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	switch v {
	case "mpath":
		return nil
	case "resilient":
		return errUnsupported("type resilient")
	}
	return errInvArg("\"type\" value is invalid\n", v)
}

// checkDel is the kernel's parse and nh_valid_get_del_req: a delete
// names an id and nothing else.
func (q *nhReq) checkDel() error {
	switch {
	case q.attrs:
		return rterr.New(syscall.EINVAL, "Unknown attribute type")
	case q.header:
		return rterr.New(syscall.EINVAL, "Invalid values in header")
	case !q.idOK:
		return rterr.New(syscall.EINVAL, "Nexthop id is missing")
	case q.nh.ID == 0:
		return rterr.New(syscall.EINVAL, "Invalid nexthop id")
	}
	return nil
}

// checkFamily is rtm_to_nh_config's header check: a group has no family,
// anything else needs one.
func (q *nhReq) checkFamily() error {
	switch {
	case len(q.nh.Group) > 0 && q.family != 0:
		return rterr.New(syscall.EINVAL, "Invalid family for group")
	case len(q.nh.Group) == 0 && q.family == 0:
		return rterr.New(syscall.EINVAL, "Invalid address family")
	}
	return nil
}

// nhID reads a nexthop id (ipnh_parse_id).
func nhID(a *args) (uint32, error) { return argValue(a, scanU32, "invalid id value") }

package cli

import (
	"strings"
	"syscall"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rterr"
)

// linkVerb is the netlink request a link command sends.
type linkVerb uint8

const (
	linkAdd     linkVerb = iota // RTM_NEWLINK, NLM_F_CREATE|NLM_F_EXCL
	linkSet                     // RTM_NEWLINK on an existing link
	linkReplace                 // RTM_NEWLINK, NLM_F_CREATE|NLM_F_REPLACE
	linkDel                     // RTM_DELLINK
)

func (v linkVerb) creates() bool { return v == linkAdd || v == linkReplace }

// doLink runs `link ...` (ip/iplink.c do_iplink). The verbs are tried in
// ip's order, so "s" is set, not show.
func doLink(c *ctx, a *args) error {
	if !a.more() {
		return linkList(c, a)
	}
	verb := a.next()
	switch {
	case matches(verb, "add"):
		return linkModify(c, a, linkAdd)
	case matches(verb, "set") || matches(verb, "change"):
		return linkModify(c, a, linkSet)
	case matches(verb, "replace"):
		return linkModify(c, a, linkReplace)
	case matches(verb, "delete"):
		return linkModify(c, a, linkDel)
	case matches(verb, "show") || matches(verb, "lst") || matches(verb, "list"):
		return linkList(c, a)
	case matches(verb, "xstats") || matches(verb, "afstats") || matches(verb, "property"):
		return errUnsupported(verb)
	case matches(verb, "help"):
		return errUsage(linkUsage)
	}
	return errUnknown(verb, "link")
}

const linkUsage = `Usage: govrf link add [ link DEVICE ] [ name ] NAME
                      [ address LLADDR ] [ mtu MTU ]
                      [ up ] [ master VRF ] [ group GROUP ]
                      type TYPE [ ARGS ]
       govrf link delete { DEVICE | dev DEVICE }
       govrf link set { DEVICE | dev DEVICE }
                      [ { up | down } ] [ name NEWNAME ] [ address LLADDR ]
                      [ mtu MTU ] [ group GROUP ]
                      [ master VRF | vrf VRF | nomaster ]
       govrf link show [ DEVICE | group GROUP ] [ up ] [ master VRF ]
                       [ vrf VRF ] [ type TYPE ] [ nomaster ]
       govrf link help
TYPE := { dummy | vrf | packet | tap | vxlan }
ARGS for vrf := table TABLEID
ARGS for packet := [ force ]
ARGS for vxlan := id VNI [ local ADDR ] [ remote ADDR ] [ dstport PORT ]
                  [ srcport MIN MAX ] [ ttl TTL ] [ [no]learning ]
                  [ ageing SECONDS ]
govrf link add type TYPE help: what TYPE is and its ARGS
`

// Each kind's help (`link add type KIND help`); ip prints a kind's usage
// to standard error and exits 1.
const (
	vrfKindUsage    = "Usage: ... vrf table TABLEID"
	packetKindUsage = `Usage: govrf link add link DEVICE name NAME type packet [ force ]

A packet port: govrfd sends and receives NAME's frames on the existing
kernel interface DEVICE (a veth end, a VPN daemon's TAP, a NIC), through
AF_PACKET, which needs root or CAP_NET_RAW. Without "link DEVICE" the
interface is the one called NAME. An interface that carries IPv4
addresses is refused unless "force" is given. Offline, the link is
configuration only.`
	tapKindUsage = `Usage: govrf link add name NAME type tap

A TAP port: govrfd creates the TAP device NAME in its network namespace,
carries NAME's frames on it and removes it with the link (needs root or
CAP_NET_ADMIN). Offline, the link is configuration only.`
)

// linkReq is a parsed link command (iproute2's iplink_req).
type linkReq struct {
	verb     linkVerb
	name     string // the link's (new) name
	dev      string // the link the command is about
	up       *bool
	mtu      *int
	mac      []byte
	group    *int
	master   *string // "" for nomaster
	kind     string  // after `type`
	parent   string  // after `link`: the kernel interface of a packet port
	hasKind  bool
	kindArgs []string
	force    bool // `type packet force`
	// vxlan is `type vxlan`'s tunnel; vxlanNoPort is set when its
	// dstport was not given, which ip warns about.
	vxlan       *control.VXLAN
	vxlanNoPort bool
}

// linkModify runs add, set, replace and delete (iplink_modify).
func linkModify(c *ctx, a *args, verb linkVerb) error {
	s := c.ctl.View()
	req, err := parseLinkReq(s, a, verb)
	if err != nil {
		return err
	}
	var table *fib.TableID
	if req.hasKind {
		if table, err = parseKindArgs(&req); err != nil {
			return err
		}
	} else if verb.creates() {
		return failf(exitSyntax, `Not enough information: "type" argument is required`)
	}
	if verb.creates() {
		if l := s.LinkByName(req.name); l != nil && req.name != "" {
			if verb == linkReplace {
				return rterr.New(syscall.EOPNOTSUPP, "")
			}
			return rterr.New(syscall.EEXIST, "")
		}
		return linkCreate(c, req, table)
	}
	l := s.Link(linkIndex(s, req.dev))
	if l == nil {
		return rterr.New(syscall.ENODEV, "")
	}
	if verb == linkDel {
		return c.ctl.DelLink(l.Name)
	}
	return linkChange(c, l, req)
}

// parseLinkReq reads a link command's arguments as iplink_parse does.
// Keywords govrf has no use for are refused rather than ignored.
func parseLinkReq(s *control.Snapshot, a *args, verb linkVerb) (linkReq, error) {
	req := linkReq{verb: verb}
	var name, dev string
	// devFromName: dev was set by `name` (iproute2 compares the pointers
	// dev and name), so a device word may still follow.
	hasName, hasDev, devFromName := false, false, false
	for a.more() {
		w := a.next()
		var err error
		switch {
		case w == "up" || w == "down":
			up := w == "up"
			req.up = &up
		case w == "link":
			if req.parent, err = a.value(); err != nil {
				return req, err
			}
		case w == "name":
			if name, err = a.value(); err != nil {
				return req, err
			}
			if hasName {
				return req, errDupArg("name", name)
			}
			if len(name) >= 16 || !altIfname(name) {
				return req, errInvArg(`"name" not a valid ifname`, name)
			}
			hasName = true
			if !hasDev {
				dev, hasDev, devFromName = name, true, true
			}
		case w == "index" || matches(w, "link"):
			return req, errUnsupported(w)
		case matches(w, "address"):
			v, err := a.value()
			if err != nil {
				return req, err
			}
			if req.mac, err = parseLLAddr(v); err != nil {
				return req, err
			}
		case matches(w, "broadcast") || w == "brd" || matches(w, "txqueuelen") || w == "qlen" ||
			matches(w, "txqlen"):
			return req, errUnsupported(w)
		case w == "mtu":
			v, err := a.value()
			if err != nil {
				return req, err
			}
			if req.mtu != nil {
				return req, errDupArg("mtu", v)
			}
			n, ok := strtol(v)
			if !ok || n != int64(int32(n)) {
				return req, errInvArg("Invalid \"mtu\" value\n", v)
			}
			mtu := int(n)
			req.mtu = &mtu
		case strings.HasPrefix(w, "xdp") || isOneOf(w, "netns", "multicast", "allmulticast", "promisc",
			"trailers", "arp", "carrier", "vf"):
			return req, errUnsupported(w)
		case matches(w, "master"):
			v, err := a.value()
			if err != nil {
				return req, err
			}
			i := linkIndex(s, v)
			if i == 0 {
				return req, errInvArg("Device does not exist\n", v)
			}
			if m := s.Link(i); m != nil {
				v = m.Name // "ifN" names the link with index N
			}
			req.master = &v
		case w == "vrf":
			v, err := a.value()
			if err != nil {
				return req, err
			}
			if s.VRFByName(v) == nil {
				return req, errInvArg("Not a valid VRF name\n", v)
			}
			req.master = &v
		case matches(w, "nomaster"):
			none := ""
			req.master = &none
		case matches(w, "dynamic"):
			return req, errUnsupported(w)
		case matches(w, "type"):
			if req.kind, err = a.value(); err != nil {
				return req, err
			}
			req.hasKind = true
			req.kindArgs = a.rest()
			a.i = len(a.w)
		case matches(w, "alias"):
			return req, errUnsupported(w)
		case w == "group":
			v, err := a.value()
			if err != nil {
				return req, err
			}
			if req.group != nil {
				return req, errDupArg("group", v)
			}
			g, ok := parseGroup(v)
			if !ok {
				return req, errInvArg("Invalid \"group\" value\n", v)
			}
			req.group = &g
		case isOneOf(w, "mode", "state", "protodown", "protodown_reason", "gso_max_size", "gso_max_segs",
			"gro_max_size", "parentdev") || matches(w, "numtxqueues") || matches(w, "numrxqueues") ||
			matches(w, "addrgenmode") || matches(w, "link-netns") || matches(w, "link-netnsid"):
			return req, errUnsupported(w)
		default:
			if matches(w, "help") {
				return req, errUsage(linkUsage)
			}
			if w == "dev" {
				if w, err = a.value(); err != nil {
					return req, err
				}
			}
			if hasDev && !devFromName {
				return req, errDuplicate("dev", w)
			}
			if !altIfname(w) {
				return req, errInvArg(`"dev" not a valid ifname`, w)
			}
			dev, hasDev, devFromName = w, true, false
		}
	}
	return finishLinkReq(s, req, name, dev, hasName, hasDev)
}

// finishLinkReq settles name and dev as the end of iplink_parse does.
func finishLinkReq(s *control.Snapshot, req linkReq, name, dev string, hasName, hasDev bool) (linkReq, error) {
	if !hasName {
		name = dev
	} else if !hasDev {
		dev = name
	}
	if hasDev && len(req.mac) > 0 && !req.verb.creates() {
		if l := s.Link(linkIndex(s, dev)); l != nil && len(req.mac) != len(l.MAC) {
			return req, failf(exitSyntax, "Invalid address length %d - must be %d bytes", len(req.mac), len(l.MAC))
		}
	}
	if req.group != nil && !hasDev {
		// `link set group N ...` changes every link of a group.
		return req, errUnsupported("group")
	}
	if !req.verb.creates() {
		if !hasDev {
			return req, failf(exitUsage, `Not enough information: "dev" argument is required.`)
		}
		if linkIndex(s, dev) == 0 {
			return req, errNoDevice(dev)
		}
		req.dev = dev
		if hasName && name != dev {
			req.name = name
		}
		return req, nil
	}
	if hasName && hasDev && name != dev {
		return req, failf(exitUsage, `both "name" and "dev" cannot be used when creating devices.`)
	}
	req.name, req.dev = name, name
	return req, nil
}

// parseKindArgs reads what follows `type KIND` with the kind's own
// parser: vrf takes `table TABLEID`; packet takes `force`, which it sets
// in req; dummy takes nothing and, like ip, ignores what it is given. It
// returns the VRF table, nil when not given.
func parseKindArgs(req *linkReq) (*fib.TableID, error) {
	var table *fib.TableID
	switch req.kind {
	case "dummy":
		return nil, nil // like ip, ignores what it is given
	case "tap":
		if len(req.kindArgs) > 0 && matches(req.kindArgs[0], "help") {
			return nil, failf(exitSyntax, "%s", tapKindUsage)
		}
		return nil, nil
	case "packet":
		for _, w := range req.kindArgs {
			switch {
			case w == "force":
				req.force = true
			case matches(w, "help"):
				return nil, failf(exitSyntax, "%s", packetKindUsage)
			default:
				return nil, failf(exitSyntax, "packet: unknown option %q?\nUsage: ... packet [ force ]", w)
			}
		}
		return nil, nil
	case "vxlan":
		return nil, parseVXLANArgs(req)
	case "vrf":
		a := &args{w: req.kindArgs}
		for a.more() {
			w := a.next()
			switch {
			case matches(w, "table"):
				v, err := a.value()
				if err != nil {
					return nil, err
				}
				t, ok := parseTable(v)
				if !ok {
					return nil, errInvArg("invalid table ID\n", v)
				}
				table = &t
			case matches(w, "help"):
				return nil, failf(exitSyntax, "%s", vrfKindUsage)
			default:
				return nil, failf(exitSyntax, "vrf: unknown option %q?\n%s", w, vrfKindUsage)
			}
		}
		return table, nil
	}
	if len(req.kindArgs) > 0 {
		return nil, failf(exitSyntax, "Garbage instead of arguments \"%s ...\". Try \"govrf link help\".", req.kindArgs[0])
	}
	return nil, rterr.New(syscall.EOPNOTSUPP, "Unknown device type")
}

func isOneOf(w string, words ...string) bool {
	for _, x := range words {
		if w == x {
			return true
		}
	}
	return false
}

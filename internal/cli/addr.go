package cli

import (
	"fmt"
	"net/netip"
	"syscall"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rterr"
)

// doAddr runs `address ...` (ip/ipaddress.c do_ipaddr).
func doAddr(c *ctx, a *args) error {
	if !a.more() {
		return addrList(c, a)
	}
	verb := a.next()
	switch {
	case matches(verb, "add"):
		return addrModify(c, a, addrAdd)
	case matches(verb, "change") || verb == "chg" || matches(verb, "replace"):
		// Without NLM_F_CREATE the kernel still creates a missing
		// address, so change and replace are one request.
		return addrModify(c, a, addrReplace)
	case matches(verb, "delete"):
		return addrModify(c, a, addrDel)
	case matches(verb, "list") || matches(verb, "show") || matches(verb, "lst"):
		return addrList(c, a)
	case matches(verb, "flush"):
		return addrFlush(c, a)
	case matches(verb, "save") || matches(verb, "showdump") || matches(verb, "restore"):
		return errUnsupported(verb)
	case matches(verb, "help"):
		return errUsage(addrUsage)
	}
	return errUnknown(verb, "address")
}

const addrUsage = `Usage: govrf address {add|change|replace} IFADDR dev IFNAME [ LIFETIME ]
                                                      [ CONFFLAG-LIST ]
       govrf address del IFADDR dev IFNAME
       govrf address flush [ dev IFNAME ] [ scope SCOPE-ID ]
                            [ to PREFIX ] [ FLAG-LIST ] [ label LABEL ] [up]
       govrf address [ show [ dev IFNAME ] [ scope SCOPE-ID ] [ master DEVICE ]
                             [ type TYPE ] [ to PREFIX ] [ FLAG-LIST ]
                             [ label LABEL ] [up] [ vrf NAME ] ]
       govrf address help
IFADDR := PREFIX [ broadcast ADDR ] [ label IFNAME ] [ scope SCOPE-ID ]
          [ metric METRIC ]
SCOPE-ID := [ host | link | global | NUMBER ]
FLAG-LIST := [ FLAG-LIST ] FLAG
FLAG  := [ permanent | dynamic | secondary | primary |
           [-]tentative | [-]deprecated | [-]dadfailed | temporary |
           CONFFLAG-LIST ]
CONFFLAG-LIST := [ CONFFLAG-LIST ] CONFFLAG
CONFFLAG  := [ home | nodad | mngtmpaddr | noprefixroute | autojoin ]
LIFETIME := [ valid_lft LFT ] [ preferred_lft LFT ]
LFT := forever
`

// addrVerb is the request an address command sends.
type addrVerb uint8

const (
	addrAdd     addrVerb = iota // NLM_F_CREATE|NLM_F_EXCL
	addrReplace                 // NLM_F_REPLACE
	addrDel                     // RTM_DELADDR
)

// addrReq is a parsed address command.
type addrReq struct {
	family   int
	local    inetArg
	localArg string // as written
	hasLocal bool
	brd      netip.Addr
	brdMode  int // 0 none, 1 given, -1 "+", -2 "-"
	scope    fib.Scope
	scoped   bool
	dev      string
	label    string
	metric   uint32
	flags    uint32
}

// addrModify runs add, change, replace and delete (ipaddr_modify).
func addrModify(c *ctx, a *args, verb addrVerb) error {
	req, err := parseAddrReq(c, a)
	if err != nil {
		return err
	}
	if req.dev == "" {
		return failf(exitSyntax, `Not enough information: "dev" argument is required.`)
	}
	if req.brdMode < 0 && verb != addrDel {
		if req.family != 4 {
			return failf(exitSyntax, "Broadcast can be set only for IPv4 addresses")
		}
		req.brd = broadcastFor(req.local, req.brdMode == -1)
	}
	if !req.scoped && verb != addrDel && req.local.Family() == 4 && req.local.Addr.As4()[0] == 127 {
		req.scope = fib.ScopeHost
	}
	s := c.ctl.View()
	l := s.Link(linkIndex(s, req.dev))
	if linkIndex(s, req.dev) == 0 {
		return errNoDevice(req.dev)
	}
	if l == nil {
		return rterr.New(syscall.ENODEV, "")
	}
	if len(req.label) >= 16 {
		return rterr.New(syscall.EINVAL, "Attribute failed policy validation")
	}
	if verb == addrDel {
		return addrDelete(c, l, req)
	}
	if !req.hasLocal {
		if req.family == 0 {
			return rterr.New(syscall.EOPNOTSUPP, "") // no handler for AF_UNSPEC
		}
		return rterr.New(syscall.EINVAL, "")
	}
	ad := control.Addr{
		Prefix:        req.local.Prefix(),
		Broadcast:     req.brd,
		Scope:         req.scope,
		Metric:        req.metric,
		NoPrefixRoute: req.flags&ifaNoPrefixRoute != 0,
		NoDAD:         req.family == 6 && req.flags&ifaNoDAD != 0,
	}
	if req.family == 4 {
		ad.Label = req.label
	} else {
		// addrconf ignores the requested scope and label (ipv6_addr_scope).
		ad.Scope = ipv6Scope(ad.Prefix.Addr())
	}
	return addrRefusal(c.ctl.AddAddr(l.Name, ad, verb == addrReplace), req.family, false)
}

// parseAddrReq reads the arguments of an address change.
func parseAddrReq(c *ctx, a *args) (addrReq, error) {
	req := addrReq{family: c.opts.Family}
	for a.more() {
		w := a.next()
		var err error
		switch {
		case w == "peer" || w == "remote" || w == "anycast" || w == "proto":
			return req, errUnsupported(w)
		case matches(w, "broadcast") || w == "brd":
			v, err := a.value()
			if err != nil {
				return req, err
			}
			if req.brdMode != 0 {
				return req, errDupArg("broadcast", v)
			}
			switch v {
			case "+":
				req.brdMode = -1
			case "-":
				req.brdMode = -2
			default:
				b, err := parseAddr(v, req.family)
				if err != nil {
					return req, err
				}
				if req.family == 0 {
					req.family = b.Family()
				}
				req.brd, req.brdMode = b.Addr, 1
			}
		case w == "scope":
			v, err := a.value()
			if err != nil {
				return req, err
			}
			sc, ok := parseScope(v)
			if !ok {
				return req, errInvArg("invalid scope value.", v)
			}
			req.scope, req.scoped = sc, true
		case w == "dev":
			if req.dev, err = a.value(); err != nil {
				return req, err
			}
		case w == "label":
			if req.label, err = a.value(); err != nil {
				return req, err
			}
		case matches(w, "metric") || matches(w, "priority") || matches(w, "preference"):
			v, err := a.value()
			if err != nil {
				return req, err
			}
			m, ok := scanUint(v, 32)
			if !ok {
				return req, errInvArg("\"metric\" value is invalid\n", v)
			}
			req.metric = uint32(m)
		case matches(w, "valid_lft") || matches(w, "preferred_lft"):
			v, err := a.value()
			if err != nil {
				return req, err
			}
			if v != "forever" {
				// Addresses never expire in govrf.
				return req, errUnsupported(w + " " + v)
			}
		default:
			if fl, ok := lookupIfaFlag(w); ok {
				switch {
				case fl.readonly:
					fmt.Fprintf(c.warn, "Warning: %s option is not mutable from userspace\n", fl.name)
				case fl.v6only && req.family != 6:
					fmt.Fprintf(c.warn, "Warning: %s option can be set only for IPv6 addresses\n", fl.name)
				case fl.mask&(ifaNoDAD|ifaNoPrefixRoute) == 0:
					return req, errUnsupported(w)
				default:
					req.flags |= fl.mask
				}
				continue
			}
			if err := req.setLocal(a, w); err != nil {
				return req, err
			}
		}
	}
	return req, nil
}

// setLocal reads the address itself, with or without `local`.
func (req *addrReq) setLocal(a *args, w string) error {
	if w == "local" {
		v, err := a.value()
		if err != nil {
			return err
		}
		w = v
	}
	if matches(w, "help") {
		return errUsage(addrUsage)
	}
	if req.hasLocal {
		return errDuplicate("local", w)
	}
	p, err := parsePrefix(w, req.family)
	if err != nil {
		return err
	}
	if p.Any {
		// "default", "all" and "any" carry no address bytes: the request
		// goes out without a local address.
		return nil
	}
	if req.family == 0 {
		req.family = p.Family()
	}
	req.local, req.localArg, req.hasLocal = p, w, true
	return nil
}

// broadcastFor computes `brd +` (host bits set) or `brd -` (host bits
// clear); prefixes longer than /30 get no broadcast address.
func broadcastFor(p inetArg, set bool) netip.Addr {
	if p.Bits > 30 {
		return netip.Addr{}
	}
	b := p.Addr.As4()
	for i := p.Bits; i < 32; i++ {
		if set {
			b[i/8] |= 0x80 >> (i % 8)
		} else {
			b[i/8] &^= 0x80 >> (i % 8)
		}
	}
	return netip.AddrFrom4(b)
}

// ipv6Scope is the scope the kernel gives an IPv6 address
// (ipv6_addr_scope): host for ::1, link for fe80::/10, site for
// fec0::/10, the multicast scope field for multicast, else global.
func ipv6Scope(a netip.Addr) fib.Scope {
	b := a.As16()
	switch {
	case a.IsLoopback():
		return fib.ScopeHost
	case a.IsMulticast():
		switch b[1] & 0x0f {
		case 1:
			return fib.ScopeHost
		case 2:
			return fib.ScopeLink
		case 5:
			return fib.ScopeSite
		}
	case b[0] == 0xfe && b[1]&0xc0 == 0x80:
		return fib.ScopeLink
	case b[0] == 0xfe && b[1]&0xc0 == 0xc0:
		return fib.ScopeSite
	}
	return fib.ScopeUniverse
}

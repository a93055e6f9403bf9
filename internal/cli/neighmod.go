package cli

import (
	"net/netip"
	"syscall"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/rterr"
)

// neighOp is the netlink request a modifying `neigh` command sends.
type neighOp uint8

const (
	opAdd     neighOp = iota // RTM_NEWNEIGH, NLM_F_CREATE|NLM_F_EXCL
	opChange                 // RTM_NEWNEIGH, NLM_F_REPLACE
	opReplace                // RTM_NEWNEIGH, NLM_F_CREATE|NLM_F_REPLACE
	opDel                    // RTM_DELNEIGH
)

// neighRequest is a parsed `neigh add|change|replace|del`.
type neighRequest struct {
	addr        netip.Addr
	dev         string
	lladdr      string // as written; "" or "null" for none
	nud         uint32 // nud bits; NUD_PERMANENT unless given
	router      bool
	externLearn bool
	proto       uint8
}

// parseNeighRequest reads ipneigh_modify's arguments, failing as it fails.
func parseNeighRequest(c *ctx, a *args) (*neighRequest, error) {
	r := &neighRequest{nud: nudPermanent}
	lladdrGiven := false
	for a.more() {
		switch w := a.next(); {
		case matches(w, "lladdr"):
			v, err := a.value()
			if err != nil {
				return nil, err
			}
			if lladdrGiven {
				return nil, errDupArg("lladdr", v)
			}
			r.lladdr, lladdrGiven = v, true
		case w == "nud":
			v, err := a.value()
			if err != nil {
				return nil, err
			}
			st, ok := parseNUD(v)
			if !ok {
				return nil, errInvArg("nud state is bad", v)
			}
			r.nud = st
		case w == "router":
			r.router = true
		case matches(w, "extern_learn"):
			r.externLearn = true
		case w == "dev":
			v, err := a.value()
			if err != nil {
				return nil, err
			}
			r.dev = v
		case matches(w, "protocol"):
			v, err := a.value()
			if err != nil {
				return nil, err
			}
			p, ok := parseProto(v)
			if !ok {
				return nil, errInvArg("\"protocol\" value is invalid\n", v)
			}
			r.proto = uint8(p)
		case matches(w, "proxy") || w == "use" || w == "managed" || w == "extern_valid":
			// Proxy entries, NTF_USE and managed entries have no place
			// in govrf's caches: the request is refused as a kernel
			// refuses what it does not support.
			return nil, rterr.New(syscall.EOPNOTSUPP, "")
		default:
			if w == "to" {
				v, err := a.value()
				if err != nil {
					return nil, err
				}
				w = v
			}
			if matches(w, "help") {
				return nil, errUsage(neighUsage)
			}
			if r.addr.IsValid() {
				return nil, errDuplicate("to", w)
			}
			ia, err := parseAddr(w, c.opts.Family)
			if err != nil {
				return nil, err
			}
			r.addr = ia.Addr
		}
	}
	if r.dev == "" || !r.addr.IsValid() {
		return nil, failf(exitUsage, "Device and destination are required arguments.")
	}
	return r, nil
}

// neighModify runs `neigh add|change|replace|del` (ipneigh_modify, then
// the kernel's neigh_add and neigh_delete).
func neighModify(c *ctx, a *args, op neighOp) error {
	r, err := parseNeighRequest(c, a)
	if err != nil {
		return err
	}
	var mac []byte
	if r.lladdr != "" && r.lladdr != "null" {
		if mac, err = parseLLAddr(r.lladdr); err != nil {
			return err
		}
	}
	l := c.ctl.View().LinkByName(r.dev)
	if l == nil {
		return errNoDevice(r.dev)
	}
	if op == opDel {
		return neighDelete(c, l, r.addr)
	}
	return neighSet(c, l, op, r, mac)
}

// neighSet is neigh_add: add's and change's existence rules over the
// link's configured entry and its port's cache entry, then the entry
// written where its state belongs: PERMANENT and NOARP to the control
// plane, as configuration; the dynamic states to the running data
// plane's cache. The states without a link-layer address (none,
// incomplete, failed) are refused: govrf lets an administrator set
// usable entries only.
func neighSet(c *ctx, l *control.Link, op neighOp, r *neighRequest, mac []byte) error {
	if !l.Kind.IsPort() {
		return rterr.New(syscall.EOPNOTSUPP, "Neighbour entries belong to ports")
	}
	cur, exists := neighCurrent(c, l, r.addr)
	switch {
	case exists && op == opAdd:
		return rterr.New(syscall.EEXIST, "")
	case !exists && op == opChange:
		return rterr.New(syscall.ENOENT, "")
	}
	st := nudState(r.nud)
	if !st.Valid() {
		return rterr.New(syscall.EINVAL, "")
	}
	s := neigh.Static{Addr: r.addr, State: st, Router: r.router, ExternLearn: r.externLearn, Protocol: r.proto}
	if s.Protocol == 0 {
		s.Protocol = cur.Protocol
	}
	switch {
	case mac != nil && len(mac) < len(s.MAC):
		return rterr.New(syscall.EINVAL, "Invalid link address")
	case mac != nil:
		s.MAC = header.MAC(mac[:len(s.MAC)])
	case exists && cur.State.Valid():
		s.MAC = cur.MAC
	default:
		return rterr.New(syscall.EINVAL, "No link layer address given")
	}
	if control.IsConfigured(st) {
		return c.ctl.SetNeighbor(l.Name, s)
	}
	nc, ok := c.plane.(NeighCache)
	if !ok {
		return rterr.New(syscall.EOPNOTSUPP, "Neighbour state "+st.String()+" needs the port of a running govrfd")
	}
	if err := nc.SetNeighbor(l.Index, s); err != nil {
		return err
	}
	if _, ok := l.Neighbor(r.addr); ok {
		// The cache holds the dynamic entry first, so the data plane
		// leaves it when it sees the configured one go.
		return c.ctl.DelNeighbor(l.Name, r.addr)
	}
	return nil
}

// neighDelete is neigh_delete: the configured entry if ip has one (the
// data plane then deletes it from the cache), else the cache's; ENOENT
// for neither.
func neighDelete(c *ctx, l *control.Link, ip netip.Addr) error {
	if _, ok := l.Neighbor(ip); ok {
		return c.ctl.DelNeighbor(l.Name, ip)
	}
	if _, ok := neighCurrent(c, l, ip); ok {
		if nc, ok := c.plane.(NeighCache); ok {
			return nc.DelNeighbor(l.Index, ip)
		}
	}
	return rterr.New(syscall.ENOENT, "")
}

// neighCurrent returns link l's entry for ip as show lists it, if any.
func neighCurrent(c *ctx, l *control.Link, ip netip.Addr) (neigh.Entry, bool) {
	for _, e := range neighEntries(c, l) {
		if e.Addr == ip {
			return e, true
		}
	}
	return neigh.Entry{}, false
}

// nudState returns the state of a single nud bit (0 for NUD_NONE).
func nudState(bit uint32) neigh.State {
	for s := neigh.StateNone; s <= neigh.StatePermanent; s++ {
		if s != neigh.StateNone && nudBit(s) == bit {
			return s
		}
	}
	return neigh.StateNone
}

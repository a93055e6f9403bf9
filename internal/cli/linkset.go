package cli

import (
	"fmt"
	"strings"
	"syscall"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rterr"
)

// linkCreate adds the link a `link add` describes, then applies what the
// kernel applies to a new link in the same request (rtnl_newlink_create:
// group, master, up), removing the link again if that fails.
func linkCreate(c *ctx, req linkReq, table *fib.TableID) error {
	kind, _ := control.ParseKind(req.kind)
	name := req.name
	if name == "" {
		name = freeName(c.ctl.View(), kind.String())
	}
	if err := checkNewName(name); err != nil {
		return err
	}
	warnVXLAN(c.warn, &req)
	spec := control.LinkSpec{Name: name, Kind: kind, Parent: req.parent, Force: req.force, VXLAN: req.vxlan}
	if req.parent != "" && kind != control.KindPacket {
		return errUnsupported("link")
	}
	if kind == control.KindVRF {
		if table == nil {
			// vrf_newlink: no IFLA_VRF_TABLE at all.
			return rterr.New(syscall.EINVAL, "VRF table id is missing")
		}
		spec.Table = *table
	}
	if req.mtu != nil {
		spec.MTU = *req.mtu
	}
	if req.mac != nil {
		if len(req.mac) != len(control.MAC{}) {
			return rterr.New(syscall.EINVAL, "")
		}
		spec.MAC = new(control.MAC)
		copy(spec.MAC[:], req.mac)
	}
	if err := c.ctl.AddLink(spec); err != nil {
		return err
	}
	ch := control.LinkChange{Group: req.group, Master: req.master, Up: req.up}
	if ch == (control.LinkChange{}) {
		return nil
	}
	if err := c.ctl.SetLink(name, ch); err != nil {
		c.ctl.DelLink(name)
		return err
	}
	return nil
}

// freeName picks the name the kernel gives an unnamed link: the kind and
// the lowest free number (dev_alloc_name on "dummy%d").
func freeName(s *control.Snapshot, kind string) string {
	for i := 0; ; i++ {
		if n := fmt.Sprintf("%s%d", kind, i); s.LinkByName(n) == nil {
			return n
		}
	}
}

// linkChange applies `link set` (do_setlink).
func linkChange(c *ctx, l *control.Link, req linkReq) error {
	if req.hasKind {
		// rtnl_newlink on an existing link: the kind must be the link's,
		// and neither dummy nor vrf can change its parameters.
		if req.kind != l.Kind.String() || len(req.kindArgs) > 0 {
			return rterr.New(syscall.EOPNOTSUPP, "")
		}
	}
	ch := control.LinkChange{Up: req.up, MTU: req.mtu, Group: req.group, Master: req.master}
	if req.name != "" {
		if err := checkNewName(req.name); err != nil {
			return err
		}
		ch.Name = &req.name
	}
	if req.mac != nil {
		mac, err := checkSetMAC(l, req.mac)
		if err != nil {
			return err
		}
		ch.MAC = &mac
	}
	if err := c.ctl.SetLink(l.Name, ch); err != nil {
		return err
	}
	if a, ok := c.plane.(PortAdmin); ok && req.up != nil && l.Kind == control.KindPacket {
		// The port owns its interface: its admin state follows.
		if err := a.SetPortUp(l.Index, *req.up); err != nil {
			return failf(exitRefused, "Error: %s is set %s, but its interface %s is not: %v", l.Name, upDown(*req.up), l.Parent, err)
		}
	}
	return nil
}

func upDown(up bool) string {
	if up {
		return "up"
	}
	return "down"
}

// checkSetMAC applies the checks of dev_set_mac_address and eth_mac_addr:
// a VRF device has no way to change its address, a running device
// without IFF_LIVE_ADDR_CHANGE (the loopback) is busy, and the address
// must be a unicast, non-zero Ethernet address.
func checkSetMAC(l *control.Link, b []byte) (control.MAC, error) {
	var m control.MAC
	copy(m[:], b)
	switch {
	case l.Kind == control.KindVRF:
		return m, rterr.New(syscall.EOPNOTSUPP, "")
	case l.Kind == control.KindLoopback && l.Up:
		return m, rterr.New(syscall.EBUSY, "")
	case m == control.MAC{} || m[0]&1 != 0:
		return m, rterr.New(syscall.EADDRNOTAVAIL, "")
	}
	return m, nil
}

// checkNewName applies the kernel's rules for a new link name: shorter
// than IFNAMSIZ (the IFLA_IFNAME policy), and dev_valid_name.
func checkNewName(name string) error {
	if len(name) >= 16 {
		return rterr.New(syscall.EINVAL, "Attribute failed policy validation")
	}
	if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/: \t\n\v\f\r") {
		return rterr.New(syscall.EINVAL, "")
	}
	return nil
}

// altIfname is iproute2's check_altifname: non-empty, no '/' and no white
// space.
func altIfname(name string) bool {
	return name != "" && !strings.ContainsAny(name, "/ \t\n\v\f\r")
}

// parseLLAddr reads a link-layer address as ll_addr_a2n does: a dotted
// IPv4 address (4 bytes), or up to 32 colon-separated hex bytes, each read
// by sscanf("%x") so that trailing junk in a byte is ignored.
func parseLLAddr(arg string) ([]byte, error) {
	if strings.Contains(arg, ".") {
		ip, ok := scanAddr(arg, 4)
		if !ok || ip.Any {
			return nil, failf(exitSyntax, "%q is invalid lladdr.", arg)
		}
		b := ip.Addr.As4()
		return b[:], nil
	}
	var out []byte
	for i := 0; i < 32; i++ {
		part, rest, more := strings.Cut(arg, ":")
		v, _, _, digits, overflow := cNumber(part, 16)
		neg := strings.HasPrefix(strings.TrimLeft(part, " \t\n\v\f\r"), "-")
		if !digits {
			return nil, failf(exitSyntax, "%q is invalid lladdr.", part)
		}
		if neg || overflow || v > 255 {
			return nil, failf(exitSyntax, "%q is invalid lladdr.", part)
		}
		out = append(out, byte(v))
		if !more {
			break
		}
		arg = rest
	}
	return out, nil
}

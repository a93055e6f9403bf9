package cli

import (
	"fmt"
	"io"
	"net/netip"
	"strconv"

	"github.com/govrf/govrf/internal/control"
)

// vxlanKindUsage is `link add type vxlan help` (iplink_vxlan.c
// print_explain, the options govrf takes).
const vxlanKindUsage = `Usage: ... vxlan id VNI
		[ remote IP_ADDRESS ]
		[ local ADDR ]
		[ ttl TTL ]
		[ dstport PORT ]
		[ srcport MIN MAX ]
		[ [no]learning ]
		[ ageing SECONDS ]

Where:	VNI	:= 0-16777215
	ADDR	:= { IP_ADDRESS | any }
	TTL	:= { 1..255 | auto }

A VXLAN port: govrfd carries NAME's frames in UDP to the remote tunnel
endpoints of its forwarding database (govrf bridge fdb), routing the
outer packets in the default VRF, and takes the frames of VNI that
arrive for one of its default VRF's addresses. No kernel device is made.`

// vxlanNoPort is ip's warning when `dstport` is not given (the kernel
// then uses 8472).
const vxlanNoPort = `vxlan: destination port not specified
Will use Linux kernel default (non-standard value)
Use 'dstport 4789' to get the IANA assigned value
Use 'dstport 0' to get default and quiet this message
`

// parseVXLANArgs reads `type vxlan ARGS` as vxlan_parse_opt does into
// req.vxlan; req.vxlanNoPort is set when dstport was not given.
func parseVXLANArgs(req *linkReq) error {
	vx := &control.VXLAN{Learning: true}
	a := &args{w: req.kindArgs}
	seen := map[string]bool{}
	dup := func(key, v string) error {
		if seen[key] {
			return errDuplicate(key, v)
		}
		seen[key] = true
		return nil
	}
	family := 0
	addr := func(key, msg string) (netip.Addr, error) {
		v, err := a.value()
		if err != nil {
			return netip.Addr{}, err
		}
		if err := dup(key, v); err != nil {
			return netip.Addr{}, err
		}
		ia, err := parseAddr(v, family)
		if err != nil {
			return netip.Addr{}, err
		}
		if ia.Any || ia.Addr.IsMulticast() {
			if ia.Any && key == "local" {
				return netip.Addr{}, nil
			}
			return netip.Addr{}, errInvArg(msg, v)
		}
		family = 4
		if ia.Addr.Is6() {
			family = 6
		}
		return ia.Addr, nil
	}
	for a.more() {
		w := a.next()
		var err error
		switch {
		case matches(w, "id") || matches(w, "vni"):
			v, err := a.value()
			if err != nil {
				return err
			}
			if err := dup("id", v); err != nil {
				return err
			}
			n, perr := strconv.ParseUint(v, 0, 32)
			if perr != nil || n >= 1<<24 {
				return errInvArg("invalid id", v)
			}
			vx.VNI = uint32(n)
		case matches(w, "remote"):
			vx.Remote, err = addr("remote", "invalid remote address")
		case matches(w, "local"):
			vx.Local, err = addr("local", "invalid local address")
		case matches(w, "ttl") || matches(w, "hoplimit"):
			err = parseVXLANTTL(a, vx, dup)
		case matches(w, "port") || matches(w, "srcport"):
			err = parseVXLANSrcPort(a, vx, dup)
		case matches(w, "dstport"):
			v, err := a.value()
			if err != nil {
				return err
			}
			if err := dup("dstport", v); err != nil {
				return err
			}
			n, perr := strconv.ParseUint(v, 0, 16)
			if perr != nil {
				return errInvArg("dst port", v)
			}
			vx.Port = uint16(n)
		case matches(w, "ageing"):
			v, err := a.value()
			if err != nil {
				return err
			}
			if err := dup("ageing", v); err != nil {
				return err
			}
			n, perr := strconv.ParseUint(v, 0, 32)
			switch {
			case v == "none":
				n = 0
			case perr != nil:
				return errInvArg("ageing timer", v)
			}
			vx.Ageing = uint32(n)
		case matches(w, "nolearning") || matches(w, "learning"):
			if seen["learning"] {
				return errDuplicate(w, w)
			}
			seen["learning"] = true
			vx.Learning = matches(w, "learning")
		case matches(w, "help"):
			return failf(exitSyntax, "%s", vxlanKindUsage)
		default:
			return errUnsupported(w)
		}
		if err != nil {
			return err
		}
	}
	if !seen["id"] {
		return failf(exitSyntax, "vxlan: missing virtual network identifier")
	}
	req.vxlan = vx
	req.vxlanNoPort = !seen["dstport"]
	return nil
}

// parseVXLANTTL reads `ttl { 1..255 | auto }`.
func parseVXLANTTL(a *args, vx *control.VXLAN, dup func(string, string) error) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	if err := dup("ttl", v); err != nil {
		return err
	}
	switch v {
	case "auto":
		vx.TTL = 0
		return nil
	case "inherit":
		return errUnsupported("ttl inherit")
	}
	n, perr := strconv.ParseUint(v, 0, 32)
	switch {
	case perr != nil:
		return errInvArg("invalid TTL", v)
	case n > 255:
		return errInvArg("TTL must be <= 255", v)
	}
	vx.TTL = uint8(n)
	return nil
}

// parseVXLANSrcPort reads `srcport MIN MAX`.
func parseVXLANSrcPort(a *args, vx *control.VXLAN, dup func(string, string) error) error {
	lo, err := a.value()
	if err != nil {
		return err
	}
	if err := dup("srcport", lo); err != nil {
		return err
	}
	l, perr := strconv.ParseUint(lo, 0, 16)
	if perr != nil {
		return errInvArg("min port", lo)
	}
	hi, err := a.value()
	if err != nil {
		return err
	}
	h, perr := strconv.ParseUint(hi, 0, 16)
	if perr != nil {
		return errInvArg("max port", hi)
	}
	vx.SrcPortLow, vx.SrcPortHigh = uint16(l), uint16(h)
	return nil
}

// printVXLAN prints a VXLAN link's info_data as vxlan_print_opt does.
func printVXLAN(p *printer, vx *control.VXLAN) {
	p.openObject("info_data")
	p.uint(printAny, "id", "id %d ", uint64(vx.VNI))
	if vx.Remote.IsValid() {
		key := "remote"
		if vx.Remote.Is6() {
			key = "remote6"
		}
		p.str(printAny, key, "remote %s ", vx.Remote.String())
	}
	if vx.Local.IsValid() {
		key := "local"
		if vx.Local.Is6() {
			key = "local6"
		}
		p.str(printAny, key, "local %s ", vx.Local.String())
	}
	if p.isJSON() {
		p.openObject("port_range")
		p.uint(printJSON, "low", "", uint64(vx.SrcPortLow))
		p.uint(printJSON, "high", "", uint64(vx.SrcPortHigh))
		p.closeObject()
	} else {
		p.textf("srcport %d %d ", vx.SrcPortLow, vx.SrcPortHigh)
	}
	p.uint(printAny, "port", "dstport %d ", uint64(vx.Port))
	if !vx.Learning {
		p.bool(printAny, "learning", "nolearning ", false)
	} else {
		p.bool(printJSON, "learning", "", true)
	}
	if vx.TTL != 0 || p.isJSON() {
		p.uint(printAny, "ttl", "ttl %d ", uint64(vx.TTL))
	} else {
		p.textf("ttl auto ")
	}
	p.str(printJSON, "df", "", "unset")
	p.uint(printAny, "ageing", "ageing %d ", uint64(vx.Ageing))
	p.bool(printAny, "udp_csum", "udpcsum ", true)
	p.bool(printAny, "udp_zero_csum6_tx", "noudp6zerocsumtx ", false)
	p.bool(printAny, "udp_zero_csum6_rx", "noudp6zerocsumrx ", false)
	p.closeObject()
}

// warnVXLAN writes ip's warning for a vxlan link made without dstport.
func warnVXLAN(w io.Writer, req *linkReq) {
	if req.vxlanNoPort && w != nil {
		fmt.Fprint(w, vxlanNoPort)
	}
}

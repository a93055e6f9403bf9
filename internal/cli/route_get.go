package cli

import (
	"fmt"
	"net/netip"

	"github.com/govrf/govrf/internal/control"
)

// getReq is a `route get` request as iproute_get reads it.
type getReq struct {
	q          control.RouteQuery
	family     int
	uid        uint32
	idev, odev string
	fromOK     bool
	dstOK      bool
	connected  bool
	notify     bool
}

// getOpts are iproute_get's keywords in its order of tests ("d" is
// dsfield, "s" sport).
var getOpts []struct {
	name   string
	prefix bool
	parse  func(g *getReq, c *ctx, a *args, kw string) error
}

func init() {
	getOpts = []struct {
		name   string
		prefix bool
		parse  func(g *getReq, c *ctx, a *args, kw string) error
	}{
		{"tos", false, (*getReq).parseTos},
		{"dsfield", true, (*getReq).parseTos},
		{"from", true, (*getReq).parseFrom},
		{"iif", true, func(g *getReq, c *ctx, a *args, kw string) (err error) { g.idev, err = a.value(); return }},
		{"mark", true, (*getReq).parseMark},
		{"oif", true, func(g *getReq, c *ctx, a *args, kw string) (err error) { g.odev, err = a.value(); return }},
		{"dev", false, func(g *getReq, c *ctx, a *args, kw string) (err error) { g.odev, err = a.value(); return }},
		{"notify", true, func(g *getReq, c *ctx, a *args, kw string) error { g.notify = true; return nil }},
		{"connected", true, func(g *getReq, c *ctx, a *args, kw string) error { g.connected = true; return nil }},
		{"vrf", true, (*getReq).parseVRF},
		{"uid", true, (*getReq).parseUID},
		{"fibmatch", true, func(g *getReq, c *ctx, a *args, kw string) error { g.q.Fibmatch = true; return nil }},
		{"as", false, (*getReq).parseAs},
		{"sport", true, (*getReq).parsePort},
		{"dport", true, (*getReq).parsePort},
		{"ipproto", true, (*getReq).parseIPProto},
		{"flowlabel", false, (*getReq).parseFlowLabel},
	}
}

// routeGet runs `route get ADDRESS [...]` through Control.RouteGet and
// prints the answer as ip prints the kernel's.
func routeGet(c *ctx, a *args) error {
	g := &getReq{family: c.opts.Family}
	for a.more() {
		if err := g.parseWord(c, a); err != nil {
			return err
		}
	}
	if !g.dstOK {
		return &cmdError{"need at least a destination address", exitSyntax}
	}
	s := c.ctl.View()
	for _, d := range []struct {
		name string
		idx  *int
	}{{g.idev, &g.q.Iif}, {g.odev, &g.q.Oif}} {
		if d.name == "" {
			continue
		}
		if *d.idx = linkIndex(s, d.name); *d.idx == 0 {
			return errNoDevice(d.name)
		}
	}
	if !g.q.Dst.IsValid() { // "default", "any": no destination attribute
		g.q.Dst = zeroAddr(g.family)
	}
	ans, err := c.ctl.View().RouteGet(g.q)
	if err != nil {
		return err
	}
	m, err := g.answerMsg(s, &ans)
	if err != nil {
		return err
	}
	p := c.newPrinter()
	printRoute(p, c, &m, &routeHides{})
	p.close()
	if g.connected && !g.fromOK {
		// ip asks again with the same request and prints the answer
		// outside its JSON array.
		printRoute(textPrinter(c), c, &m, &routeHides{})
	}
	return nil
}

// parseWord reads one keyword or the destination.
func (g *getReq) parseWord(c *ctx, a *args) error {
	kw := a.next()
	for _, o := range getOpts {
		if kw == o.name || o.prefix && matches(kw, o.name) {
			return o.parse(g, c, a, kw)
		}
	}
	if kw == "to" {
		var err error
		if kw, err = a.value(); err != nil {
			return err
		}
	}
	if matches(kw, "help") {
		return routeHelp(c, a)
	}
	dst, err := parsePrefix(kw, g.family)
	if err != nil {
		return err
	}
	g.setFamily(dst.Family())
	host := 32
	if g.family == 6 {
		host = 128
	}
	if dst.Bits != host && g.family != 0 {
		fmt.Fprintf(c.warn, "Warning: /%d as prefix is invalid, only /%d (or none) is supported.\n", dst.Bits, host)
	}
	g.q.Dst, g.dstOK = dst.Addr, true
	return nil
}

func (g *getReq) setFamily(f int) {
	if g.family == 0 {
		g.family = f
	}
}

func (g *getReq) parseTos(c *ctx, a *args, kw string) (err error) {
	g.q.Tos, err = argValue(a, parseDSField, "TOS value is invalid\n")
	return err
}

func (g *getReq) parseFrom(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	if matches(v, "help") {
		return routeHelp(c, a)
	}
	src, err := parsePrefix(v, g.family)
	if err != nil {
		return err
	}
	g.setFamily(src.Family())
	g.q.Src, g.fromOK = src.Addr, true
	return nil
}

func (g *getReq) parseMark(c *ctx, a *args, kw string) (err error) {
	g.q.Mark, err = argValue(a, scanU32, "invalid mark value")
	return err
}

func (g *getReq) parseVRF(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	if l := c.ctl.View().LinkByName(v); l == nil || !l.IsVRF() {
		return errInvArg("Invalid VRF\n", v)
	}
	g.odev = v
	return nil
}

func (g *getReq) parseUID(c *ctx, a *args, kw string) (err error) {
	g.uid, err = argValue(a, scanU32, "invalid UID\n")
	return err
}

// parseAs reads `as [to] ADDR`, which route lookups ignore.
func (g *getReq) parseAs(c *ctx, a *args, kw string) error {
	addr, err := asAddr(a, g.family)
	g.setFamily(addr.Family())
	return err
}

func (g *getReq) parsePort(c *ctx, a *args, kw string) (err error) {
	if matches(kw, "dport") {
		g.q.Dport, err = argValue(a, scanU16, "invalid dport\n")
	} else {
		g.q.Sport, err = argValue(a, scanU16, "invalid sport\n")
	}
	return err
}

func (g *getReq) parseIPProto(c *ctx, a *args, kw string) (err error) {
	g.q.IPProto, err = argValue(a, parseIPProto, "Invalid \"ipproto\" value\n")
	return err
}

// parseFlowLabel reads `flowlabel NUMBER` (get_be32, any base), the IPv6
// flow label the multipath hash reads; RouteGet refuses one beyond 20
// bits, as the kernel does.
func (g *getReq) parseFlowLabel(c *ctx, a *args, kw string) (err error) {
	g.q.FlowLabel, err = argValue(a, scanU32, "invalid flowlabel")
	return err
}

// zeroAddr is the unspecified address of family (IPv4 for 0).
func zeroAddr(family int) netip.Addr {
	if family == 6 {
		return netip.IPv6Unspecified()
	}
	return netip.IPv4Unspecified()
}

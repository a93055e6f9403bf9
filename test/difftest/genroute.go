package difftest

import (
	"fmt"
	"net/netip"
	"slices"
)

// route adds a random route of family fam: any type, any table, with
// random attributes, some of which Linux refuses (the acceptance of every
// line is compared too).
func (g *generator) route(fam int) {
	verb := "add"
	switch n := g.r.IntN(100); {
	case n < 5:
		verb = "append"
	case n < 10:
		verb = "replace"
	}
	types := []string{"unicast", "unicast", "unicast", "unicast", "unicast", "multipath",
		"local", "blackhole", "blackhole", "unreachable", "unreachable", "prohibit", "throw", "throw", "throw"}
	if fam == 4 {
		types = append(types, "broadcast")
	}
	typ := pick(g.r, types)
	w := []string{"route", verb}
	if typ != "unicast" && typ != "multipath" {
		w = append(w, typ)
	}
	w = append(w, g.routePrefix(fam).String())
	switch typ {
	case "unicast":
		w = append(w, g.nexthop(fam, false)...)
	case "local", "broadcast":
		w = append(w, "dev", pick(g.r, g.cfg.Pool.Links))
	}
	switch n := g.r.IntN(100); {
	case n < 5:
		w = append(w, "table", "local")
	case n < 25:
		// main, implicitly
	case n < 45:
		w = append(w, "table", "main")
	default:
		w = append(w, "table", pick(g.r, g.tables))
	}
	w = append(w, g.routeAttrs(fam)...)
	if typ == "multipath" { // ip wants the nexthops last
		for range 2 + g.r.IntN(2) {
			w = append(w, "nexthop")
			w = append(w, g.nexthop(fam, true)...)
			if g.chance(70) {
				w = append(w, "weight", fmt.Sprint(1+g.r.IntN(3)))
			}
		}
	}
	g.cfg.Cmds = append(g.cfg.Cmds, Cmd{Family: fam, Words: w})
}

// routePrefix returns a destination: the default, one near a configured
// subnet (covering it, inside it, or equal), or a random one.
func (g *generator) routePrefix(fam int) netip.Prefix {
	subs := g.subnets(fam)
	switch n := g.r.IntN(100); {
	case n < 12:
		if fam == 4 {
			return netip.MustParsePrefix("0.0.0.0/0")
		}
		return netip.MustParsePrefix("::/0")
	case n < 40 && len(subs) > 0:
		s := pick(g.r, subs).prefix
		bits := min(max(s.Bits()+g.r.IntN(9)-4, 0), s.Addr().BitLen())
		return netip.PrefixFrom(s.Addr(), bits).Masked()
	case fam == 4:
		return g.prefix4(pick(g.r, []int{8, 12, 16, 20, 23, 24, 24, 25, 28, 30, 31, 32}))
	default:
		return g.prefix6(pick(g.r, []int{16, 32, 48, 56, 64, 64, 96, 120, 127, 128}))
	}
}

// nexthop returns a unicast nexthop: a device, or a gateway on a
// connected subnet (with or without its device), or an arbitrary gateway
// (then usually onlink). In a multipath route a nexthop always has one.
func (g *generator) nexthop(fam int, multipath bool) []string {
	dev := pick(g.r, g.cfg.Pool.Links)
	subs := g.subnets(fam)
	var gw netip.Addr
	onlink := false
	switch n := g.r.IntN(100); {
	case n < 20 && !multipath:
		return []string{"dev", dev}
	case n < 70 && len(subs) > 0:
		s := pick(g.r, subs)
		gw, dev = g.hostIn(s.prefix.Masked()), s.link
	case n < 80 && fam == 6:
		gw = netip.AddrFrom16([16]byte{0: 0xfe, 1: 0x80, 15: byte(1 + g.r.IntN(4))})
	case n < 85:
		gw = pick(g.r, g.cfg.Pool.Local) // refused when local; family may differ
		if gw.Is4() != (fam == 4) {
			gw = g.hostIn(g.routePrefix(fam))
		}
	default:
		gw, onlink = g.hostIn(g.routePrefix(fam)), g.chance(70)
	}
	w := []string{"via", gw.String()}
	if multipath || gw.IsLinkLocalUnicast() || onlink || g.chance(60) {
		w = append(w, "dev", dev)
	}
	if onlink {
		w = append(w, "onlink")
	}
	return w
}

// routeAttrs returns random metric, tos, protocol, scope and src options.
func (g *generator) routeAttrs(fam int) []string {
	var w []string
	if g.chance(30) {
		w = append(w, "metric", fmt.Sprint(pick(g.r, []int{0, 1, 10, 100, 256, 1024})))
	}
	if fam == 4 && g.chance(10) {
		t := pick(g.r, []uint8{0x04, 0x08, 0x10, 0x10, 0x1c, 0x03})
		g.cfg.Pool.Tos = append(g.cfg.Pool.Tos, t)
		w = append(w, "tos", fmt.Sprintf("0x%02x", t))
	}
	if g.chance(15) {
		w = append(w, "proto", pick(g.r, []string{"static", "boot", "kernel", "99"}))
	}
	if g.chance(10) {
		w = append(w, "scope", pick(g.r, []string{"link", "host", "global"}))
	}
	if g.chance(15) {
		var src netip.Addr
		for _, a := range g.r.Perm(len(g.cfg.Pool.Local)) {
			if l := g.cfg.Pool.Local[a]; l.Is4() == (fam == 4) {
				src = l
				break
			}
		}
		if !src.IsValid() || g.chance(15) {
			src = g.hostIn(g.routePrefix(fam))
		}
		w = append(w, "src", src.String())
	}
	return w
}

// rule adds a random policy rule of family fam.
func (g *generator) rule(fam int) {
	w := []string{"rule", "add"}
	if g.chance(10) {
		w = append(w, "not")
	}
	sel := func(pct int, words ...string) {
		if g.chance(pct) {
			w = append(w, words...)
		}
	}
	sel(35, "from", g.selPrefix(fam))
	sel(30, "to", g.selPrefix(fam))
	sel(15, "iif", pick(g.r, append([]string{"lo"}, g.cfg.Pool.Links...)))
	sel(15, "oif", pick(g.r, append([]string{"lo"}, g.cfg.Pool.Links...)))
	if g.chance(20) {
		m := pick(g.r, []uint32{1, 2, 3, 0x10})
		g.cfg.Pool.Marks = append(g.cfg.Pool.Marks, m)
		if g.chance(30) {
			w = append(w, "fwmark", fmt.Sprintf("0x%x/0x%x", m, pick(g.r, []uint32{0x1, 0x3, 0xff})))
		} else {
			w = append(w, "fwmark", fmt.Sprintf("0x%x", m))
		}
	}
	if g.chance(10) {
		t := pick(g.r, []uint8{0x04, 0x08, 0x10, 0x1c})
		g.cfg.Pool.Tos = append(g.cfg.Pool.Tos, t)
		w = append(w, "tos", fmt.Sprintf("0x%02x", t))
	}
	if g.chance(12) {
		w = append(w, "ipproto", pick(g.r, []string{"tcp", "udp"}))
	}
	sel(8, "sport", pick(g.r, []string{"22", "53", "1000-2000"}))
	sel(8, "dport", pick(g.r, []string{"80", "443", "53", "1000-2000"}))
	pref := 0
	if g.chance(75) {
		pref = 100 * (1 + g.r.IntN(40))
		w = append(w, "pref", fmt.Sprint(pref))
	}
	w = append(w, g.ruleAction(fam, pref)...)
	if g.chance(15) {
		w = append(w, "suppress_prefixlength", fmt.Sprint(pick(g.r, []int{0, 8, 16, 24, 32, 48, 64})))
	}
	if pref != 0 {
		g.prefs[fam] = append(g.prefs[fam], pref)
	}
	g.cfg.Cmds = append(g.cfg.Cmds, Cmd{Family: fam, Words: w})
}

// selPrefix returns a rule's from/to selector: "all", a configured subnet
// (or a part of one) or a random prefix.
func (g *generator) selPrefix(fam int) string {
	if g.chance(8) {
		return "all"
	}
	return g.routePrefix(fam).String()
}

// ruleAction returns the action: a table (often main), goto to a later
// rule, nop, or a terminal type.
func (g *generator) ruleAction(fam, pref int) []string {
	switch n := g.r.IntN(100); {
	case n < 8:
		var later []int
		for _, p := range g.prefs[fam] {
			if p > pref {
				later = append(later, p)
			}
		}
		if len(later) == 0 || g.chance(10) {
			return []string{"goto", fmt.Sprint(100 * (1 + g.r.IntN(40)))}
		}
		slices.Sort(later)
		return []string{"goto", fmt.Sprint(pick(g.r, later))}
	case n < 13:
		return []string{"nop"}
	case n < 21:
		return []string{"blackhole"}
	case n < 29:
		return []string{"unreachable"}
	case n < 34:
		return []string{"prohibit"}
	case n < 50:
		return []string{"lookup", "main"}
	case n < 53:
		return []string{"table", pick(g.r, []string{"local", "default", "99"})}
	default:
		return []string{pick(g.r, []string{"table", "lookup"}), pick(g.r, g.tables)}
	}
}

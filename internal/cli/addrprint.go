package cli

import "github.com/govrf/govrf/internal/control"

// printAddrs prints the link's addresses (print_selected_addrinfo): an
// "addr_info" array in JSON, in which an address failing the filters is
// an empty object as in ip's output; brief output ends the line. The
// kernel dumps addresses family by family, so IPv4 comes first.
func (lp *linkPrinter) printAddrs() {
	p, l := lp.p, lp.l
	p.openArray(printJSON, "addr_info", "")
	for _, fam := range []int{4, 6} {
		for i := range l.Addrs {
			a := &l.Addrs[i]
			if familyOf(a.Is4()) != fam || lp.f.family != 0 && lp.f.family != fam || lp.f.up && !l.Up {
				continue
			}
			p.openObject("")
			if lp.f.addrMatches(lp.s, l, a) {
				lp.printAddr(a)
			}
			p.closeObject()
		}
	}
	p.closeArray(printJSON, "")
	if lp.opts.Brief {
		p.textf("\n")
	}
}

// printAddr prints one address as print_addrinfo does. Addresses never
// expire, so both lifetimes are forever (INFINITY_LIFE_TIME in JSON).
func (lp *linkPrinter) printAddr(a *control.Addr) {
	p := lp.p
	fam := "inet6"
	if a.Is4() {
		fam = "inet"
	}
	if !lp.opts.Brief {
		if lp.opts.Oneline {
			p.int(printJSON, "index", "", int64(lp.l.Index))
			p.str(printJSON, "dev", "", lp.l.Name)
			p.textf("%d: %s", lp.l.Index, lp.l.Name)
		}
		p.str(printAny, "family", "    %s ", fam)
	}
	p.str(printAny, "local", "%s", a.Prefix.Addr().String())
	p.int(printAny, "prefixlen", "/%d ", int64(a.Prefix.Bits()))
	if a.Metric != 0 {
		p.uint(printAny, "metric", "metric %d ", uint64(a.Metric))
	}
	if lp.opts.Brief {
		return
	}
	if a.Broadcast.IsValid() {
		p.textf("brd ")
		p.str(printAny, "broadcast", "%s ", a.Broadcast.String())
	}
	p.str(printAny, "scope", "scope %s ", scopeName(a.Scope))
	lp.printAddrFlags(a)
	if a.Is4() {
		p.str(printAny, "label", "%s", addrLabel(lp.l, a))
	}
	const forever = 0xffffffff
	p.nl()
	p.textf("       valid_lft ")
	p.uint(printJSON, "valid_life_time", "", forever)
	p.textf("forever")
	p.textf(" preferred_lft ")
	p.uint(printJSON, "preferred_life_time", "", forever)
	p.textf("forever")
	p.textf("\n")
}

// printAddrFlags prints the flags in ifa_flag_data's order; an address
// without IFA_F_PERMANENT would be "dynamic".
func (lp *linkPrinter) printAddrFlags(a *control.Addr) {
	p, flags := lp.p, addrFlags(a)
	for _, fl := range ifaFlags {
		switch {
		case fl.mask == ifaPermanent:
			if flags&fl.mask == 0 {
				p.bool(printAny, "dynamic", "dynamic ", true)
			}
		case flags&fl.mask != 0:
			if fl.mask == ifaSecondary && !a.Is4() {
				p.bool(printAny, "temporary", "temporary ", true)
			} else {
				p.textf("%s ", fl.name)
				p.bool(printJSON, fl.name, "", true)
			}
		}
		flags &^= fl.mask
	}
}

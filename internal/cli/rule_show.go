package cli

import (
	"fmt"
	"net/netip"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rule"
)

// ruleFilter is the selector of `rule show` and `rule flush`
// (ip/iprule.c filter): zero fields select anything.
type ruleFilter struct {
	pref           uint32
	prefOK         bool
	not            bool
	tos            uint8
	tosOK          bool
	mark, mask     uint32
	iif, oif       string
	iifOK, oifOK   bool
	l3mdev         bool
	uidrange       bool
	tunID          bool
	table          fib.TableID
	src, dst       inetArg
	srcOK, dstOK   bool
	proto          fib.Proto
	protoOK        bool // only `rule flush` compares the protocol
	ipproto        uint8
	sport, dport   rule.PortRange
	sportOK, dptOK bool
}

// ruleList runs `rule show|flush [SELECTOR]` for the family of -4/-6
// (IPv4 by default).
func ruleList(c *ctx, a *args, flush bool) error {
	var f ruleFilter
	for a.more() {
		if err := f.parseWord(c, a); err != nil {
			return err
		}
	}
	fam := fib.IPv4
	if c.opts.Family == 6 {
		fam = fib.IPv6
	}
	p := c.newPrinter()
	defer p.close()
	s := c.ctl.View()
	list := s.RuleList(fam)
	for i, r := range s.Rules(fam) {
		if !f.keep(&r, fam) {
			continue
		}
		if !flush {
			printRule(p, c, &r, list, i)
			continue
		}
		if r.Pref == 0 || f.protoOK && r.Proto != f.proto {
			continue // ip deletes by the dump, which has no priority for 0
		}
		if err := c.ctl.DelRule(fam, r, true); err != nil {
			return returnf(exitUsage, "%s\nDump terminated", message(err))
		}
	}
	return nil
}

// keep is filter_nlmsg for rules.
func (f *ruleFilter) keep(r *rule.Rule, fam fib.Family) bool {
	switch {
	case f.prefOK && r.Pref != f.pref,
		f.not && !r.Invert,
		f.srcOK && !ruleAddrMatch(f.src, r.Src, fam),
		f.dstOK && !ruleAddrMatch(f.dst, r.Dst, fam),
		f.tosOK && f.tos != r.Tos,
		f.mark != 0 && r.Mark != f.mark,
		f.mask != 0 && r.Mask != f.mask,
		f.iifOK && r.Iif != f.iif,
		f.oifOK && r.Oif != f.oif,
		f.l3mdev && !r.L3mdev,
		f.uidrange, f.tunID,
		f.ipproto != 0 && r.IPProto != f.ipproto,
		f.sportOK && f.sport.Lo != 0 && r.Sport != f.sport,
		f.dptOK && f.dport.Lo != 0 && r.Dport != f.dport,
		f.table != 0 && r.Table != f.table:
		return false
	}
	return true
}

// ruleAddrMatch tests a rule prefix p against selector sel: the family,
// a selector no longer than the rule's prefix, and equal leading bits.
func ruleAddrMatch(sel inetArg, p netip.Prefix, fam fib.Family) bool {
	bits := 0
	if p.IsValid() {
		bits = p.Bits()
	}
	if sel.Family() != int(fam) || sel.Bits > bits {
		return false
	}
	if !p.IsValid() || sel.Bits <= 0 {
		return true
	}
	return prefixMatch(p.Addr(), sel, sel.Bits)
}

// printRule prints one rule as print_rule does.
func printRule(p *printer, c *ctx, r *rule.Rule, list *rule.List, i int) {
	p.openObject("")
	p.uint(printAny, "priority", "%d:\t", uint64(r.Pref))
	if r.Invert {
		p.null(printAny, "not", "%s", "not ")
	}
	printRulePrefix(p, "src", "from", r.Src)
	printRulePrefix(p, "dst", "to", r.Dst)
	if r.Tos != 0 {
		p.str(printAny, "tos", " tos %s", dsfieldName(r.Tos))
	}
	if r.Mark != 0 || r.Mask != 0 {
		p.str(printAny, "fwmark", " fwmark %s", cHex(r.Mark))
		if r.Mask != 0xffffffff {
			p.str(printAny, "fwmask", "/%s", cHex(r.Mask))
		}
	}
	iifDetached, oifDetached := list.Detached(i)
	printRuleDev(p, "iif", r.Iif, iifDetached)
	printRuleDev(p, "oif", r.Oif, oifDetached)
	if r.L3mdev {
		p.null(printAny, "l3mdev", "%s", " lookup [l3mdev-table]")
	}
	if r.IPProto != 0 {
		p.str(printAny, "ipproto", " ipproto %s", ipProtoName(r.IPProto))
	}
	printRulePorts(p, "sport", r.Sport)
	printRulePorts(p, "dport", r.Dport)
	if r.Table != 0 {
		p.str(printAny, "table", " lookup %s", tableName(r.Table))
		if r.SuppressPrefixlen != -1 {
			p.int(printAny, "suppress_prefixlen", " suppress_prefixlength %d", int64(r.SuppressPrefixlen))
		}
		if r.SuppressIfgroup != -1 {
			p.str(printAny, "suppress_ifgroup", " suppress_ifgroup %s", groupName(r.SuppressIfgroup))
		}
	}
	printRuleAction(p, r, list.Unresolved(i))
	if r.Proto != fib.ProtoUnspec && r.Proto != fib.ProtoKernel || c.opts.Details {
		p.str(printAny, "protocol", " proto %s", protoName(r.Proto))
	}
	p.nl()
	p.closeObject()
}

// printRulePrefix prints `from P` (always, "all" when none) or ` to P`.
func printRulePrefix(p *printer, key, word string, pfx netip.Prefix) {
	sep := " "
	if key == "src" {
		sep = ""
	}
	if !pfx.IsValid() || pfx.Bits() == 0 {
		if key == "src" {
			p.str(printAny, "src", "from %s", "all")
		}
		return
	}
	p.textf("%s%s ", sep, word)
	p.str(printAny, key, "%s", pfx.Addr().String())
	if pfx.Bits() != pfx.Addr().BitLen() {
		p.uint(printAny, key+"len", "/%d", uint64(pfx.Bits()))
	}
}

// printRuleDev prints ` iif NAME [detached]`.
func printRuleDev(p *printer, key, name string, detached bool) {
	if name == "" {
		return
	}
	p.textf(" %s ", key)
	p.str(printAny, key, "%s", name)
	if detached {
		p.null(printAny, key+"_detached", "%s", " [detached]")
	}
}

// printRulePorts prints ` sport N` or ` sport N-M`.
func printRulePorts(p *printer, key string, r rule.PortRange) {
	switch {
	case r == rule.PortRange{}:
	case r.Lo == r.Hi:
		p.uint(printAny, key, " "+key+" %d", uint64(r.Lo))
	default:
		p.uint(printAny, key+"_start", " "+key+" %d", uint64(r.Lo))
		p.uint(printAny, key+"_end", "-%d", uint64(r.Hi))
	}
}

// printRuleAction prints the action unless it is a table lookup.
func printRuleAction(p *printer, r *rule.Rule, unresolved bool) {
	switch r.Action {
	case rule.ActionTable:
	case rule.ActionGoto:
		if r.Goto != 0 {
			p.uint(printAny, "goto", " goto %d", uint64(r.Goto))
		} else {
			p.str(printAny, "goto", " goto %s", "none")
		}
		if unresolved {
			p.null(printAny, "unresolved", "%s", " [unresolved]")
		}
	case rule.ActionNop:
		p.null(printAny, "nop", "%s", " nop")
	default:
		p.str(printAny, "action", " %s", typeName(fib.Type(r.Action)))
	}
}

// cHex is C's "%#llx": "0" for zero, else 0x-prefixed lower-case hex.
func cHex(v uint32) string {
	if v == 0 {
		return "0"
	}
	return fmt.Sprintf("%#x", v)
}

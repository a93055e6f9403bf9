package cli

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/govrf/govrf/internal/rule"
)

// The keyword parsers of ruleOpts, one per iprule_modify branch.

// parsePrefix reads `from P` or `to P` in the family of -4/-6 (ip does
// not take it from the address: the kernel then refuses a prefix of the
// other family).
func (q *ruleReq) parsePrefix(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	p, err := parsePrefix(v, c.opts.Family)
	if err != nil {
		return err
	}
	var pfx netip.Prefix
	if p.Addr.IsValid() {
		pfx = netip.PrefixFrom(p.Addr, p.Bits)
	}
	if kw == "from" {
		q.r.Src = pfx
	} else {
		q.r.Dst = pfx
	}
	return nil
}

func (q *ruleReq) parsePref(c *ctx, a *args, kw string) (err error) {
	q.r.Pref, err = argValue(a, scanU32, "preference value is invalid\n")
	q.prefGiven = true
	return err
}

func (q *ruleReq) parseTos(c *ctx, a *args, kw string) (err error) {
	q.r.Tos, err = argValue(a, parseDSField, "TOS value is invalid\n")
	return err
}

// parseFwmark reads MARK[/MASK]. A non-zero mark without a mask compares
// every bit (fib_nl2rule).
func (q *ruleReq) parseFwmark(c *ctx, a *args, kw string) error {
	mark, mask, slash, err := fwmarkValue(a)
	if err != nil {
		return err
	}
	if !slash && mark != 0 {
		mask = 0xffffffff
	}
	q.r.Mark, q.r.Mask = mark, mask
	return nil
}

// fwmarkValue reads the MARK[/MASK] of fwmark; mask is 0 without slash.
func fwmarkValue(a *args) (mark, mask uint32, slash bool, err error) {
	v, err := a.value()
	if err != nil {
		return 0, 0, false, err
	}
	markS, maskS, slash := strings.Cut(v, "/")
	mark, ok := scanU32(markS)
	if !ok {
		return 0, 0, false, errInvArg("fwmark value is invalid\n", markS)
	}
	if slash {
		if mask, ok = scanU32(maskS); !ok {
			return 0, 0, false, errInvArg("fwmask value is invalid\n", maskS)
		}
	}
	return mark, mask, slash, nil
}

func (q *ruleReq) parseRealms(c *ctx, a *args, kw string) error {
	if _, err := argValue(a, realmsValue, "invalid realms\n"); err != nil {
		return err
	}
	q.unsupported = firstOf(q.unsupported, "realms")
	return nil
}

func (q *ruleReq) parseProtocol(c *ctx, a *args, kw string) (err error) {
	q.r.Proto, err = argValue(a, parseProto, "\"protocol\" value is invalid\n")
	return err
}

func (q *ruleReq) parseTunID(c *ctx, a *args, kw string) error {
	if _, err := argValue(a, scanU64, "\"tun_id\" value is invalid\n"); err != nil {
		return err
	}
	q.unsupported = firstOf(q.unsupported, "tun_id")
	return nil
}

func (q *ruleReq) parseTable(c *ctx, a *args, kw string) error {
	t, err := argValue(a, parseTable, "invalid table ID\n")
	q.tid, q.r.Table, q.tableOK = t, t, true
	return err
}

func (q *ruleReq) parseSuppressPrefix(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	n, ok := strtol(v)
	if !ok || n < 0 || n > 1<<31-1 {
		return errInvArg("suppress_prefixlength value is invalid\n", v)
	}
	q.r.SuppressPrefixlen = int(n)
	return nil
}

func (q *ruleReq) parseSuppressGroup(c *ctx, a *args, kw string) (err error) {
	q.r.SuppressIfgroup, err = argValue(a, parseGroup, "Invalid \"suppress_ifgroup\" value\n")
	return err
}

func (q *ruleReq) parseIif(c *ctx, a *args, kw string) (err error) {
	q.r.Iif, err = argValue(a, ruleIfnameValue, `"iif"/"dev" not a valid ifname`)
	return err
}

func (q *ruleReq) parseOif(c *ctx, a *args, kw string) (err error) {
	q.r.Oif, err = argValue(a, ruleIfnameValue, `"oif" not a valid ifname`)
	return err
}

func (q *ruleReq) parseUIDRange(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	if _, _, n := scanRange(v, 32); n != 2 {
		return errInvArg("invalid UID range\n", v)
	}
	q.unsupported = firstOf(q.unsupported, "uidrange")
	return nil
}

// parseNAT reads the deprecated `nat ADDRESS` (route NAT, gone from
// Linux's data path since 2.6).
func (q *ruleReq) parseNAT(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	fmt.Fprintf(c.warn, "Warning: route NAT is deprecated\n")
	if _, ok := scanAddr(v, 4); !ok {
		return exitf(exitSyntax, "Error: an IP address is expected rather than \"%s\"", v)
	}
	q.unsupported = firstOf(q.unsupported, "nat")
	return nil
}

func (q *ruleReq) parseIPProto(c *ctx, a *args, kw string) (err error) {
	q.r.IPProto, err = argValue(a, parseIPProto, "Invalid \"ipproto\" value\n")
	return err
}

// parsePort reads N or N-M as sscanf("%hu-%hu") does.
func (q *ruleReq) parsePort(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	r, err := portRange(kw, v)
	if kw == "sport" {
		q.r.Sport, q.sportOK = r, true
	} else {
		q.r.Dport, q.dportOK = r, true
	}
	return err
}

// portRange reads the N or N-M of sport or dport (kw) as
// sscanf("%hu-%hu") does: N alone is the range N-N.
func portRange(kw, v string) (rule.PortRange, error) {
	lo, hi, n := scanRange(v, 16)
	switch {
	case n == 1:
		hi = lo
	case n != 2 && kw == "sport":
		return rule.PortRange{}, errInvArg("invalid port range\n", v)
	case n != 2:
		return rule.PortRange{}, errInvArg("invalid dport range\n", v)
	}
	return rule.PortRange{Lo: uint16(lo), Hi: uint16(hi)}, nil
}

// scanRange is sscanf(s, "%u-%u") for numbers of bits bits: it returns
// the values read and how many were.
func scanRange(s string, bits uint) (lo, hi uint64, n int) {
	lo, rest, ok := scanfUint(s, bits)
	if !ok {
		return 0, 0, 0
	}
	if !strings.HasPrefix(rest, "-") {
		return lo, 0, 1
	}
	hi, _, ok = scanfUint(rest[1:], bits)
	if !ok {
		return lo, 0, 1
	}
	return lo, hi, 2
}

// scanfUint is one scanf %u (%hu for 16 bits) conversion: a decimal
// number, possibly signed, truncated to bits bits.
func scanfUint(s string, bits uint) (uint64, string, bool) {
	mag, neg, rest, digits, overflow := cNumber(s, 10)
	if !digits {
		return 0, s, false
	}
	if overflow {
		mag = ^uint64(0)
	} else if neg {
		mag = -mag
	}
	return mag & (1<<bits - 1), rest, true
}

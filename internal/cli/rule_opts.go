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

func (q *ruleReq) parsePref(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	n, ok := scanUint(v, 32)
	if !ok {
		return errInvArg("preference value is invalid\n", v)
	}
	q.r.Pref, q.prefGiven = uint32(n), true
	return nil
}

func (q *ruleReq) parseTos(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	tos, ok := parseDSField(v)
	if !ok {
		return errInvArg("TOS value is invalid\n", v)
	}
	q.r.Tos = tos
	return nil
}

// parseFwmark reads MARK[/MASK]. A non-zero mark without a mask compares
// every bit (fib_nl2rule).
func (q *ruleReq) parseFwmark(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	markS, maskS, slash := strings.Cut(v, "/")
	mark, ok := scanUint(markS, 32)
	if !ok {
		return errInvArg("fwmark value is invalid\n", markS)
	}
	q.r.Mark, q.r.Mask = uint32(mark), 0
	if mark != 0 {
		q.r.Mask = 0xffffffff
	}
	if slash {
		mask, ok := scanUint(maskS, 32)
		if !ok {
			return errInvArg("fwmask value is invalid\n", maskS)
		}
		q.r.Mask = uint32(mask)
	}
	return nil
}

func (q *ruleReq) parseRealms(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	if _, ok := realmsValue(v); !ok {
		return errInvArg("invalid realms\n", v)
	}
	q.unsupported = firstOf(q.unsupported, "realms")
	return nil
}

func (q *ruleReq) parseProtocol(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	p, ok := parseProto(v)
	if !ok {
		return errInvArg("\"protocol\" value is invalid\n", v)
	}
	q.r.Proto = p
	return nil
}

func (q *ruleReq) parseTunID(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	if _, ok := scanUint(v, 64); !ok {
		return errInvArg("\"tun_id\" value is invalid\n", v)
	}
	q.unsupported = firstOf(q.unsupported, "tun_id")
	return nil
}

func (q *ruleReq) parseTable(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	t, ok := parseTable(v)
	if !ok {
		return errInvArg("invalid table ID\n", v)
	}
	q.tid, q.r.Table, q.tableOK = t, t, true
	return nil
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

func (q *ruleReq) parseSuppressGroup(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	g, ok := parseGroup(v)
	if !ok {
		return errInvArg("Invalid \"suppress_ifgroup\" value\n", v)
	}
	q.r.SuppressIfgroup = g
	return nil
}

func (q *ruleReq) parseIif(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	if !ruleIfname(v) {
		return errInvArg(`"iif"/"dev" not a valid ifname`, v)
	}
	q.r.Iif = v
	return nil
}

func (q *ruleReq) parseOif(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	if !ruleIfname(v) {
		return errInvArg(`"oif" not a valid ifname`, v)
	}
	q.r.Oif = v
	return nil
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

func (q *ruleReq) parseIPProto(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	p, ok := parseIPProto(v)
	if !ok {
		return errInvArg("Invalid \"ipproto\" value\n", v)
	}
	q.r.IPProto = p
	return nil
}

// parsePort reads N or N-M as sscanf("%hu-%hu") does.
func (q *ruleReq) parsePort(c *ctx, a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	lo, hi, n := scanRange(v, 16)
	switch {
	case n == 1:
		hi = lo
	case n != 2 && kw == "sport":
		return errInvArg("invalid port range\n", v)
	case n != 2:
		return errInvArg("invalid dport range\n", v)
	}
	r := rule.PortRange{Lo: uint16(lo), Hi: uint16(hi)}
	if kw == "sport" {
		q.r.Sport, q.sportOK = r, true
	} else {
		q.r.Dport, q.dportOK = r, true
	}
	return nil
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

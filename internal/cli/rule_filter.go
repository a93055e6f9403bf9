package cli

import (
	"strings"
)

// parseWord reads one selector keyword of iprule_list_flush_or_save, in
// its order of tests ("p" is preference, "t" tun_id, "s" src).
func (f *ruleFilter) parseWord(c *ctx, a *args) error {
	kw := a.next()
	switch {
	case matches(kw, "preference"), matches(kw, "order"), matches(kw, "priority"):
		v, err := a.value()
		if err != nil {
			return err
		}
		n, ok := scanUint(v, 32)
		if !ok {
			return errInvArg("preference value is invalid\n", v)
		}
		f.pref, f.prefOK = uint32(n), true
	case kw == "not":
		f.not = true
	case kw == "tos" || kw == "dsfield":
		v, err := a.value()
		if err != nil {
			return err
		}
		tos, ok := parseDSField(v)
		if !ok {
			return errInvArg("TOS value is invalid\n", v)
		}
		f.tos, f.tosOK = tos, true
	case kw == "fwmark":
		return f.parseFwmark(a)
	case kw == "dev" || kw == "iif" || kw == "oif":
		return f.parseDev(a, kw)
	case kw == "l3mdev":
		f.l3mdev = true
	default:
		return f.parseMore(c, a, kw)
	}
	return nil
}

// parseMore continues parseWord after l3mdev with the keywords that take
// a value; anything else is the destination prefix itself.
func (f *ruleFilter) parseMore(c *ctx, a *args, kw string) error {
	v := kw
	if ruleValueWord(kw) {
		var err error
		if v, err = a.value(); err != nil {
			return err
		}
	}
	switch {
	case kw == "uidrange":
		if _, _, n := scanRange(v, 32); n != 2 {
			return errInvArg("invalid UID range\n", v)
		}
		f.uidrange = true
	case matches(kw, "tun_id"):
		n, ok := scanUint(v, 64)
		if !ok {
			return errInvArg("\"tun_id\" value is invalid\n", v)
		}
		f.tunID = n != 0
	case matches(kw, "lookup"), matches(kw, "table"):
		t, ok := parseTable(v)
		if !ok {
			return errInvArg("table id value is invalid\n", v)
		}
		f.table = t
	case matches(kw, "from"), matches(kw, "src"):
		p, err := parsePrefix(v, ruleFamily(c))
		f.src, f.srcOK = p, true
		return err
	case matches(kw, "protocol"):
		return f.parseProto(v)
	case kw == "ipproto":
		p, ok := parseIPProto(v)
		if !ok {
			return errInvArg("Invalid \"ipproto\" value\n", v)
		}
		f.ipproto = p
	case kw == "sport" || kw == "dport":
		return f.parsePorts(kw, v)
	default:
		p, err := parsePrefix(v, ruleFamily(c))
		f.dst, f.dstOK = p, true
		return err
	}
	return nil
}

// ruleValueWord reports whether parseMore's keyword kw takes a value.
func ruleValueWord(kw string) bool {
	switch kw {
	case "uidrange", "ipproto", "sport", "dport":
		return true
	}
	for _, w := range []string{"tun_id", "lookup", "table", "from", "src", "protocol", "dst", "to"} {
		if matches(kw, w) {
			return true
		}
	}
	return false
}

func (f *ruleFilter) parseProto(v string) error {
	p, ok := parseProto(v)
	switch {
	case ok:
		f.proto, f.protoOK = p, true
	case v == "all":
		f.proto, f.protoOK = 0, false
	default:
		return errInvArg("invalid \"protocol\"\n", v)
	}
	return nil
}

func (f *ruleFilter) parseFwmark(a *args) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	markS, maskS, slash := strings.Cut(v, "/")
	mark, ok := scanUint(markS, 32)
	if !ok {
		return errInvArg("fwmark value is invalid\n", markS)
	}
	f.mark = uint32(mark)
	if slash {
		mask, ok := scanUint(maskS, 32)
		if !ok {
			return errInvArg("fwmask value is invalid\n", maskS)
		}
		f.mask = uint32(mask)
	}
	return nil
}

func (f *ruleFilter) parseDev(a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	if !ruleIfname(v) {
		if kw == "oif" {
			return errInvArg(`"oif" not a valid ifname`, v)
		}
		return errInvArg(`"iif"/"dev" not a valid ifname`, v)
	}
	if kw == "oif" {
		f.oif, f.oifOK = v, true
	} else {
		f.iif, f.iifOK = v, true
	}
	return nil
}

func (f *ruleFilter) parsePorts(kw, v string) error {
	lo, hi, n := scanRange(v, 16)
	switch {
	case n == 1:
		hi = lo
	case n != 2 && kw == "sport":
		return errInvArg("invalid port range\n", v)
	case n != 2:
		return errInvArg("invalid dport range\n", v)
	}
	if kw == "sport" {
		f.sport.Lo, f.sport.Hi, f.sportOK = uint16(lo), uint16(hi), true
	} else {
		f.dport.Lo, f.dport.Hi, f.dptOK = uint16(lo), uint16(hi), true
	}
	return nil
}

// ruleFamily is the family rule commands work in: -6, else IPv4.
func ruleFamily(c *ctx) int {
	if c.opts.Family == 6 {
		return 6
	}
	return 4
}

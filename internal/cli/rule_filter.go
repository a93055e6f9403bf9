package cli

// parseWord reads one selector keyword of iprule_list_flush_or_save, in
// its order of tests ("p" is preference, "t" tun_id, "s" src).
func (f *ruleFilter) parseWord(c *ctx, a *args) error {
	kw := a.next()
	switch {
	case matches(kw, "preference"), matches(kw, "order"), matches(kw, "priority"):
		var err error
		f.pref, err = argValue(a, scanU32, "preference value is invalid\n")
		f.prefOK = true
		return err
	case kw == "not":
		f.not = true
	case kw == "tos" || kw == "dsfield":
		var err error
		f.tos, err = argValue(a, parseDSField, "TOS value is invalid\n")
		f.tosOK = true
		return err
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

func (f *ruleFilter) parseProto(v string) (err error) {
	f.proto, f.protoOK, err = protoFilter(v)
	return err
}

func (f *ruleFilter) parseFwmark(a *args) error {
	mark, mask, slash, err := fwmarkValue(a)
	if err != nil {
		return err
	}
	f.mark = mark
	if slash {
		f.mask = mask
	}
	return nil
}

func (f *ruleFilter) parseDev(a *args, kw string) (err error) {
	if kw == "oif" {
		f.oif, err = argValue(a, ruleIfnameValue, `"oif" not a valid ifname`)
		f.oifOK = true
	} else {
		f.iif, err = argValue(a, ruleIfnameValue, `"iif"/"dev" not a valid ifname`)
		f.iifOK = true
	}
	return err
}

func (f *ruleFilter) parsePorts(kw, v string) error {
	r, err := portRange(kw, v)
	if kw == "sport" {
		f.sport, f.sportOK = r, true
	} else {
		f.dport, f.dptOK = r, true
	}
	return err
}

// ruleFamily is the family rule commands work in: -6, else IPv4.
func ruleFamily(c *ctx) int {
	if c.opts.Family == 6 {
		return 6
	}
	return 4
}

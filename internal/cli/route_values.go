package cli

import "strings"

// Value scanners for the route attributes ip checks before sending them:
// metrics, times, realms and lightweight-tunnel encapsulations.

// scanUnsigned is get_unsigned: a whole C number that fits 32 bits.
func scanUnsigned(s string) bool {
	_, ok := scanUint(s, 32)
	return ok
}

// scanHoplimit is get_unsigned with the hop limit's 255 bound.
func scanHoplimit(s string) bool {
	n, ok := scanUint(s, 32)
	return ok && n <= 255
}

// scanTimeRTT is get_time_rtt: a number (a decimal fraction when it has
// a dot) followed by nothing, "s", "sec", "secs", "ms", "msec" or "msecs".
func scanTimeRTT(s string) bool {
	var rest string
	if strings.Contains(s, ".") {
		n := floatPrefix(s)
		if n == 0 || strings.HasPrefix(strings.TrimLeft(s, " \t\n\v\f\r"), "-") {
			return false
		}
		rest = s[n:]
	} else {
		_, _, r, digits, overflow := cNumber(s, 0)
		if !digits || overflow {
			return false
		}
		rest = r
	}
	switch strings.ToLower(rest) {
	case "", "s", "sec", "secs", "ms", "msec", "msecs":
		return true
	}
	return false
}

// floatPrefix returns the length of the decimal number strtod would read
// at the start of s (white space, sign, digits, dot, digits, exponent), or
// 0 when it reads none.
func floatPrefix(s string) int {
	i := len(s) - len(strings.TrimLeft(s, " \t\n\v\f\r"))
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return 0
	}
	if i < len(s) && s[i]|0x20 == 'e' {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && s[j] >= '0' && s[j] <= '9' {
			for i = j; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			}
		}
	}
	return i
}

// realmsValue is get_rt_realms_or_raw: [FROM/]TO realm names or numbers
// (FROM in the high 16 bits), or one raw 32-bit number.
func realmsValue(s string) (uint32, bool) {
	realm := func(r string) (uint32, bool) {
		if r == "cosmos" {
			return 0, true
		}
		n, ok := wholeNumber(r, 255)
		return uint32(n), ok
	}
	from, to, slash := strings.Cut(s, "/")
	var v uint32
	ok := true
	if slash {
		var hi uint32
		hi, ok = realm(from)
		v = hi << 16
	} else {
		to = s
	}
	if ok && to != "" {
		var lo uint32
		lo, ok = realm(to)
		v |= lo
	}
	if ok {
		return v, true
	}
	n, raw := scanUint(s, 32)
	return uint32(n), raw
}

// parseEncap reads the start of `encap TYPE ...` as lwt_parse_encap does,
// then refuses it: govrf has no lightweight tunnels.
func parseEncap(a *args) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	switch v {
	case "mpls", "ip", "ip6", "ila", "bpf", "seg6", "seg6local", "rpl", "ioam6", "xfrm":
	default:
		return errInvArg("\"encap type\" value is invalid\n", v)
	}
	if _, err := a.value(); err != nil {
		return err
	}
	if !a.more() {
		return &cmdError{`Error: unexpected end of line after "encap"`, exitUsage}
	}
	return errUnsupported("encap")
}

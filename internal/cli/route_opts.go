package cli

import (
	"net/netip"
	"strings"
)

// The keyword parsers of routeOpts, one per iproute_modify branch.

func (q *routeReq) parseSrc(a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	src, err := parseAddr(v, q.family)
	if err != nil {
		return err
	}
	q.setFamily(src.Family())
	q.r.Src = src.Addr
	return nil
}

// parseAs reads `as [to] ADDR` (RTA_NEWDST, MPLS only: the IP families
// ignore it).
func (q *routeReq) parseAs(a *args, kw string) error {
	addr, err := asAddr(a, q.family)
	q.setFamily(addr.Family())
	return err
}

// asAddr reads the ADDR of `as [to] ADDR` in family.
func asAddr(a *args, family int) (inetArg, error) {
	v, err := a.value()
	if err == nil && v == "to" {
		v, err = a.value()
	}
	if err != nil {
		return inetArg{}, err
	}
	return parseAddr(v, family)
}

func (q *routeReq) parseVia(a *args, kw string) error {
	if q.gwOK {
		return errInvArg("use nexthop syntax to specify multiple via\n", kw)
	}
	q.gwOK = true
	gw, err := q.readGateway(a)
	q.gw = gw
	return err
}

// readGateway reads `via [FAMILY] ADDR` for the route or one nexthop; an
// address of the other IP family becomes RTA_VIA.
func (q *routeReq) readGateway(a *args) (netip.Addr, error) {
	v, err := a.value()
	if err != nil {
		return netip.Addr{}, err
	}
	family := q.family
	switch v {
	case "inet", "inet6":
		family = map[string]int{"inet": 4, "inet6": 6}[v]
		if v, err = a.value(); err != nil {
			return netip.Addr{}, err
		}
	case "link", "mpls", "bridge":
		q.unsupportedAttr("via " + v)
		_, err = a.value()
		return netip.Addr{}, err
	}
	gw, err := parseAddr(v, family)
	if err != nil {
		return netip.Addr{}, err
	}
	q.setFamily(gw.Family())
	return gw.Addr, nil
}

// parseFrom reads a source prefix (RTA_SRC): IPv4 ignores it, IPv6 keeps
// it for source-specific routes, which govrf does not have.
func (q *routeReq) parseFrom(a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	p, err := parsePrefix(v, q.family)
	if err != nil {
		return err
	}
	q.setFamily(p.Family())
	if p.Bits > 0 {
		q.unsupported6 = firstOf(q.unsupported6, kw)
	}
	return nil
}

func (q *routeReq) parseTos(a *args, kw string) (err error) {
	q.r.Tos, err = argValue(a, parseDSField, "\"tos\" value is invalid\n")
	return err
}

func (q *routeReq) parseExpires(a *args, kw string) error {
	if _, err := argValue(a, scanU32, "\"expires\" value is invalid\n"); err != nil {
		return err
	}
	q.unsupported6 = firstOf(q.unsupported6, kw)
	return nil
}

func (q *routeReq) parseMetric(a *args, kw string) (err error) {
	q.r.Metric, err = argValue(a, scanU32, "\"metric\" value is invalid\n")
	return err
}

func (q *routeReq) parseScope(a *args, kw string) (err error) {
	q.r.Scope, err = argValue(a, parseScope, "invalid \"scope\" value\n")
	q.scopeOK = true
	return err
}

func (q *routeReq) parseFeatures(a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	if v != "ecn" {
		return errInvArg("\"features\" value not valid\n", v)
	}
	q.unsupportedAttr("features")
	return nil
}

func (q *routeReq) parseRealms(a *args, kw string) error {
	if _, err := argValue(a, realmsValue, "\"realm\" value is invalid\n"); err != nil {
		return err
	}
	q.unsupported4 = firstOf(q.unsupported4, "realms")
	return nil
}

func (q *routeReq) parseNHID(a *args, kw string) (err error) {
	q.r.NHID, err = argValue(a, scanU32, "\"id\" value is invalid\n")
	return err
}

func (q *routeReq) parseProtocol(a *args, kw string) (err error) {
	q.r.Proto, err = argValue(a, parseProto, "\"protocol\" value is invalid\n")
	return err
}

func (q *routeReq) parseTable(a *args, kw string) (err error) {
	q.r.Table, err = argValue(a, parseTable, "\"table\" value is invalid\n")
	q.tableOK = true
	return err
}

func (q *routeReq) parseVRF(a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	t := vrfTable(q.snap, v)
	if t == 0 {
		return errInvArg("Invalid VRF\n", v)
	}
	q.r.Table, q.tableOK = t, true
	return nil
}

func (q *routeReq) parseDev(a *args, kw string) error {
	v, err := a.value()
	q.dev = v
	return err
}

// parsePref reads the IPv6 router preference; IPv4 ignores it.
func (q *routeReq) parsePref(a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	p, ok := map[string]uint8{"low": 3, "medium": 0, "high": 1}[v]
	if !ok {
		n, isNum := scanUint(v, 8)
		if !isNum {
			return errInvArg("\"pref\" value is invalid\n", v)
		}
		p = uint8(n)
	}
	q.pref, q.prefOK = p, true
	return nil
}

// parseTTLPropagate reads an MPLS option the IP families ignore.
func (q *routeReq) parseTTLPropagate(a *args, kw string) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	if !matches(v, "enabled") && !matches(v, "disabled") {
		return errInvArg("\"ttl-propagate\" value is invalid\n", v)
	}
	return nil
}

// metricOpt reads a route metric `[lock] VALUE` (RTA_METRICS), which
// govrf does not keep.
func metricOpt(valid func(string) bool, msg string) func(q *routeReq, a *args, kw string) error {
	return func(q *routeReq, a *args, kw string) error {
		v, err := a.value()
		if err == nil && v == "lock" {
			v, err = a.value()
		}
		if err != nil {
			return err
		}
		return q.metricValue(kw, v, valid, msg)
	}
}

// metricValue reads a metric that takes no `lock` (rto_min).
func metricValue(valid func(string) bool, msg string) func(q *routeReq, a *args, kw string) error {
	return func(q *routeReq, a *args, kw string) error {
		v, err := a.value()
		if err != nil {
			return err
		}
		return q.metricValue(kw, v, valid, msg)
	}
}

// metricBool reads a 0/1 metric (quickack, fastopen_no_cookie).
func metricBool(name string) func(q *routeReq, a *args, kw string) error {
	return func(q *routeReq, a *args, kw string) error {
		v, err := a.value()
		if err != nil {
			return err
		}
		n, ok := scanUint(v, 32)
		if !ok {
			return errInvArg(name+" value is invalid\n", v)
		}
		if n > 1 {
			return errInvArg(name+" value should be 0 or 1\n", v)
		}
		q.unsupportedAttr(strings.Trim(name, `"`))
		return nil
	}
}

func (q *routeReq) metricValue(kw, v string, valid func(string) bool, msg string) error {
	if !valid(v) {
		return errInvArg(msg+"\n", v)
	}
	q.unsupportedAttr(kw)
	return nil
}

func (q *routeReq) unsupportedAttr(name string) { q.unsupported = firstOf(q.unsupported, name) }

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// errUnsupported refuses an attribute the kernel would accept but govrf
// cannot represent.
func errUnsupported(what string) error {
	return &cmdError{"Error: \"" + what + "\" is not supported by govrf.", exitRefused}
}

package cli

import (
	"strings"

	"github.com/govrf/govrf/internal/fib"
)

// selOpts are the keywords of iproute_list_flush_or_save in its order of
// tests ("s" is scope, "c" cached, "m" metric); dev, oif and iif, which no
// earlier keyword abbreviates, are read by parseRouteFilter itself.
var selOpts []struct {
	name   string
	prefix bool
	parse  func(f *routeFilter, c *ctx, a *args) error
}

func init() {
	selOpts = []struct {
		name   string
		prefix bool
		parse  func(f *routeFilter, c *ctx, a *args) error
	}{
		{"table", true, (*routeFilter).parseTable},
		{"vrf", true, (*routeFilter).parseVRF},
		{"cached", true, func(f *routeFilter, c *ctx, a *args) error { f.cloned = true; return nil }},
		{"cloned", true, func(f *routeFilter, c *ctx, a *args) error { f.cloned = true; return nil }},
		{"tos", false, (*routeFilter).parseTos},
		{"dsfield", true, (*routeFilter).parseTos},
		{"protocol", true, (*routeFilter).parseProto},
		{"scope", true, (*routeFilter).parseScope},
		{"type", true, (*routeFilter).parseType},
		{"mark", false, (*routeFilter).parseMark},
		{"metric", true, (*routeFilter).parseMetric},
		{"priority", true, (*routeFilter).parseMetric},
		{"preference", false, (*routeFilter).parseMetric},
		{"via", false, (*routeFilter).parseVia},
		{"src", false, (*routeFilter).parsePrefsrc},
		{"realms", true, (*routeFilter).parseRealms},
		{"from", true, (*routeFilter).parseFrom},
	}
}

// selNames holds the device names until the whole selector is read: ip
// resolves them last.
type selNames struct{ iif, oif string }

// parseRouteFilter reads a show/flush selector. The table defaults to
// main; a dump of no family with a table is an IPv4 dump.
func parseRouteFilter(c *ctx, a *args) (*routeFilter, error) {
	f := &routeFilter{family: c.opts.Family, table: fib.TableMain}
	var names selNames
	for a.more() {
		kw := a.next()
		if kw == "dev" || kw == "oif" || kw == "iif" {
			v, err := a.value()
			if err != nil {
				return nil, err
			}
			if kw == "iif" {
				names.iif = v
			} else {
				names.oif = v
			}
			continue
		}
		if err := f.parseWord(c, a, kw); err != nil {
			return nil, err
		}
	}
	if f.family == 0 && f.table != 0 {
		f.family = 4
	}
	s := c.ctl.View()
	for _, d := range []struct {
		name string
		idx  *int
	}{{names.iif, &f.iif}, {names.oif, &f.oif}} {
		if d.name == "" {
			continue
		}
		if *d.idx = linkIndex(s, d.name); *d.idx == 0 {
			return nil, errNoDevice(d.name)
		}
	}
	return f, nil
}

// parseWord handles one keyword, or a destination selector.
func (f *routeFilter) parseWord(c *ctx, a *args, kw string) error {
	for _, o := range selOpts {
		if kw == o.name || o.prefix && matches(kw, o.name) {
			return o.parse(f, c, a)
		}
	}
	if matches(kw, "to") {
		var err error
		if kw, err = a.value(); err != nil {
			return err
		}
	}
	p, which, err := f.readPrefixSel(a, kw)
	if err != nil {
		return err
	}
	switch which {
	case "root":
		f.rdst, f.rdstOK = p, true
	case "match":
		f.mdst, f.mdstOK = p, true
	default:
		f.rdst, f.mdst, f.rdstOK, f.mdstOK = p, p, true, true
	}
	return nil
}

// readPrefixSel reads `root P`, `match P`, `[exact] P`.
func (f *routeFilter) readPrefixSel(a *args, kw string) (inetArg, string, error) {
	which := "exact"
	for _, w := range []string{"root", "match", "exact"} {
		if matches(kw, w) {
			v, err := a.value()
			if err != nil {
				return inetArg{}, "", err
			}
			kw, which = v, w
			break
		}
	}
	p, err := parsePrefix(kw, f.family)
	return p, which, err
}

func (f *routeFilter) parseTable(c *ctx, a *args) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	if id, ok := parseTable(v); ok {
		f.table = id
		return nil
	}
	switch v {
	case "all":
		f.table = 0
	case "cache":
		f.cloned = true
	case "help":
		return routeHelp(c, a)
	default:
		return errInvArg("table id value is invalid\n", v)
	}
	return nil
}

// parseVRF selects a VRF's table, leaving out its local and broadcast
// routes as ip does.
func (f *routeFilter) parseVRF(c *ctx, a *args) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	id := vrfTable(c.ctl.View(), v)
	if id == 0 {
		return errInvArg("Invalid VRF\n", v)
	}
	f.table = id
	f.types = ^uint64(1<<fib.TypeLocal | 1<<fib.TypeBroadcast)
	return nil
}

func (f *routeFilter) parseTos(c *ctx, a *args) (err error) {
	f.tos, err = argValue(a, parseDSField, "TOS value is invalid\n")
	f.tosM = true
	return err
}

func (f *routeFilter) parseProto(c *ctx, a *args) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	f.proto, f.protoM, err = protoFilter(v)
	return err
}

// protoFilter reads a protocol selector: a protocol to match, or "all",
// which matches any (match false).
func protoFilter(v string) (p fib.Proto, match bool, err error) {
	if p, ok := parseProto(v); ok {
		return p, true, nil
	}
	if v != "all" {
		return 0, false, errInvArg("invalid \"protocol\"\n", v)
	}
	return 0, false, nil
}

func (f *routeFilter) parseScope(c *ctx, a *args) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	s, ok := parseScope(v)
	switch {
	case ok:
		f.scope, f.scopeM = s, true
	case v == "all":
		f.scope, f.scopeM = fib.ScopeNowhere, false
	default:
		return errInvArg("invalid \"scope\"\n", v)
	}
	return nil
}

func (f *routeFilter) parseType(c *ctx, a *args) error {
	t, err := argValue(a, parseType, "node type value is invalid\n")
	// ip computes 1<<type in a C int.
	f.types = uint64(int64(int32(1) << (t & 31)))
	return err
}

func (f *routeFilter) parseMark(c *ctx, a *args) (err error) {
	f.mark, err = argValue(a, scanU32, "invalid mark value")
	f.markM = true
	return err
}

func (f *routeFilter) parseMetric(c *ctx, a *args) (err error) {
	f.metric, err = argValue(a, scanU32, "\"metric\" value is invalid\n")
	f.metricM = true
	return err
}

func (f *routeFilter) parseVia(c *ctx, a *args) error {
	v, family, err := familyValue(a, f.family)
	if err != nil {
		return err
	}
	p, err := parsePrefix(v, family)
	f.via, f.viaOK = p, true
	return err
}

func (f *routeFilter) parsePrefsrc(c *ctx, a *args) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	p, err := parsePrefix(v, f.family)
	f.prefsrc, f.prefsrcOK = p, true
	return err
}

// parseRealms reads a realm selector; govrf's routes carry no realm, so
// only a zero realm (or a half left open) lists anything.
func (f *routeFilter) parseRealms(c *ctx, a *args) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	realm, ok := realmsValue(v)
	if !ok {
		return errInvArg("invalid realms\n", v)
	}
	f.realm, f.realmM = realm, ^uint32(0)
	if realm&0xffff == 0 && strings.HasSuffix(v, "/") {
		f.realmM &^= 0xffff
	}
	if realm&0xffff0000 == 0 && (!strings.Contains(v, "/") || v[0] == '/') {
		f.realmM &^= 0xffff0000
	}
	return nil
}

// parseFrom reads `from [root|match|exact] P`: a source prefix, which
// only source-specific routes have.
func (f *routeFilter) parseFrom(c *ctx, a *args) error {
	v, err := a.value()
	if err != nil {
		return err
	}
	p, which, err := f.readPrefixSel(a, v)
	if err != nil {
		return err
	}
	switch which {
	case "root":
		f.rsrc, f.rsrcOK = p, true
	case "match":
		f.msrc, f.msrcOK = p, true
	default:
		f.rsrc, f.msrc, f.rsrcOK, f.msrcOK = p, p, true, true
	}
	return nil
}

package cli

import (
	"net/netip"
	"sync"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
)

// routeReq is one `route add/del/change/...` request, filled as
// iproute_modify fills its rtmsg and attributes (ip/iproute.c).
type routeReq struct {
	c      *ctx
	snap   *control.Snapshot
	del    bool
	family int       // 0 until -4/-6 or an address decides it
	r      fib.Route // table, type, proto, scope, metric, tos, src, nhid
	dst    inetArg
	gw     netip.Addr // top-level `via`
	dev    string     // top-level `dev`
	onlink bool
	hops   []fib.Nexthop  // `nexthop ...` list
	hop    [1]fib.Nexthop // the route's nexthop when it has one, not a list
	pref   uint8          // IPv6 router preference (RTA_PREF)

	dstOK, gwOK, nhsOK, scopeOK, tableOK, prefOK bool
	// unsupported names the first attribute ip would send that govrf
	// cannot keep; the request is refused once parsing succeeded.
	unsupported string
	// unsupported4 and unsupported6 are the same for attributes only one
	// family's kernel code keeps (the other ignores them).
	unsupported4, unsupported6 string
}

// routeReqs recycles the requests of route add/del, which the keywords'
// parsers, called through their table, would otherwise put on the heap
// once per line of a million-route batch. Nothing keeps a request, or
// its one nexthop, past routeModify: the tables copy what they store.
var routeReqs = sync.Pool{New: func() any { return new(routeReq) }}

// routeOpt is one keyword of iproute_modify's argument loop.
type routeOpt struct {
	name   string
	prefix bool // iproute2 matches(): any non-empty prefix selects it
	parse  func(q *routeReq, a *args, kw string) error
}

// routeOpts are the keywords in the order iproute_modify tests them; the
// order decides abbreviations ("m" is metric, "t" table, "s" ssthresh).
var routeOpts []routeOpt

// routeOptOf holds, for every word that selects a keyword (a keyword, or
// a prefix of one that may be abbreviated), the first of routeOpts it
// selects: a route line is looked up once per word rather than against
// every keyword in turn, with the same answers.
var routeOptOf map[string]*routeOpt

func init() {
	routeOpts = []routeOpt{
		{"src", false, (*routeReq).parseSrc},
		{"as", false, (*routeReq).parseAs},
		{"via", false, (*routeReq).parseVia},
		{"from", false, (*routeReq).parseFrom},
		{"tos", false, (*routeReq).parseTos},
		{"dsfield", true, (*routeReq).parseTos},
		{"expires", false, (*routeReq).parseExpires},
		{"metric", true, (*routeReq).parseMetric},
		{"priority", true, (*routeReq).parseMetric},
		{"preference", false, (*routeReq).parseMetric},
		{"scope", false, (*routeReq).parseScope},
		{"mtu", false, metricOpt(scanUnsigned, `"mtu" value is invalid`)},
		{"hoplimit", false, metricOpt(scanHoplimit, `"hoplimit" value is invalid`)},
		{"advmss", false, metricOpt(scanUnsigned, `"mss" value is invalid`)},
		{"reordering", true, metricOpt(scanUnsigned, `"reordering" value is invalid`)},
		{"rtt", false, metricOpt(scanTimeRTT, `"rtt" value is invalid`)},
		{"rto_min", false, metricValue(scanTimeRTT, `"rto_min" value is invalid`)},
		{"window", true, metricOpt(scanUnsigned, `"window" value is invalid`)},
		{"cwnd", true, metricOpt(scanUnsigned, `"cwnd" value is invalid`)},
		{"initcwnd", true, metricOpt(scanUnsigned, `"initcwnd" value is invalid`)},
		{"initrwnd", true, metricOpt(scanUnsigned, `"initrwnd" value is invalid`)},
		{"features", true, (*routeReq).parseFeatures},
		{"quickack", true, metricBool(`"quickack"`)},
		{"congctl", true, metricOpt(func(string) bool { return true }, "")},
		{"rttvar", true, metricOpt(scanTimeRTT, `"rttvar" value is invalid`)},
		{"ssthresh", true, metricOpt(scanUnsigned, `"ssthresh" value is invalid`)},
		{"realms", true, (*routeReq).parseRealms},
		{"onlink", false, func(q *routeReq, a *args, kw string) error { q.onlink = true; return nil }},
		{"nhid", false, (*routeReq).parseNHID},
		{"protocol", true, (*routeReq).parseProtocol},
		{"table", true, (*routeReq).parseTable},
		{"vrf", true, (*routeReq).parseVRF},
		{"dev", false, (*routeReq).parseDev},
		{"oif", false, (*routeReq).parseDev},
		{"pref", true, (*routeReq).parsePref},
		{"encap", false, func(q *routeReq, a *args, kw string) error { return parseEncap(a) }},
		{"ttl-propagate", false, (*routeReq).parseTTLPropagate},
		{"fastopen_no_cookie", true, metricBool(`"fastopen_no_cookie"`)},
	}
	routeOptOf = map[string]*routeOpt{}
	for _, o := range routeOpts {
		for n := 1; n <= len(o.name); n++ {
			kw := o.name[:n]
			if _, done := routeOptOf[kw]; done {
				continue
			}
			for i := range routeOpts {
				if p := &routeOpts[i]; kw == p.name || p.prefix && matches(kw, p.name) {
					routeOptOf[kw] = p
					break
				}
			}
		}
	}
}

// routeModify runs `route add|change|replace|prepend|append|delete`.
func routeModify(c *ctx, a *args, op fib.Op, del bool) error {
	q := routeReqs.Get().(*routeReq)
	defer func() {
		*q = routeReq{}
		routeReqs.Put(q)
	}()
	*q = routeReq{c: c, snap: c.ctl.View(), del: del, family: c.opts.Family}
	q.r.Table, q.r.Scope = fib.TableMain, fib.ScopeNowhere
	if !del {
		q.r.Proto, q.r.Scope, q.r.Type = fib.ProtoBoot, fib.ScopeUniverse, fib.TypeUnicast
	}
	if err := q.parse(a); err != nil {
		return err
	}
	r, err := q.route()
	if err != nil {
		return err
	}
	if del {
		return c.ctl.DelRoute(r)
	}
	return c.ctl.AddRoute(r, op)
}

// parse reads the arguments, then the `nexthop` list, in ip's order of
// checks.
func (q *routeReq) parse(a *args) error {
	for a.more() && !q.nhsOK {
		if err := q.parseWord(a); err != nil {
			return err
		}
	}
	if !q.dstOK {
		return routeHelp(q.c, a)
	}
	if q.dev != "" && linkIndex(q.snap, q.dev) == 0 {
		return errNoDevice(q.dev)
	}
	if q.nhsOK {
		return q.parseNexthops(a)
	}
	return nil
}

// parseWord handles one keyword (and its value) or the destination.
func (q *routeReq) parseWord(a *args) error {
	kw := a.next()
	if o := routeOptOf[kw]; o != nil {
		return o.parse(q, a, kw)
	}
	if kw == "nexthop" {
		q.nhsOK = true
		a.i-- // parseNexthops starts at the keyword
		return nil
	}
	return q.parseDst(a, kw)
}

// parseDst reads `[to] [TYPE] PREFIX`.
func (q *routeReq) parseDst(a *args, kw string) error {
	var err error
	if kw == "to" {
		if kw, err = a.value(); err != nil {
			return err
		}
	}
	if kw != "" && (kw[0] < '0' || kw[0] > '9') {
		if t, ok := parseType(kw); ok {
			if kw, err = a.value(); err != nil {
				return err
			}
			q.r.Type = t
		}
	}
	if matches(kw, "help") {
		return routeHelp(q.c, a)
	}
	if q.dstOK {
		return errDuplicate("to", kw)
	}
	dst, err := parsePrefix(kw, q.family)
	if err != nil {
		return err
	}
	q.setFamily(dst.Family())
	q.dst, q.dstOK = dst, true
	return nil
}

// setFamily adopts the family of the first address that has one.
func (q *routeReq) setFamily(f int) {
	if q.family == 0 {
		q.family = f
	}
}

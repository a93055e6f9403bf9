package cli

import (
	"strings"
	"syscall"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/rterr"
	"github.com/govrf/govrf/internal/rule"
)

// doRule runs `rule ...` (ip/iprule.c do_iprule).
func doRule(c *ctx, a *args) error {
	if !a.more() {
		return ruleList(c, a, false)
	}
	verb := a.next()
	switch {
	case matches(verb, "list"), matches(verb, "lst"), matches(verb, "show"):
		return ruleList(c, a, false)
	case matches(verb, "save"), matches(verb, "restore"):
		return unsupportedVerb(c, a)
	case matches(verb, "add"):
		return ruleModify(c, a, false)
	case matches(verb, "delete"):
		return ruleModify(c, a, true)
	case matches(verb, "flush"):
		return ruleList(c, a, true)
	case matches(verb, "help"):
		return ruleHelp()
	}
	return errUnknown(verb, "rule")
}

const ruleUsage = `Usage: govrf rule { add | del } SELECTOR ACTION
       govrf rule flush
       govrf rule [ list [ SELECTOR ]]
SELECTOR := [ not ] [ from PREFIX ] [ to PREFIX ] [ tos TOS ]
            [ fwmark FWMARK[/MASK] ] [ iif STRING ] [ oif STRING ]
            [ pref NUMBER ] [ l3mdev ] [ ipproto PROTOCOL ]
            [ sport [ NUMBER | NUMBER-NUMBER ] ]
            [ dport [ NUMBER | NUMBER-NUMBER ] ]
ACTION := [ table TABLE_ID ] [ protocol PROTO ] [ goto NUMBER ] SUPPRESSOR
          [ nop | blackhole | unreachable | prohibit ]
SUPPRESSOR := [ suppress_prefixlength NUMBER ] [ suppress_ifgroup DEVGROUP ]
TABLE_ID := [ local | main | default | NUMBER ]`

func ruleHelp() error { return errUsage(ruleUsage) }

// ruleReq is a `rule add/del` request as iprule_modify builds it.
type ruleReq struct {
	r         rule.Rule
	prefGiven bool
	tableOK   bool
	tid       fib.TableID
	sportOK   bool
	dportOK   bool
	// unsupported names the first selector or action govrf cannot keep.
	unsupported string
}

// ruleModify runs `rule add|delete`.
func ruleModify(c *ctx, a *args, del bool) error {
	if !a.more() {
		verb := "add"
		if del {
			verb = "del"
		}
		return &cmdError{`"ip rule ` + verb + `" requires arguments.`, exitSyntax}
	}
	q := &ruleReq{}
	q.r.SuppressPrefixlen, q.r.SuppressIfgroup = -1, -1
	if !del {
		q.r.Action = rule.ActionTable
	}
	for a.more() {
		if err := q.parseWord(c, a); err != nil {
			return err
		}
	}
	if q.r.L3mdev && q.tid != 0 {
		return &cmdError{"table can not be specified for l3mdev rules", int(syscall.EINVAL)}
	}
	if !q.tableOK && !del {
		q.r.Table = fib.TableMain
	}
	if q.unsupported != "" {
		return errUnsupported(q.unsupported)
	}
	if err := q.checkPorts(); err != nil {
		return err
	}
	fam := fib.IPv4
	if c.opts.Family == 6 {
		fam = fib.IPv6
	}
	if del {
		return c.ctl.DelRule(fam, q.r, q.prefGiven)
	}
	return c.ctl.AddRule(fam, q.r, q.prefGiven)
}

// checkPorts refuses a port range given as 0, which rule.PortRange cannot
// tell from no range (fib_rule_port_range_valid).
func (q *ruleReq) checkPorts() error {
	switch {
	case q.sportOK && q.r.Sport.Lo == 0:
		return rterr.New(syscall.EINVAL, "Invalid sport range")
	case q.dportOK && q.r.Dport.Lo == 0:
		return rterr.New(syscall.EINVAL, "Invalid dport range")
	}
	return nil
}

// ruleOpts are iprule_modify's keywords in its order of tests ("p" is
// preference, "t" table).
var ruleOpts []struct {
	name   string
	prefix bool
	parse  func(q *ruleReq, c *ctx, a *args, kw string) error
}

func init() {
	ruleOpts = []struct {
		name   string
		prefix bool
		parse  func(q *ruleReq, c *ctx, a *args, kw string) error
	}{
		{"not", false, func(q *ruleReq, c *ctx, a *args, kw string) error { q.r.Invert = true; return nil }},
		{"from", false, (*ruleReq).parsePrefix},
		{"to", false, (*ruleReq).parsePrefix},
		{"preference", true, (*ruleReq).parsePref},
		{"order", true, (*ruleReq).parsePref},
		{"priority", true, (*ruleReq).parsePref},
		{"tos", false, (*ruleReq).parseTos},
		{"dsfield", true, (*ruleReq).parseTos},
		{"fwmark", false, (*ruleReq).parseFwmark},
		{"realms", true, (*ruleReq).parseRealms},
		{"protocol", true, (*ruleReq).parseProtocol},
		{"tun_id", true, (*ruleReq).parseTunID},
		{"table", true, (*ruleReq).parseTable},
		{"lookup", false, (*ruleReq).parseTable},
		{"suppress_prefixlength", true, (*ruleReq).parseSuppressPrefix},
		{"sup_pl", false, (*ruleReq).parseSuppressPrefix},
		{"suppress_ifgroup", true, (*ruleReq).parseSuppressGroup},
		{"sup_group", false, (*ruleReq).parseSuppressGroup},
		{"dev", false, (*ruleReq).parseIif},
		{"iif", false, (*ruleReq).parseIif},
		{"oif", false, (*ruleReq).parseOif},
		{"l3mdev", false, func(q *ruleReq, c *ctx, a *args, kw string) error {
			q.r.L3mdev, q.tableOK = true, true
			return nil
		}},
		{"uidrange", false, (*ruleReq).parseUIDRange},
		{"nat", false, (*ruleReq).parseNAT},
		{"map-to", true, (*ruleReq).parseNAT},
		{"ipproto", false, (*ruleReq).parseIPProto},
		{"sport", false, (*ruleReq).parsePort},
		{"dport", false, (*ruleReq).parsePort},
	}
}

// parseWord reads one keyword, or an action.
func (q *ruleReq) parseWord(c *ctx, a *args) error {
	kw := a.next()
	for _, o := range ruleOpts {
		if kw == o.name || o.prefix && matches(kw, o.name) {
			return o.parse(q, c, a, kw)
		}
	}
	return q.parseAction(a, kw)
}

// parseAction reads `[type] goto N | nop | TYPE`.
func (q *ruleReq) parseAction(a *args, kw string) error {
	if kw == "type" {
		var err error
		if kw, err = a.value(); err != nil {
			return err
		}
	}
	switch {
	case matches(kw, "help"):
		return ruleHelp()
	case matches(kw, "goto"):
		v, err := a.value()
		if err != nil {
			return err
		}
		n, ok := scanUint(v, 32)
		if !ok {
			return errInvArg("invalid target\n", v)
		}
		q.r.Action, q.r.Goto = rule.ActionGoto, uint32(n)
	case matches(kw, "nop"):
		q.r.Action = rule.ActionNop
	default:
		t, ok := parseType(kw)
		if !ok {
			return errInvArg("Failed to parse rule type", kw)
		}
		// A route type number doubles as the action (FR_ACT_* share
		// RTN_*'s values for blackhole, unreachable and prohibit).
		q.r.Action = rule.Action(t)
	}
	q.tableOK = true
	return nil
}

// ruleIfname is check_ifname: what the kernel accepts as a device name.
func ruleIfname(s string) bool {
	return s != "" && len(s) < 16 && !strings.ContainsAny(s, "/ \t\n\v\f\r")
}

// ruleIfnameValue is ruleIfname in argValue's form.
func ruleIfnameValue(s string) (string, bool) { return s, ruleIfname(s) }

package cli

import (
	"net/netip"
	"strconv"
	"time"
)

// TracePlane is a Plane that traces packets through its pipeline
// (`govrf trace`), as the data plane's TraceAdd, Traces and TraceClear
// do.
type TracePlane interface {
	TraceAdd(TraceFilter)
	Traces() ([]Trace, int)
	TraceClear()
}

// TraceFilter selects the frames `trace add` records: the next Count
// received that match every selector set.
type TraceFilter struct {
	Link   int          // the ingress port's link index; 0: any
	VRF    int          // the ingress VRF's index, 0 the default VRF; -1: any
	Prefix netip.Prefix // holds the source or the destination
	Proto  uint8        // 0: any
	Port   uint16       // TCP or UDP source or destination; 0: any
	Count  int
}

// Trace is one traced frame: where it came in, and each stage it went
// through, named after the kernel function, with what it decided.
type Trace struct {
	Seq       uint64
	Time      time.Time
	Port, VRF string
	Summary   string
	Steps     []TraceStep
	Verdict   string
}

// TraceStep is one stage of a Trace.
type TraceStep struct{ Stage, Detail string }

// maxTraceCount is the most frames one `trace add` records, the records
// the data plane keeps.
const maxTraceCount = 1000

const traceUsage = `Usage: govrf trace add [ dev PORT | vrf NAME ] [ count N ]
                 [ match PREFIX ] [ proto PROTO ] [ port PORT ]
       govrf trace show
       govrf trace clear
PROTO := { icmp | tcp | udp | icmpv6 | NUMBER }`

// defaultTraceCount is how many frames `trace add` records by default.
const defaultTraceCount = 10

// doTrace runs `trace add|show|clear` against the running data plane:
// the next frames received that match are recorded stage by stage, as
// VPP's trace and the kernel's pwru show a packet's path.
func doTrace(c *ctx, a *args) error {
	verb := "show"
	if a.more() {
		verb = a.next()
	}
	if matches(verb, "help") {
		return errUsage(traceUsage)
	}
	tp, ok := c.plane.(TracePlane)
	if !ok {
		return failf(exitRefused, "Error: \"trace\" needs the govrf daemon, which is not running: start govrfd, then add the trace again.")
	}
	switch {
	case matches(verb, "add"):
		f, err := parseTrace(c, a)
		if err != nil {
			return err
		}
		tp.TraceAdd(f)
		return nil
	case matches(verb, "show") || matches(verb, "list"):
		if a.more() {
			return errUsage(traceUsage)
		}
		traces, left := tp.Traces()
		printTraces(c, traces, left)
		return nil
	case matches(verb, "clear"):
		if a.more() {
			return errUsage(traceUsage)
		}
		tp.TraceClear()
		return nil
	}
	return errUnknown(verb, "trace")
}

// parseTrace reads the selectors of `trace add`.
func parseTrace(c *ctx, a *args) (TraceFilter, error) {
	f := TraceFilter{VRF: -1, Count: defaultTraceCount}
	s := c.ctl.View()
	for a.more() {
		w := a.next()
		v, err := a.value()
		if err != nil {
			return f, err
		}
		if w == "match" && (v == "proto" || v == "port") {
			if w, v, err = v, "", nil; a.more() {
				v = a.next()
			} else {
				return f, errUsage(traceUsage)
			}
		}
		switch w {
		case "dev":
			l := s.LinkByName(v)
			if l == nil {
				return f, errNoDevice(v)
			}
			f.Link = l.Index
		case "vrf":
			switch l := s.LinkByName(v); {
			case v == "default":
				f.VRF = 0
			case l == nil || !l.IsVRF():
				return f, errInvArg("Not a valid VRF name\n", v)
			default:
				f.VRF = l.Index
			}
		case "count":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > maxTraceCount {
				return f, errInvArg("\"count\" value is invalid: give 1 to 1000\n", v)
			}
			f.Count = n
		case "match":
			p, err := netip.ParsePrefix(v)
			if err != nil {
				addr, aerr := netip.ParseAddr(v)
				if aerr != nil {
					return f, errInvArg("\"match\" value is invalid: give an address or a prefix\n", v)
				}
				p = netip.PrefixFrom(addr, addr.BitLen())
			}
			f.Prefix = p.Masked()
		case "proto":
			n, ok := traceProtos[v]
			if !ok {
				u, err := strconv.ParseUint(v, 10, 8)
				if err != nil || u == 0 {
					return f, errInvArg("\"proto\" value is invalid\n", v)
				}
				n = uint8(u)
			}
			f.Proto = n
		case "port":
			u, err := strconv.ParseUint(v, 10, 16)
			if err != nil || u == 0 {
				return f, errInvArg("\"port\" value is invalid\n", v)
			}
			f.Port = uint16(u)
		default:
			return f, errUsage(traceUsage)
		}
	}
	return f, nil
}

// traceProtos names the protocols `trace add proto` takes by name.
var traceProtos = map[string]uint8{"icmp": 1, "tcp": 6, "udp": 17, "icmpv6": 58, "ipv6-icmp": 58}

// printTraces prints the records, in text a block per frame with a line
// per stage, in JSON an array of objects.
func printTraces(c *ctx, traces []Trace, left int) {
	p := c.newPrinter()
	defer p.close()
	for _, t := range traces {
		p.openObject("")
		p.uint(printAny, "seq", "Trace %d", t.Seq)
		p.str(printJSON, "time", "", t.Time.Format(time.RFC3339Nano))
		p.textf("  %s", t.Time.Format("15:04:05.000000"))
		p.str(printAny, "dev", "  %s", t.Port)
		p.str(printAny, "vrf", " (VRF %s)", t.VRF)
		p.str(printAny, "summary", "  %s", t.Summary)
		p.nl()
		p.openArray(printJSON, "steps", "")
		for _, s := range t.Steps {
			p.openObject("")
			p.str(printAny, "stage", "  %-18s", s.Stage)
			p.str(printAny, "detail", " %s", s.Detail)
			p.closeObject()
			p.nl()
		}
		p.closeArray(printJSON, "")
		p.textf("  %-18s", "verdict")
		p.str(printAny, "verdict", " %s", t.Verdict)
		p.closeObject()
		p.nl()
	}
	if left > 0 {
		p.textf("(still tracing: %d more frames)\n", left)
	}
}

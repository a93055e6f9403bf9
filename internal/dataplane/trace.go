package dataplane

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/rule"
)

// TraceFilter selects the received frames a trace records (`govrf trace
// add`): the next Count frames that match every selector set.
type TraceFilter struct {
	Link   int          // the ingress port's link index; 0: any port
	VRF    int          // the ingress VRF's index, 0 the default VRF; -1: any
	Prefix netip.Prefix // holds the source or the destination; zero: any
	Proto  uint8        // the IP protocol (the IPv6 next header); 0: any
	Port   uint16       // the TCP or UDP source or destination port; 0: any
	Count  int
}

// TraceStep is one stage a traced frame went through, named after the
// kernel function it stands for, with what it decided.
type TraceStep struct {
	Stage, Detail string
}

// Trace is the record of one traced frame.
type Trace struct {
	Seq     uint64
	Time    time.Time
	Link    int    // the ingress port's link index
	Port    string // and its name then
	VRF     string // the ingress VRF, DefaultVRF for the default VRF
	Summary string // the frame's addresses and protocol
	Steps   []TraceStep
	Verdict string // forwarded, delivered, answered: REASON, dropped: REASON
}

// MaxTraces bounds the traces a plane keeps; older ones make room.
const MaxTraces = 1000

// tracing is the plane's trace state: the filter while frames remain to
// be traced (Plane.tracer points to it then, and is nil otherwise, so
// that the data path pays one pointer test per batch), and the records.
type tracing struct {
	mu     sync.Mutex
	filter TraceFilter
	left   int
	seq    uint64
	log    []Trace
}

// TraceAdd starts tracing the next f.Count received frames that match
// f, replacing a trace still running; the records kept stay.
func (p *Plane) TraceAdd(f TraceFilter) {
	t := &p.traces
	t.mu.Lock()
	defer t.mu.Unlock()
	t.filter, t.left = f, f.Count
	if f.Count > 0 {
		p.tracer.Store(t)
	} else {
		p.tracer.Store(nil)
	}
}

// Traces returns the records kept, oldest first, and how many frames the
// running trace still waits for.
func (p *Plane) Traces() ([]Trace, int) {
	t := &p.traces
	t.mu.Lock()
	defer t.mu.Unlock()
	return append([]Trace(nil), t.log...), t.left
}

// TraceClear stops tracing and forgets the records.
func (p *Plane) TraceClear() {
	t := &p.traces
	t.mu.Lock()
	defer t.mu.Unlock()
	p.tracer.Store(nil)
	t.left, t.log, t.seq = 0, nil, 0
}

// claim takes one of the frames left to trace, if pk matches; it stops
// the trace after its last.
func (t *tracing) claim(p *Plane, pk *packet) (uint64, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.left == 0 || !t.filter.matches(pk) {
		return 0, false
	}
	if t.left--; t.left == 0 {
		p.tracer.Store(nil)
	}
	t.seq++
	return t.seq, true
}

// keep stores a finished record.
func (t *tracing) keep(tr Trace) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.log) == MaxTraces {
		t.log = append(t.log[:0], t.log[1:]...)
	}
	t.log = append(t.log, tr)
}

// frameFlow reads what a filter selects on from a received frame, which
// nothing has validated yet: ok is false for anything but IPv4 or IPv6
// long enough to hold its header.
func frameFlow(frame []byte) (src, dst netip.Addr, proto uint8, sport, dport uint16, ok bool) {
	if len(frame) < header.EthernetLen {
		return
	}
	ip := frame[header.EthernetLen:]
	var l4 []byte
	switch header.Ethernet(frame).Type() {
	case header.EtherTypeIPv4:
		if len(ip) < header.IPv4MinLen || ip[0]>>4 != 4 {
			return
		}
		h := header.IPv4(ip)
		src, dst, proto = h.Src(), h.Dst(), h.Protocol()
		if hl := h.HeaderLen(); hl <= len(ip) && binary.BigEndian.Uint16(ip[6:])&0x1fff == 0 {
			l4 = ip[hl:]
		}
	case header.EtherTypeIPv6:
		if len(ip) < header.IPv6Len || ip[0]>>4 != 6 {
			return
		}
		h := header.IPv6(ip)
		src, dst, proto, l4 = h.Src(), h.Dst(), h.NextHeader(), ip[header.IPv6Len:]
	default:
		return
	}
	if (proto == header.ProtoTCP || proto == header.ProtoUDP) && len(l4) >= 4 {
		sport, dport = binary.BigEndian.Uint16(l4), binary.BigEndian.Uint16(l4[2:])
	}
	return src, dst, proto, sport, dport, true
}

// matches reports whether pk, just received, is what f selects.
func (f *TraceFilter) matches(pk *packet) bool {
	if f.Link != 0 && pk.iif != f.Link || f.VRF >= 0 && pk.dom.vrf != f.VRF {
		return false
	}
	if !f.Prefix.IsValid() && f.Proto == 0 && f.Port == 0 {
		return true
	}
	src, dst, proto, sport, dport, ok := frameFlow(pk.frame)
	switch {
	case !ok:
		return false
	case f.Prefix.IsValid() && !f.Prefix.Contains(src) && !f.Prefix.Contains(dst):
		return false
	case f.Proto != 0 && proto != f.Proto:
		return false
	case f.Port != 0 && sport != f.Port && dport != f.Port:
		return false
	}
	return true
}

// traceRec is the record of the frame in flight (packet.tr).
type traceRec struct {
	Trace
	snap *control.Snapshot
}

// step adds a stage to the record.
func (r *traceRec) step(stage, format string, a ...any) {
	r.Steps = append(r.Steps, TraceStep{stage, fmt.Sprintf(format, a...)})
}

// rule records a rule the walk tried.
func (r *traceRec) rule(st rule.Step) {
	switch {
	case !st.Matched:
		r.step("fib_rules_lookup", "rule %d (%s): no match", st.Pref, st.Action)
	case st.Action == rule.ActionTable && st.L3mdev:
		r.step("fib_rules_lookup", "rule %d: lookup [l3mdev-table], the VRF's table %s", st.Pref, tableName(st.Table))
	case st.Action == rule.ActionTable:
		r.step("fib_rules_lookup", "rule %d: lookup %s", st.Pref, tableName(st.Table))
	default:
		r.step("fib_rules_lookup", "rule %d: %s", st.Pref, st.Action)
	}
}

// table records a lookup of the rule walk.
func (r *traceRec) table(ts control.TableStep) {
	if !ts.Found {
		r.step("fib_table_lookup", "%s in table %s: no route, the walk goes on", ts.Dst, tableName(ts.Table))
		return
	}
	res := &ts.Res
	d := fmt.Sprintf("%s in table %s: %s %s", ts.Dst, tableName(ts.Table), res.Type, res.Prefix)
	if nh := res.Nexthop; nh.Gateway.IsValid() {
		d += " via " + nh.Gateway.String()
	}
	if l := r.snap.Link(res.Nexthop.Dev); l != nil {
		d += " dev " + l.Name
	}
	r.step("fib_table_lookup", "%s", d)
}

// tableName names a table as ip does.
func tableName(id fib.TableID) string {
	switch id {
	case 255:
		return "local"
	case 254:
		return "main"
	case 253:
		return "default"
	}
	return fmt.Sprint(id)
}

// traced runs the pipeline for pk, recording it if the running trace
// selects it.
func (w *worker) traced(pk *packet) {
	seq, ok := w.tracer.claim(w.p, pk)
	if !ok {
		w.netifReceive(pk)
		return
	}
	r := &traceRec{snap: w.snap, Trace: Trace{Seq: seq, Time: w.p.clock.Now(), Link: pk.iif, Port: pk.link.Name,
		VRF: vrfName(w.snap, pk.dom.vrf)}}
	r.Summary = frameSummary(pk.frame)
	eth := header.Ethernet(pk.frame)
	if len(pk.frame) >= header.EthernetLen {
		r.step("netif_receive", "%s: %s > %s, ethertype %#04x, %d bytes", pk.link.Name, eth.Src(), eth.Dst(), eth.Type(), len(pk.frame))
	}
	if pk.dom.vrf != 0 {
		r.step("l3mdev_ip_rcv", "VRF %s: lookups go to table %s", r.VRF, tableName(pk.dom.table))
	} else {
		r.step("l3mdev_ip_rcv", "no VRF: the default VRF's rules and tables")
	}
	pk.tr = r
	before := w.rx
	w.router.Trace(r.rule, r.table)
	w.netifReceive(pk)
	w.router.Trace(nil, nil)
	if r.Verdict == "" {
		switch {
		case w.rx.forwarded > before.forwarded:
			r.Verdict = "forwarded"
		case w.rx.delivered > before.delivered:
			r.Verdict = "delivered to the router"
		default:
			r.Verdict = "no verdict recorded"
		}
	}
	w.tracer.keep(r.Trace)
}

// frameSummary describes a frame's IP header for a trace, or its EtherType.
func frameSummary(frame []byte) string {
	src, dst, proto, sport, dport, ok := frameFlow(frame)
	if !ok {
		if len(frame) < header.EthernetLen {
			return fmt.Sprintf("a runt of %d bytes", len(frame))
		}
		return fmt.Sprintf("ethertype %#04x", header.Ethernet(frame).Type())
	}
	s := fmt.Sprintf("%s > %s proto %d", src, dst, proto)
	if sport != 0 || dport != 0 {
		s += fmt.Sprintf(" ports %d > %d", sport, dport)
	}
	return s
}

// egress records where a packet is forwarded: ip_forward's TTL (or hop
// limit), the egress port, next hop and MTU, and the state of the next
// hop's neighbour entry that neigh_output finds.
func (r *traceRec) egress(rt *route, ttlName string, ttl uint8, size int) {
	r.step("ip_forward", "%s %d > %d, %d bytes, out %s via %s, MTU %d", ttlName, ttl, ttl-1, size,
		linkName(r.snap, rt.out.index), rt.nh, rt.mtu)
	state := "no entry: resolution starts and the packet waits for it"
	if e, ok := rt.out.neigh.Get(rt.nh); ok {
		state = e.State.String()
		if e.State.Valid() {
			state += " " + e.MAC.String()
		}
	}
	r.step("neigh_output", "%s on %s: %s", rt.nh, linkName(r.snap, rt.out.index), state)
}

// icmp records the ICMP error icmp_send is asked to send about pk.
func (r *traceRec) icmp(pk *packet, why Reason, typ, code uint8) {
	src, _, _, _, _, _ := frameFlow(pk.frame)
	r.step("icmp_send", "%s error (type %d, code %d) for %s, routed in VRF %s", ICMPTypeOf(why), typ, code, src, r.VRF)
}

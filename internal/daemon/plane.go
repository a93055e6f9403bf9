package daemon

import (
	"log/slog"
	"net/netip"
	"syscall"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/dataplane"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/port"
	"github.com/govrf/govrf/internal/port/packet"
	"github.com/govrf/govrf/internal/rterr"
)

// planeView answers the CLI's questions about the data plane
// (cli.Plane): neighbours and packet counters of the attached ports,
// and the host stacks.
type planeView struct{ d *Daemon }

// Neighbors implements cli.Plane.
func (v planeView) Neighbors(link int) []neigh.Entry {
	if c := v.d.plane.Neighbors(link); c != nil {
		return c.Entries()
	}
	return nil
}

// LinkStats implements cli.Plane: a port's counters are the data
// plane's, with what its port itself refused (RX errors, frames the
// kernel dropped from a full socket queue as missed, TX errors); a VRF
// device's are its VRF's, as l3mdev counts on the VRF device what its
// ports receive and send.
func (v planeView) LinkStats(link int) (cli.LinkCounters, bool) {
	l := v.d.ctl.Snapshot().Link(link)
	if l == nil {
		return cli.LinkCounters{}, false
	}
	st := v.d.stats()
	c, ok := st.Ports[l.Name]
	if l.Kind == control.KindVRF {
		c, ok = st.VRFs[l.Name]
	}
	if !ok {
		return cli.LinkCounters{}, false
	}
	out := cli.LinkCounters{RxPackets: c.RxPackets, RxBytes: c.RxBytes, TxPackets: c.TxPackets, TxBytes: c.TxBytes,
		Drops: reasons(&c.Drops), Answered: reasons(&c.Answered), TxDrops: reasons(&c.TxDrops)}
	for i := range c.Drops {
		out.RxDropped += c.Drops[i]
		out.TxDropped += c.TxDrops[i]
	}
	if o, ok := v.d.ports[link]; ok && o.port != nil {
		if pc, ok := o.port.(port.Counters); ok {
			ps := pc.Stats()
			out.RxErrors, out.RxMissed, out.Multicast, out.TxErrors = ps.RxErrors, ps.RxDropped, ps.Multicast, ps.TxErrors
			out.TxDropped += ps.TxDropped
		}
	}
	return out, true
}

// reasons returns the non-zero counts of a, by reason name.
func reasons(a *[dataplane.NumReasons]uint64) map[string]uint64 {
	m := map[string]uint64{}
	for r, n := range a {
		if n != 0 {
			m[dataplane.Reason(r).String()] = n
		}
	}
	return m
}

// LearnedFDB implements cli.FDBLearner: what a VXLAN port learned.
func (v planeView) LearnedFDB(link int) []control.FDBEntry {
	var out []control.FDBEntry
	for _, e := range v.d.plane.LearnedFDB(link) {
		out = append(out, control.FDBEntry{MAC: control.MAC(e.MAC), Dst: e.Dst, State: control.FDBDynamic})
	}
	return out
}

// PortState implements cli.Plane. A packet link mirrors its kernel
// interface, read as the command runs: it has carrier while its port is
// open and the interface is up with carrier, and the interface's
// operational state. A tap link has carrier while its port is open: the
// TAP device is govrf's. d.mu is held, as for every request.
func (v planeView) PortState(link int) cli.PortState {
	o, ok := v.d.ports[link]
	if !ok || o.port == nil {
		return cli.PortState{}
	}
	if o.ifindex == 0 { // not a kernel interface's port
		return cli.PortState{Carrier: true}
	}
	st, err := packet.InterfaceState(o.ifindex)
	if err != nil { // gone since: the watch closes the port
		return cli.PortState{}
	}
	return cli.PortState{Carrier: st.Up && st.LowerUp, OperState: st.OperState}
}

// SetPortUp implements cli.PortAdmin: a packet port owns its interface,
// so `link set dev X up|down` brings the interface up or down too. A
// link waiting for its interface has nothing to change; when the
// interface appears, attach brings it up if the link is up.
func (v planeView) SetPortUp(link int, up bool) error {
	o, ok := v.d.ports[link]
	if !ok || o.port == nil || o.ifindex == 0 {
		return nil
	}
	if err := packet.SetInterfaceUp(o.ifindex, up); err != nil {
		return innermost(err)
	}
	slog.Info("interface set "+upDown(up)+" with its link", v.d.portAttrs(link)...)
	return nil
}

// HostStacks implements cli.Plane.
func (v planeView) HostStacks() map[string]string { return v.d.hostStacks() }

// SetNeighbor implements cli.NeighCache: an administrator's entry in a
// dynamic state goes to the cache of the link's port.
func (v planeView) SetNeighbor(link int, s neigh.Static) error {
	c := v.d.plane.Neighbors(link)
	if c == nil {
		return rterr.New(syscall.EOPNOTSUPP, "Neighbour state "+s.State.String()+" needs the link's port")
	}
	return cacheErr(c.Replace(s))
}

// DelNeighbor implements cli.NeighCache.
func (v planeView) DelNeighbor(link int, ip netip.Addr) error {
	c := v.d.plane.Neighbors(link)
	if c == nil {
		return rterr.New(syscall.ENOENT, "")
	}
	return cacheErr(c.Delete(ip))
}

// cacheErr words a cache's refusal as the kernel's: its errno alone.
func cacheErr(err error) error {
	if err == nil {
		return nil
	}
	return rterr.New(rterr.Errno(err), "")
}

var (
	_ cli.Plane      = planeView{}
	_ cli.PortAdmin  = planeView{}
	_ cli.NeighCache = planeView{}
)

// ErrorCounts implements cli.ErrorCounter from one reading of the data
// plane's counters: each port's, then what each VRF counted beyond its
// ports (its host stack's packets, answers with no way out).
func (v planeView) ErrorCounts() []cli.ErrorCount {
	snap := v.d.ctl.Snapshot()
	st := v.d.stats()
	var rows []cli.ErrorCount
	ofPorts := map[string]*dataplane.Counters{} // by VRF: the sum of its ports'
	for name, c := range st.Ports {
		vrf := dataplane.DefaultVRF
		if l := snap.LinkByName(name); l != nil {
			vrf = vrfNameOf(snap, l.Index)
		}
		rows = appendErrors(rows, vrf, name, &c)
		sum := ofPorts[vrf]
		if sum == nil {
			sum = new(dataplane.Counters)
			ofPorts[vrf] = sum
		}
		for r := range c.Drops {
			sum.Drops[r] += c.Drops[r]
			sum.Answered[r] += c.Answered[r]
			sum.TxDrops[r] += c.TxDrops[r]
		}
	}
	for vrf, c := range st.VRFs {
		if sum := ofPorts[vrf]; sum != nil {
			for r := range c.Drops {
				c.Drops[r] -= min(c.Drops[r], sum.Drops[r])
				c.Answered[r] -= min(c.Answered[r], sum.Answered[r])
				c.TxDrops[r] -= min(c.TxDrops[r], sum.TxDrops[r])
			}
		}
		rows = appendErrors(rows, vrf, "-", &c)
	}
	return rows
}

// appendErrors adds the non-zero drop counts of c to rows.
func appendErrors(rows []cli.ErrorCount, vrf, dev string, c *dataplane.Counters) []cli.ErrorCount {
	for _, k := range []struct {
		kind string
		a    *[dataplane.NumReasons]uint64
	}{{"rx", &c.Drops}, {"answered", &c.Answered}, {"tx", &c.TxDrops}} {
		for r, n := range k.a {
			if n != 0 {
				rows = append(rows, cli.ErrorCount{VRF: vrf, Dev: dev, Kind: k.kind, Reason: dataplane.Reason(r).String(), Count: n})
			}
		}
	}
	return rows
}

// TraceAdd implements cli.TracePlane.
func (v planeView) TraceAdd(f cli.TraceFilter) {
	v.d.traceFP.start(v.d)
	v.d.plane.TraceAdd(dataplane.TraceFilter{Link: f.Link, VRF: f.VRF, Prefix: f.Prefix, Proto: f.Proto, Port: f.Port, Count: f.Count})
}

// Traces implements cli.TracePlane.
func (v planeView) Traces() ([]cli.Trace, int) {
	traces, left := v.d.plane.Traces()
	out := make([]cli.Trace, len(traces))
	for i, t := range traces {
		out[i] = cli.Trace{Seq: t.Seq, Time: t.Time, Port: t.Port, VRF: t.VRF, Summary: t.Summary, Verdict: t.Verdict}
		for _, s := range t.Steps {
			out[i].Steps = append(out[i].Steps, cli.TraceStep{Stage: s.Stage, Detail: s.Detail})
		}
	}
	return out, left
}

// TraceClear implements cli.TracePlane.
func (v planeView) TraceClear() {
	v.d.plane.TraceClear()
	v.d.traceFP.stop()
}

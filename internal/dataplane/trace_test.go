package dataplane

import (
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/sim"
)

// TestTrace: a trace records the selected frames only, as many as asked,
// with the VRF, the rule walk's tables and the verdict; clear forgets.
func TestTrace(t *testing.T) {
	s := newSeed(t, Config{})
	ping(t, s.a1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	ping(t, s.b1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	s.dp.TraceAdd(TraceFilter{VRF: s.index("b"), Proto: 1, Count: 1})
	ping(t, s.a1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10") // VRF a: not selected
	ping(t, s.b1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	ping(t, s.b1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10") // past the count
	traces, left := s.dp.Traces()
	if len(traces) != 1 || left != 0 {
		t.Fatalf("%d traces, %d left; want B1's one request", len(traces), left)
	}
	tr := traces[0]
	var steps []string
	for _, st := range tr.Steps {
		steps = append(steps, st.Stage+": "+st.Detail)
	}
	all := strings.Join(steps, "\n")
	if tr.Port != "rb1" || tr.VRF != "b" || tr.Verdict != "forwarded" ||
		!strings.Contains(all, "l3mdev_ip_rcv: VRF b: lookups go to table 20") ||
		!strings.Contains(all, "192.168.2.10 in table 20: unicast 192.168.2.0/24 dev rb2") ||
		!strings.Contains(all, "neigh_output: 192.168.2.10 on rb2: REACHABLE") {
		t.Errorf("trace %+v:\n%s", tr, all)
	}
	if s.dp.tracer.Load() != nil {
		t.Error("the tracer stays armed after its last frame")
	}
	s.dp.TraceAdd(TraceFilter{VRF: -1, Count: 5})
	s.dp.TraceClear()
	if traces, left := s.dp.Traces(); len(traces) != 0 || left != 0 || s.dp.tracer.Load() != nil {
		t.Errorf("after clear: %d traces, %d left", len(traces), left)
	}
}

// TestTraceFilterRuntFrames: selecting by address, protocol or port
// reads frames nothing has validated; short and odd ones never match
// and never fail.
func TestTraceFilterRuntFrames(t *testing.T) {
	f := TraceFilter{VRF: -1, Prefix: pfx("10.0.0.0/8"), Port: 53, Count: 1}
	full := ipv4Frame(header.MAC{2, 0, 0, 0, 0, 1}, header.MAC{2, 0, 0, 0, 0, 2},
		header.IPv4Fields{Protocol: header.ProtoUDP, Src: ip("10.0.0.1"), Dst: ip("10.0.0.2")},
		udp(ip("10.0.0.1"), ip("10.0.0.2"), 1000, 53, nil))
	if !f.matches(&packet{frame: full}) {
		t.Fatal("a UDP frame to port 53 in 10/8 does not match")
	}
	for n := range len(full) {
		pk := &packet{frame: full[:n]}
		f.matches(pk) // must not panic
		frameSummary(full[:n])
	}
}

package metrics

import (
	"net/http"
	"net/http/httptest"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/govrf/govrf/internal/dataplane"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

type fixed Sample

func (f *fixed) Sample() Sample { return Sample(*f) }

// scrape serves src's /metrics and parses the answer with Prometheus's
// own text parser.
func scrape(t *testing.T, src Source) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(Handler(src))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mf, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("the answer does not parse as Prometheus text: %v", err)
	}
	return mf
}

// value returns the value of the metric of family name whose labels
// include want, and whether there is one.
func value(mf map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := mf[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		}
	}
	return 0, false
}

func TestMetrics(t *testing.T) {
	var port, vrf dataplane.Counters
	port.RxPackets, port.RxBytes, port.Forwarded = 10, 980, 7
	port.Drops[dataplane.ReasonMartianSource] = 2
	port.Answered[dataplane.ReasonTTLExceeded] = 1
	vrf = port
	vrf.EchoReplies = 3
	vrf.Answered[dataplane.ReasonFragNeeded] = 4
	var census neigh.Census
	census[neigh.IPv4][neigh.StateReachable] = 2
	census[neigh.IPv6][neigh.StateStale] = 1
	src := &fixed{
		Stats: dataplane.Stats{
			Ports:  map[string]dataplane.Counters{"eth1": port},
			VRFs:   map[string]dataplane.Counters{"blue": vrf},
			Stacks: map[string]dataplane.Counters{"blue": {RxPackets: 5}},
		},
		PortVRF:       map[string]string{"eth1": "blue"},
		Neighbours:    map[string]neigh.Census{"eth1": census},
		AcceptedFlows: 6,
		Changes:       9, Generation: 12, Saved: 11,
	}
	mf := scrape(t, src)
	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"govrf_port_receive_packets_total", map[string]string{"port": "eth1", "vrf": "blue"}, 10},
		{"govrf_port_receive_bytes_total", map[string]string{"port": "eth1", "vrf": "blue"}, 980},
		{"govrf_port_forwarded_packets_total", map[string]string{"port": "eth1"}, 7},
		{"govrf_port_receive_drops_total", map[string]string{"port": "eth1", "vrf": "blue", "reason": "martian_source"}, 2},
		{"govrf_port_receive_refused_total", map[string]string{"port": "eth1", "reason": "ttl_exceeded"}, 1},
		{"govrf_vrf_receive_packets_total", map[string]string{"vrf": "blue"}, 10},
		{"govrf_icmp_sent_total", map[string]string{"vrf": "blue", "type": "echo_reply"}, 3},
		{"govrf_icmp_sent_total", map[string]string{"vrf": "blue", "type": "time_exceeded"}, 1},
		{"govrf_icmp_sent_total", map[string]string{"vrf": "blue", "type": "destination_unreachable"}, 4},
		{"govrf_hoststack_receive_packets_total", map[string]string{"vrf": "blue"}, 5},
		{"govrf_neighbour_entries", map[string]string{"port": "eth1", "family": "inet", "state": "REACHABLE"}, 2},
		{"govrf_neighbour_entries", map[string]string{"port": "eth1", "family": "inet6", "state": "STALE"}, 1},
		{"govrf_neighbour_entries", map[string]string{"port": "eth1", "family": "inet", "state": "FAILED"}, 0},
		{"govrf_hoststack_accepted_flows", nil, 6},
		{"govrf_config_changes_total", nil, 9},
		{"govrf_config_generation", nil, 12},
		{"govrf_config_saved_generation", nil, 11},
		{"govrf_build_info", nil, 1},
	} {
		if got, ok := value(mf, c.name, c.labels); !ok || got != c.want {
			t.Errorf("%s%v = %v (found %v), want %v", c.name, c.labels, got, ok, c.want)
		}
	}
	// A reason that counted nothing is not exported.
	if _, ok := value(mf, "govrf_port_receive_drops_total", map[string]string{"reason": "no_route"}); ok {
		t.Error("a drop reason with no count is exported")
	}
	for _, name := range []string{"go_goroutines", "process_resident_memory_bytes"} {
		if mf[name] == nil {
			t.Errorf("%s is missing", name)
		}
	}
}

func TestICMPTypeOfAnswered(t *testing.T) {
	for r, want := range map[dataplane.Reason]string{
		dataplane.ReasonNoRoute:                 "destination_unreachable",
		dataplane.ReasonFragNeeded:              "destination_unreachable",
		dataplane.ReasonPacketTooBig:            "packet_too_big",
		dataplane.ReasonTTLExceeded:             "time_exceeded",
		dataplane.ReasonOf(header.ReasonBadIHL): "parameter_problem",
	} {
		if got := dataplane.ICMPTypeOf(r); got != want {
			t.Errorf("ICMPTypeOf(%v) = %q, want %q", r, got, want)
		}
	}
}

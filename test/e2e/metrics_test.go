package e2e

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"golang.org/x/sys/unix"
)

// metricsAddr is where the metrics test's govrfd serves /metrics, on the
// loopback of the router's own namespace.
const metricsAddr = "127.0.0.1:9477"

// TestIntegrationMetrics starts govrfd with -metrics, sends real traffic
// across company A and scrapes /metrics from inside the router's
// namespace: the text parses with Prometheus's parser, and the counters
// of the ports, the VRF, ICMP and the neighbours moved as the traffic
// says, while company B's VRF forwarded nothing.
func TestIntegrationMetrics(t *testing.T) {
	tp := buildTopo(t, false, "-metrics", metricsAddr)
	tp.warm()
	before := tp.scrape(metricsAddr)
	const n = 5
	for _, args := range [][]string{
		{"-c", fmt.Sprint(n), "-i", "0.2", "-W", "2", "192.168.2.10"}, // through the router
		{"-c", fmt.Sprint(n), "-i", "0.2", "-W", "2", "192.168.1.1"},  // to it
	} {
		if out, ok := tp.ping("A1", args...); !ok {
			t.Fatalf("ping %v from A1:\n%s", args, out)
		}
	}
	// TTL 1: the router answers Time Exceeded, as a refused packet.
	tp.ping("A1", "-c", "1", "-t", "1", "-W", "2", "192.168.2.10")
	after := tp.scrape(metricsAddr)

	for _, c := range []struct {
		name   string
		labels map[string]string
		min    float64
	}{
		{"govrf_port_receive_packets_total", map[string]string{"port": "ra1", "vrf": "a"}, 2*n + 1},
		{"govrf_port_transmit_packets_total", map[string]string{"port": "ra2", "vrf": "a"}, n},
		{"govrf_vrf_forwarded_packets_total", map[string]string{"vrf": "a"}, 2 * n},
		{"govrf_vrf_delivered_packets_total", map[string]string{"vrf": "a"}, n},
		{"govrf_icmp_sent_total", map[string]string{"vrf": "a", "type": "echo_reply"}, n},
		{"govrf_icmp_sent_total", map[string]string{"vrf": "a", "type": "time_exceeded"}, 1},
		{"govrf_port_receive_refused_total", map[string]string{"port": "ra1", "reason": "ttl_exceeded"}, 1},
	} {
		got := grew(before, after, c.name, c.labels)
		if got < c.min {
			t.Errorf("%s%v grew by %v during the pings, want at least %v", c.name, c.labels, got, c.min)
		}
	}
	if got := grew(before, after, "govrf_vrf_forwarded_packets_total", map[string]string{"vrf": "b"}); got != 0 {
		t.Errorf("VRF b forwarded %v packets while only company A sent", got)
	}
	if v, ok := value(after, "govrf_neighbour_entries", map[string]string{"port": "ra2", "vrf": "a", "family": "inet", "state": "REACHABLE"}); !ok || v < 1 {
		t.Errorf("govrf_neighbour_entries of ra2, REACHABLE IPv4: %v (found %v), want A2", v, ok)
	}
	// The same counts through the command line.
	if out := tp.govrf("show errors vrf a"); !strings.Contains(out, " ra1 ") || !strings.Contains(out, "answered  ttl_exceeded") {
		t.Errorf("govrf show errors vrf a:\n%s\nwant ra1's Time Exceeded", out)
	}
	if out := tp.govrf("-s vrf show"); strings.Count(out, "RX:") != 2 {
		t.Errorf("govrf -s vrf show:\n%s\nwant the totals of VRFs a and b", out)
	}
	gen, _ := value(after, "govrf_config_generation", nil)
	saved, _ := value(after, "govrf_config_saved_generation", nil)
	if gen == 0 || saved != gen {
		t.Errorf("configuration generation %v, saved %v: want the running configuration saved", gen, saved)
	}
}

// grew returns how much the metric of family name with labels grew from
// before to after (absent counts as 0).
func grew(before, after map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	a, _ := value(after, name, labels)
	b, _ := value(before, name, labels)
	return a - b
}

// value returns the value of the first metric of family name whose
// labels include want.
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
		if m.Counter != nil {
			return m.Counter.GetValue(), true
		}
		return m.GetGauge().GetValue(), true
	}
	return 0, false
}

// scrape fetches http://addr/metrics from inside the router's namespace
// and parses it with Prometheus's text parser.
func (tp *topo) scrape(addr string) map[string]*dto.MetricFamily {
	tp.t.Helper()
	conn, err := tp.dialInR(addr)
	if err != nil {
		tp.t.Fatalf("connecting to the metrics at %s in R: %v", addr, err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "GET /metrics HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", addr)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		tp.t.Fatalf("GET /metrics: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		tp.t.Fatalf("GET /metrics: %s", resp.Status)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	mf, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		tp.t.Fatalf("/metrics does not parse as Prometheus text: %v", err)
	}
	return mf
}

// dialInR opens a TCP connection to addr from the router's namespace:
// the socket is made on a thread moved into R, which then moves back.
func (tp *topo) dialInR(addr string) (net.Conn, error) {
	self, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return nil, err
	}
	defer self.Close()
	r, err := os.Open("/run/netns/" + tp.ns("R"))
	if err != nil {
		return nil, err
	}
	defer r.Close()
	runtime.LockOSThread()
	if err := unix.Setns(int(r.Fd()), unix.CLONE_NEWNET); err != nil {
		runtime.UnlockOSThread()
		return nil, err
	}
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
		// The thread stays locked, so Go retires it with the test's
		// goroutine rather than run others in R.
		return nil, fmt.Errorf("moving the thread back from R: %v", err)
	}
	runtime.UnlockOSThread()
	return conn, err
}

package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govrf/govrf/internal/dataplane"
	"github.com/govrf/govrf/internal/neigh"
)

// Collector is a prometheus.Collector over a Source.
type Collector struct {
	src Source
}

// NewCollector returns a Collector that samples src at each scrape.
func NewCollector(src Source) *Collector { return &Collector{src: src} }

// Describe sends the descriptions of every metric the collector exports.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, s := range []*set{portSet, vrfSet} {
		s.describe(ch)
	}
	for _, d := range []*prometheus.Desc{stackRxPackets, stackRxBytes, stackTxPackets, stackTxBytes,
		icmpSent, icmpLimited, neighEntries, acceptedFlows, changes, generation, saved} {
		ch <- d
	}
}

// Collect samples the source and sends its values.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	s := c.src.Sample()
	for name, ct := range s.Stats.Ports {
		portSet.collect(ch, &ct, name, s.PortVRF[name])
	}
	for name, ct := range s.Stats.VRFs {
		vrfSet.collect(ch, &ct, name)
		collectICMP(ch, &ct, name)
	}
	for vrf, ct := range s.Stats.Stacks {
		counter(ch, stackRxPackets, ct.RxPackets, vrf)
		counter(ch, stackRxBytes, ct.RxBytes, vrf)
		counter(ch, stackTxPackets, ct.TxPackets, vrf)
		counter(ch, stackTxBytes, ct.TxBytes, vrf)
	}
	for port, census := range s.Neighbours {
		for f, row := range census {
			family := neigh.Family(f).String()
			for st, n := range row {
				if st != int(neigh.StateNone) {
					gauge(ch, neighEntries, float64(n), port, s.PortVRF[port], family, neigh.State(st).String())
				}
			}
		}
	}
	gauge(ch, acceptedFlows, float64(s.AcceptedFlows))
	counter(ch, changes, s.Changes)
	gauge(ch, generation, float64(s.Generation))
	gauge(ch, saved, float64(s.Saved))
}

// collectICMP exports the ICMP messages VRF vrf sent: echo replies, and
// the errors its ports' refused packets were answered with, by type.
func collectICMP(ch chan<- prometheus.Metric, ct *dataplane.Counters, vrf string) {
	byType := map[string]uint64{"echo_reply": ct.EchoReplies}
	for r, n := range ct.Answered {
		if n != 0 {
			byType[dataplane.ICMPTypeOf(dataplane.Reason(r))] += n
		}
	}
	for t, n := range byType {
		counter(ch, icmpSent, n, vrf, t)
	}
	counter(ch, icmpLimited, ct.ICMPRateLimited, vrf)
}

func counter(ch chan<- prometheus.Metric, d *prometheus.Desc, v uint64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
}

func gauge(ch chan<- prometheus.Metric, d *prometheus.Desc, v float64, labels ...string) {
	ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
}

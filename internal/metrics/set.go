package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govrf/govrf/internal/dataplane"
)

// set is the traffic metrics of one kind of counter owner, a port or a
// VRF, with the owner's labels first.
type set struct {
	rxPackets, rxBytes, txPackets, txBytes *prometheus.Desc
	forwarded, delivered                   *prometheus.Desc
	drops, answered, txDrops               *prometheus.Desc
}

var (
	portSet = newSet("port", "Port", "port", "vrf")
	vrfSet  = newSet("vrf", "VRF", "vrf")
)

// newSet describes the metrics of subsystem sub, whose help text names
// the owner as who, labelled with labels.
func newSet(sub, who string, labels ...string) *set {
	d := func(name, help string, extra ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName("govrf", sub, name), help, append(labels[:len(labels):len(labels)], extra...), nil)
	}
	return &set{
		rxPackets: d("receive_packets_total", who+": frames received."),
		rxBytes:   d("receive_bytes_total", who+": octets received, Ethernet header included."),
		txPackets: d("transmit_packets_total", who+": frames sent."),
		txBytes:   d("transmit_bytes_total", who+": octets sent, Ethernet header included."),
		forwarded: d("forwarded_packets_total", who+": received frames forwarded toward their destination."),
		delivered: d("delivered_packets_total", who+": received frames taken by the router as its own (ARP, NDP, ICMP, its addresses)."),
		drops:     d("receive_drops_total", who+": received frames dropped without an answer, by reason.", "reason"),
		answered:  d("receive_refused_total", who+": received frames refused with an ICMP error in their place, by reason.", "reason"),
		txDrops:   d("transmit_drops_total", who+": frames forwarded or made by the router that never left, by reason.", "reason"),
	}
}

func (s *set) describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{s.rxPackets, s.rxBytes, s.txPackets, s.txBytes,
		s.forwarded, s.delivered, s.drops, s.answered, s.txDrops} {
		ch <- d
	}
}

// collect sends ct's values with the owner's labels. A reason appears
// once it has counted something: thousands of ports times every reason
// would be more series than the counters are worth.
func (s *set) collect(ch chan<- prometheus.Metric, ct *dataplane.Counters, labels ...string) {
	counter(ch, s.rxPackets, ct.RxPackets, labels...)
	counter(ch, s.rxBytes, ct.RxBytes, labels...)
	counter(ch, s.txPackets, ct.TxPackets, labels...)
	counter(ch, s.txBytes, ct.TxBytes, labels...)
	counter(ch, s.forwarded, ct.Forwarded, labels...)
	counter(ch, s.delivered, ct.Delivered, labels...)
	for _, k := range []struct {
		d *prometheus.Desc
		a *[dataplane.NumReasons]uint64
	}{{s.drops, &ct.Drops}, {s.answered, &ct.Answered}, {s.txDrops, &ct.TxDrops}} {
		for r, n := range k.a {
			if n != 0 {
				counter(ch, k.d, n, append(labels[:len(labels):len(labels)], dataplane.Reason(r).String())...)
			}
		}
	}
}

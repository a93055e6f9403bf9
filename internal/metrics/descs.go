package metrics

import "github.com/prometheus/client_golang/prometheus"

func desc(sub, name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(prometheus.BuildFQName("govrf", sub, name), help, labels, nil)
}

var (
	stackRxPackets = desc("hoststack", "receive_packets_total", "Host stack: packets its programs sent into the VRF.", "vrf")
	stackRxBytes   = desc("hoststack", "receive_bytes_total", "Host stack: octets of the packets its programs sent into the VRF.", "vrf")
	stackTxPackets = desc("hoststack", "transmit_packets_total", "Host stack: packets the VRF delivered to its programs.", "vrf")
	stackTxBytes   = desc("hoststack", "transmit_bytes_total", "Host stack: octets of the packets the VRF delivered to its programs.", "vrf")

	icmpSent    = desc("icmp", "sent_total", "ICMP and ICMPv6 messages the router sent in the VRF, by type: echo replies and the errors that answered refused packets.", "vrf", "type")
	icmpLimited = desc("icmp", "ratelimited_total", "ICMP errors the rate limits held back in the VRF.", "vrf")

	neighEntries  = desc("neighbour", "entries", "Neighbour entries of a port, by family and NUD state.", "port", "vrf", "family", "state")
	acceptedFlows = desc("hoststack", "accepted_flows", "Flows from other VRFs held by the default VRF's servers (tcp_l3mdev_accept, udp_l3mdev_accept).")

	changes    = desc("config", "changes_total", "Configuration changes applied since govrfd started.")
	generation = desc("config", "generation", "Generation of the running configuration; every change moves it.")
	saved      = desc("config", "saved_generation", "Generation of the configuration last made durable in the configuration file.")
)

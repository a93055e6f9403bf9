// Package metrics exports govrfd's counters in the Prometheus text format
// (`govrfd -metrics ADDR`, then GET /metrics): the traffic and the drop
// reasons of every port and VRF, ICMP sent, neighbour entries by state,
// host-stack traffic, accepted flows and the configuration's changes.
//
// Every value is read when Prometheus scrapes, from counters the data
// plane already keeps in atomics, so forwarding takes no lock for it and
// pays nothing while nobody scrapes. Names follow node_exporter's
// conventions: a govrf_ prefix, the subsystem (port, vrf, hoststack,
// neighbour, config), base units, and _total on counters.
package metrics

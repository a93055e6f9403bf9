package metrics

import (
	"github.com/govrf/govrf/internal/dataplane"
	"github.com/govrf/govrf/internal/neigh"
)

// Source gives the values of one scrape. Sample must be safe to call
// from any goroutine at any time and must not wait for the router's
// configuration lock: a scrape during a long batch still answers.
type Source interface {
	Sample() Sample
}

// Sample is what one scrape exports.
type Sample struct {
	// Stats are the data plane's counters of ports, VRFs and host stacks.
	Stats dataplane.Stats
	// PortVRF names the VRF of each port of Stats.Ports,
	// dataplane.DefaultVRF for the default VRF.
	PortVRF map[string]string
	// Neighbours counts each port's neighbour entries, by port name.
	Neighbours map[string]neigh.Census
	// AcceptedFlows is the number of flows from other VRFs that the
	// default VRF's servers hold (tcp_l3mdev_accept, udp_l3mdev_accept).
	AcceptedFlows int
	// Changes counts the configuration changes applied since the start.
	Changes uint64
	// Generation is the running configuration's generation, which every
	// change moves; Saved is the generation last made durable in the
	// configuration file (equal to Generation unless a change could not
	// be saved, or no file is kept).
	Generation, Saved uint64
}

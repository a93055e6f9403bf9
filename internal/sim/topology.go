package sim

import (
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port/mem"
)

// Attach adds a host on one end of a new mem pair and returns the other
// end, for the router under test. The zero fields of peer are filled in:
// the name "to-" and the host's name, an address from the network, the
// host's MTU.
func (n *Network) Attach(cfg HostConfig, peer mem.Config) (*Host, *mem.Port) {
	hc := n.portConfig(cfg)
	if peer.Name == "" {
		peer.Name = "to-" + cfg.Name
	}
	if peer.MAC == (header.MAC{}) {
		peer.MAC = n.nextMAC()
	}
	if peer.MTU == 0 {
		peer.MTU = hc.MTU
	}
	hp, pp := mem.Pair(hc, peer)
	return n.Host(cfg, hp), pp
}

// Link adds two hosts joined directly by a mem pair, like two machines on
// one cable.
func (n *Network) Link(a, b HostConfig) (*Host, *Host) {
	pa, pb := mem.Pair(n.portConfig(a), n.portConfig(b))
	return n.Host(a, pa), n.Host(b, pb)
}

// portConfig returns the mem configuration of a host's port.
func (n *Network) portConfig(cfg HostConfig) mem.Config {
	c := mem.Config{Name: cfg.Name, MAC: cfg.MAC, MTU: cfg.MTU}
	if c.MAC == (header.MAC{}) {
		c.MAC = n.nextMAC()
	}
	return c
}

// nextMAC returns a locally administered unicast address, numbered in
// the order the network hands them out.
func (n *Network) nextMAC() header.MAC {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.macs++
	return header.MAC{0x02, 0, 0, 0, byte(n.macs >> 8), byte(n.macs)}
}

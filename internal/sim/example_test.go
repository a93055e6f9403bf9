package sim_test

import (
	"fmt"
	"net/netip"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/sim"
)

// Two hosts on one cable, no router: the first ping resolves the
// neighbour by ARP, then the probes show what each port answers.
func ExampleNetwork_Link() {
	n := sim.NewNetwork(sim.Stepped)
	defer n.Close()
	a, b := n.Link(
		sim.HostConfig{Name: "a", Addrs: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/24")}},
		sim.HostConfig{Name: "b", Addrs: []netip.Prefix{netip.MustParsePrefix("10.0.0.2/24")}, TCPPorts: []uint16{22}},
	)
	dst := netip.MustParseAddr("10.0.0.2")
	r, _ := a.Ping(dst, sim.Opts{})
	fmt.Println(r)
	r, _ = a.TCPSyn(netip.AddrPortFrom(dst, 22), sim.Opts{})
	fmt.Println(r)
	r, _ = a.Probe(dst, 1, header.ProtoUDP)
	fmt.Println(r)
	mac, _ := a.Neighbor(dst)
	fmt.Println(mac == b.MAC())
	// Output:
	// echo reply from 10.0.0.2
	// tcp SYN|ACK from 10.0.0.2
	// port unreachable from 10.0.0.2
	// true
}

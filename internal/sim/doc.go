// Package sim builds in-memory networks of simulated hosts, so that a test
// can put the router under test between hosts in a few lines and check
// what crosses it:
//
//	n := sim.NewNetwork(sim.Stepped)
//	defer n.Close()
//	a1, eth1 := n.Attach(sim.HostConfig{Name: "a1",
//		Addrs:    []netip.Prefix{netip.MustParsePrefix("192.168.1.10/24")},
//		Gateway4: netip.MustParseAddr("192.168.1.1")}, mem.Config{Name: "eth1"})
//	b1, eth2 := n.Attach(...)
//	n.Add(router) // a sim.Node polling eth1 and eth2 on n.Clock()
//	r, err := a1.Ping(netip.MustParseAddr("192.168.2.10"), sim.Opts{})
//	// r.String() == "echo reply from 192.168.2.10"
//
// A host has one port, an Ethernet address, IPv4 and IPv6 addresses (an
// IPv6 link-local one always) and a default gateway per family. It answers
// ARP and Neighbor Solicitations for its addresses, learns its neighbours,
// answers echo requests, echoes UDP on the ports it serves and answers
// others with port unreachable, and answers a TCP SYN with a SYN-ACK or a
// reset. Its client calls — Ping, Probe, UDP, TCPSyn — resolve the next
// hop, send one packet shaped by Opts and return what came back as a
// Reply, ICMP errors included. Every frame a host receives is recorded,
// for assertions that nothing crossed between domains.
//
// A Stepped network is deterministic: the goroutine that makes a client
// call polls every node (hosts and the router) until the answer arrives,
// and when all are idle moves a manual clock to the next deadline, so
// timeouts cost no real time. A Concurrent network runs a goroutine per
// host on the system clock, for a router that runs its own goroutines.
package sim

// Package evpn tests govrf's VRFs across routers: BGP EVPN type-5 routes
// with a VXLAN L3VNI per VRF, between govrfds and against the peers a
// network would have, FRR from Debian's frr package as a remote site and
// gobgpd from Debian's gobgpd package as a route reflector. Every router
// is a set of network namespaces on one underlay segment, 10.99.0.0/24,
// whose switch is a bridge in a namespace of its own: govrfd's routers
// R1 and R2 at .1 and .2, FRR's sites at .3 and .4, the route reflector
// at .10. The tests need root; without it they skip, unless CI=true,
// where they fail.
//
// The harness checks itself against FRR and gobgpd alone
// (TestIntegrationFRR*, TestIntegrationRawPeerFRR), and govrf's VXLAN
// data plane against FRR's kernel programmed by hand. The tests of
// govrf's BGP speaker are TestIntegrationEVPN*:
//
//	go test -run TestIntegrationEVPN ./test/evpn
package evpn

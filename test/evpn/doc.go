// Package evpn tests govrf's VRFs across routers: BGP EVPN type-5 routes
// with a VXLAN L3VNI per VRF, between govrfds and against the peers a
// network would have, FRR from Debian's frr package as a remote site and
// gobgpd from Debian's gobgpd package as a route reflector. Every router
// is a set of network namespaces on one underlay segment, 10.99.0.0/24,
// whose switch is a bridge in a namespace of its own. The tests need root;
// without it they skip, unless CI=true, where they fail.
package evpn

// Package bgp is govrf's BGP EVPN speaker (docs/bgp.md): GoBGP's server,
// embedded through its Go API, carrying each configured VRF's routes as
// EVPN type-5 (IP prefix) routes (RFC 9136) over a VXLAN layer-3 VNI
// (RFC 8365), and installing the routes it receives into the VRFs whose
// import route targets they carry.
//
// The speaker reads the control plane's snapshots (the BGP configuration,
// the VRFs' tables, the VXLAN ports) and changes the control plane only
// through command lines handed to an Applier, as a routing daemon
// changes the kernel through netlink: `route replace ... proto bgp`,
// `neigh replace ... extern_learn` and `bridge fdb replace ...`.
//
// GoBGP makes its sockets in the namespace of whatever thread runs it,
// so when the sessions belong to another namespace (govrfd's underlay,
// the default VRF's host stack) GoBGP runs in a child process started
// there (child.go, remote.go); otherwise in this process (gobgp.go).
package bgp

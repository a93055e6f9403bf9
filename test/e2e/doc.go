// Package e2e tests govrfd end to end: the seed topology of the demo
// (router namespace R running govrfd, sites A1, A2 in VRF a and B1, B2
// in VRF b, the same addresses on both sides) built in network
// namespaces, with the system's ping, traceroute and iperf3 as the
// hosts' tools. The tests need root; without it they skip, unless
// CI=true, where they fail.
package e2e

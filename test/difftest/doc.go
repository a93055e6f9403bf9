// Package difftest compares govrf's policy routing with the Linux kernel's.
//
// A seeded generator writes random configurations as ip command lines —
// dummy links, IPv4 and IPv6 addresses, routes of every type in several
// tables, multipath routes, policy rules with every selector and action,
// the multipath hash seed, policies and fields —
// and random `route get` queries biased towards the configured prefixes,
// their boundaries and the local and broadcast addresses. Each
// configuration is loaded into a fresh network namespace with ip and into
// an in-process govrf with its CLI; then every query is asked of both and
// the answers (type, device, gateway, table, preferred source, error text)
// are compared, as is whether each configuration line was accepted. With
// the hash seeded, the path a multipath route takes must agree too; a
// third of the queries name a protocol and ports for the hash to read.
//
// A disagreement is minimised (configuration lines and query words are
// dropped while it persists) and printed as a small case: the lines, the
// query, Linux's answer and govrf's.
//
// A `link add NAME type dummy` line is realised on Linux as a veth whose
// peer sits, up, in a second namespace: CONFIG_DUMMY is missing from the
// small kernels govrf is made for (its CI's among them), and a veth with a
// live peer is, for route lookups, what a dummy is. Duplicate address
// detection is off in the namespace, since a dummy (IFF_NOARP) never runs
// it, and the link-local addresses, which a veth gets asynchronously once
// linkwatch reports it running, are awaited before the queries.
package difftest

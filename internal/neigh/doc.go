// Package neigh is govrf's neighbour subsystem: one Cache per port holding
// the port's ARP (IPv4) and NDP (IPv6) entries, with Linux's NUD state
// machine (net/core/neighbour.c), ARP's merge rules (net/ipv4/arp.c,
// RFC 826) and NDP's (net/ipv6/ndisc.c, RFC 4861 §7.2–7.3), packets queued
// while their next hop is resolved, and bounded tables.
//
// Caches are per port, so ports in different VRFs never share a neighbour
// (docs/architecture.md, requirement I4), and a flood on one port cannot take entries
// from another. Each cache holds two tables, one per family, each with its
// own Params, limits and Stats, as Linux keeps arp_tbl and nd_tbl apart,
// and each table keeps Linux's limits exactly (gc.go). A Budget shared by
// the caches caps their entries and queued bytes together (budget.go,
// requirement I5).
//
// The cache runs no goroutines and sends nothing. The data plane drives it:
//
//  1. Lookup on every packet for the next hop: a usable MAC, or not.
//     It takes no lock.
//  2. Resolve when Lookup failed: the frame is copied into the entry's
//     queue and the Verdict says whether to send a solicitation now, or
//     that the MAC is known after all (Lookup sees entries made since the
//     last Tick only from the next one).
//  3. Input with what every ARP packet and NDP message brings in; it
//     returns the queued frames that can now go out.
//  4. Tick, at Next or every few tens of milliseconds, with the current
//     time: it runs the entries' timers and garbage collection and
//     returns the Actions to take: solicitations to send, queued frames
//     to transmit, and frames whose resolution failed, to answer with
//     ICMP host unreachable or ICMPv6 address unreachable (RFC 4861
//     §7.2.2).
//
// The control plane uses Add, Replace, Change, Delete and Flush for
// `ip neigh add|replace|change|del` and for flushing a port on enslave or
// link down, Entries and Get for `ip neigh show|get`, Stats for
// /proc/net/stat/arp_cache's counters, and SetParams for the
// net.ipv{4,6}.neigh.PORT.* sysctls.
//
// All time comes from a Clock (tests use ManualClock) and Tick's argument;
// randomness from Config.Rand.
package neigh

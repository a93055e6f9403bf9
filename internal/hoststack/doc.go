// Package hoststack gives every VRF, the default one included, a host
// stack: a Linux network namespace whose kernel plays the part the VRF
// device plays in Linux VRF, the home of the VRF's own sockets. So an
// unmodified program run in it (`govrf vrf exec NAME -- CMD`, which is
// Exec) lives in the VRF, with no VRF driver and no cgroup BPF.
//
// # Naming
//
// The namespace of VRF NAME is "govrf-NAME" (NamespaceName), bound at
// /run/netns/govrf-NAME, so `ip netns list` shows it and
// `ip -n govrf-NAME` looks inside. It holds lo and one TUN device named
// after the VRF (cut to 15 octets), carrying bare IP packets
// (IFF_TUN|IFF_NO_PI).
//
// # Packets
//
// What the namespace's kernel sends out of the TUN device, Read returns:
// govrf routes it with oif = the VRF, as a socket bound to a VRF device
// has its packets routed. What Write is given, the namespace's kernel
// receives on the TUN device: govrf writes there the packets for the
// VRF's local addresses that it does not answer itself.
//
// # The mirror
//
// Sync keeps the namespace a mirror of the VRF, so that its kernel picks
// the source address Linux would pick in the VRF and fails at once where
// Linux would:
//
//   - The VRF's local addresses are on the TUN device, added without DAD
//     and without a prefix route (IFA_F_NOPREFIXROUTE). The kernel makes
//     their local routes (local table) and nothing in the main table.
//     Loopback addresses are left to lo.
//   - The main table holds exactly the routes Sync is given, connected
//     ones included: unicast ones out of the TUN device with no gateway
//     and the preferred source govrf computed; unreachable, prohibit and
//     blackhole ones as such, so that connect(2) gets EHOSTUNREACH,
//     EACCES or EINVAL at once. Nothing the kernel made competes with
//     them, so a route's source is the one given. Where none is given
//     the kernel selects among the TUN device's addresses as any host
//     does.
//   - Settings: no forwarding, no reverse-path filter, no DAD,
//     autoconfiguration, router solicitations or kernel link-local
//     address; secondaries promoted when a primary address goes.
//
// # Removal from outside
//
// `ip netns del govrf-NAME` unmounts the file, but the namespace lives on
// while the stack holds its TUN device and netlink socket: packets still
// flow, yet no new program can enter it. Check notices (the file's
// device and inode are no longer the namespace's) and returns ErrGone;
// the owner then closes the stack and creates it again. Close removes
// the namespace only while the file still holds it, never one that
// replaced it. A namespace found already bound at Create (govrfd ended
// without Close) is adopted, with the programs still running in it.
package hoststack

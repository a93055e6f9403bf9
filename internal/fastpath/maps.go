package fastpath

import "net/netip"

// Sizes of the maps. Port and VRF slots are doubled by the loader: a new
// compilation is written beside the one in use, so the program never
// sees a table that refers to nexthops or VRFs of another generation.
const (
	// MaxPorts bounds the port slots (counters).
	MaxPorts = 1024
	// MaxVRFs bounds the VRFs compiled at once, per generation.
	MaxVRFs = 1024
	// MaxNexthops bounds the nexthops of one generation.
	MaxNexthops = 1 << 16
	// maxRoutes bounds one VRF's trie of one family. LPM tries allocate
	// per entry, so the bound costs nothing until used.
	maxRoutes = 1 << 24
)

// PortValue is the ports map's value, keyed by the kernel ifindex of a
// port the program runs on. A port without an entry hands everything to
// the slow path.
type PortValue struct {
	Slot  uint32  // the port's counter slot
	VRF   uint32  // the outer slot of its VRF's tries
	Flags uint32  // PortIPv4, PortIPv6
	MAC   [6]byte // the port's own MAC: frames to another are not forwarded
	_     [2]byte
}

// Port flags.
const (
	// PortIPv4: net.ipv4.ip_forward is on and the port's VRF compiled.
	PortIPv4 = 1 << 0
	// PortIPv6: net.ipv6.conf.all.forwarding is on and the VRF compiled.
	PortIPv6 = 1 << 1
)

// Offsets of PortValue's fields, for the program.
const (
	portSlotOff  = 0
	portVRFOff   = 4
	portFlagsOff = 8
	portMACOff   = 12
	portSize     = 20
)

// NexthopValue is the nexthops array's value: where a packet leaves and
// with which Ethernet header. Index 0 is never used; a trie entry whose
// nexthop is 0 hands the packet to the slow path.
type NexthopValue struct {
	Ifindex uint32 // the egress port's kernel ifindex
	Slot    uint32 // the egress port's counter slot
	MTU     uint32 // the most IP octets that leave without an ICMP error
	_       uint32
	// Deadline is when the neighbour's REACHABLE state may end, in
	// CLOCK_MONOTONIC nanoseconds: from then on the program hands the
	// packet to the slow path, whose neighbour cache decides.
	Deadline uint64
	Src      [6]byte // the egress port's MAC
	Dst      [6]byte // the neighbour's MAC
	_        [4]byte
}

// Offsets of NexthopValue's fields, for the program.
const (
	nhIfindexOff  = 0
	nhSlotOff     = 4
	nhMTUOff      = 8
	nhDeadlineOff = 16
	nhSrcOff      = 24
	nhDstOff      = 30
	nhSize        = 40
)

// Trie values: the nexthop id in the low bits (0: hand to the slow path)
// and whether a packet from an address the entry matches may be
// forwarded (the source check: martians, the router's own addresses, a
// source whose reverse route the slow path would refuse).
const (
	trieNexthopMask = 1<<24 - 1
	trieSourceOK    = 1 << 31
)

// Counters is the per-CPU counters array's value, one per port slot:
// what the fast path forwarded, to be added to the data plane's counts.
type Counters struct {
	RxPackets uint64 // received and forwarded by the fast path
	RxBytes   uint64
	TxPackets uint64 // sent by the fast path
	TxBytes   uint64
}

// Offsets of Counters' fields, for the program.
const (
	ctrRxPackets = 0
	ctrRxBytes   = 8
	ctrTxPackets = 16
	ctrTxBytes   = 24
	ctrSize      = 32
)

// Add adds o to c.
func (c *Counters) Add(o Counters) {
	c.RxPackets += o.RxPackets
	c.RxBytes += o.RxBytes
	c.TxPackets += o.TxPackets
	c.TxBytes += o.TxBytes
}

// trieKey4 and trieKey6 are the LPM tries' keys (struct bpf_lpm_trie_key
// with the address in network order).
type trieKey4 struct {
	Bits uint32
	Addr [4]byte
}

type trieKey6 struct {
	Bits uint32
	Addr [16]byte
}

// trieKey returns p's key in its family's layout.
func trieKey(p netip.Prefix) any {
	if p.Addr().Is4() {
		return trieKey4{uint32(p.Bits()), p.Addr().As4()}
	}
	return trieKey6{uint32(p.Bits()), p.Addr().As16()}
}

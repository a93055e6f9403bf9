package fastpath

import "net/netip"

// Sizes of the maps. Port and VRF slots are doubled by the loader: a new
// compilation is written beside the one in use, so the program never
// sees a table that refers to nexthops or VRFs of another generation.
const (
	// MaxPorts bounds the port slots (counters).
	MaxPorts = 1024
	// MaxVRFs bounds the VRFs compiled at once (those holding an attached
	// port), per generation.
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
//
// Apply writes whole values into the generation not in use. A neighbour
// change rewrites only the neighbour's part of the values in use
// (Path.SetNeighbour) in place, under Seq: odd while a write is under
// way, the deadline and the word of Dst and Flags each written in one
// 8-octet store. The program reads Seq before and after it reads them
// and hands the packet over if Seq was odd or moved, so it never
// forwards by a torn neighbour.
type NexthopValue struct {
	Ifindex uint32 // the egress port's kernel ifindex
	Slot    uint32 // the egress port's counter slot
	MTU     uint32 // the most IP octets that leave without an ICMP error
	Seq     uint32 // the neighbour part's write count; odd: being written
	// Deadline is when the program stops forwarding to the neighbour, in
	// CLOCK_MONOTONIC nanoseconds: from then on (0: always) it hands the
	// packet to the slow path, whose neighbour cache decides.
	Deadline uint64
	Src      [6]byte // the egress port's MAC
	_        [2]byte
	Dst      [6]byte // the neighbour's MAC
	Flags    uint16  // NexthopTrack
	// Used is when the program last forwarded to a tracked neighbour, in
	// CLOCK_MONOTONIC nanoseconds, written at most once per
	// usedResolution; only the program writes it.
	Used uint64
}

// NexthopTrack asks the program to stamp Used when it forwards: the
// neighbour is in a state (DELAY, PROBE) where Linux's output marks it
// used (neigh_event_send).
const NexthopTrack = 1 << 0

// usedResolution is how stale the program lets Used be before it writes
// it again, to keep the nexthop's cache line quiet under traffic.
const usedResolution = 1_000_000 // 1 ms

// Offsets of NexthopValue's fields, for the program and in-place writes.
const (
	nhIfindexOff  = 0
	nhSlotOff     = 4
	nhMTUOff      = 8
	nhSeqOff      = 12
	nhDeadlineOff = 16
	nhSrcOff      = 24
	nhDstOff      = 32 // with Flags, one 8-octet word
	nhFlagsOff    = 38
	nhUsedOff     = 40
	nhSize        = 48
)

// Neighbour is the part of a nexthop its neighbour decides, which a
// neighbour change rewrites in place.
type Neighbour struct {
	Deadline uint64  // NexthopValue.Deadline
	MAC      [6]byte // NexthopValue.Dst
	Flags    uint16  // NexthopValue.Flags
}

// NeighbourKey names a nexthop's neighbour: its port's link index and
// its address.
type NeighbourKey struct {
	Link int
	Addr netip.Addr
}

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

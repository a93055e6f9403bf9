package control

import (
	"crypto/rand"
	"fmt"
	"net/netip"
	"slices"

	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/neigh"
)

// Kind is the type of a link, as `ip link add ... type KIND`.
type Kind uint8

// Link kinds.
const (
	KindLoopback Kind = iota
	KindDummy         // a port with no packet I/O, for offline configurations
	KindVRF           // an L3 master device bound to a table
	KindPacket        // a port on an existing kernel interface (AF_PACKET)
	KindTap           // a port on a TAP device govrf creates
	KindVXLAN         // a VXLAN tunnel port: frames carried in UDP over the default VRF
)

var kindNames = [...]string{"loopback", "dummy", "vrf", "packet", "tap", "vxlan"}

// IsPort reports whether links of the kind carry frames of their own (or
// stand for a port offline, as dummy does): they get link-local addresses
// and neighbours, and may be enslaved to a VRF.
func (k Kind) IsPort() bool {
	return k == KindDummy || k == KindPacket || k == KindTap || k == KindVXLAN
}

// String returns the kind as `ip -d link` prints it.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind%d", k)
}

// ParseKind reads a link type keyword accepted by `link add`.
func ParseKind(s string) (Kind, bool) {
	for i, n := range kindNames {
		if n == s && Kind(i) != KindLoopback {
			return Kind(i), true
		}
	}
	return 0, false
}

// Flags are the device flags a link is created with (IFF_*), apart from
// UP and LOWER_UP which follow the link's state.
type Flags uint32

// Device flags.
const (
	FlagLoopback Flags = 1 << iota
	FlagBroadcast
	FlagNoARP
	FlagMaster
	FlagMulticast // ports on Ethernet devices (veth, tap) join groups: NDP's
)

// MAC is an Ethernet address.
type MAC [6]byte

// String formats the address as ip does (lower-case, colon separated).
func (m MAC) String() string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5])
}

// randomMAC returns a locally administered unicast address, as
// eth_hw_addr_random does for dummy and VRF devices.
func randomMAC() MAC {
	var m MAC
	rand.Read(m[:])
	m[0] = m[0]&0xfe | 0x02
	return m
}

// Link is a network device: the loopback, a port, or a VRF device.
// A published Link is immutable.
type Link struct {
	Index  int
	Name   string
	Kind   Kind
	Flags  Flags
	MAC    MAC
	MTU    int
	Up     bool        // administratively up (IFF_UP)
	Master int         // index of the enslaving VRF; 0 for none
	Table  fib.TableID // the VRF's table (KindVRF only)
	Group  int
	Parent string // KindPacket: the kernel interface the port drives
	// Force (KindPacket) attaches the port even to an interface that
	// carries IPv4 addresses (`type packet force`).
	Force bool
	Addrs []Addr // in the order `ip addr` lists them
	// VXLAN is the tunnel of a KindVXLAN link; nil for other kinds.
	VXLAN *VXLAN
	// Neighbors are a port's configured neighbours in address order
	// (neigh.go).
	Neighbors []neigh.Static

	gen uint64 // the snapshot generation that owns this copy
}

// VXLAN is a VXLAN link's tunnel, as `ip link add NAME type vxlan id VNI
// local ADDR dstport PORT [nolearning]` sets it up. Its outer packets are
// routed in the default VRF.
type VXLAN struct {
	VNI      uint32     // the VXLAN network identifier (id), 0 to 2^24-1
	Local    netip.Addr // the outer source address (local); invalid for none
	Port     uint16     // the outer UDP destination port (dstport)
	Learning bool       // learn remote MACs from received frames (not nolearning)
	// Remote is the default destination (`remote ADDR`), which the link
	// also gets as an all-zeros FDB entry; invalid for none.
	Remote netip.Addr
	// SrcPortLow and SrcPortHigh bound the outer UDP source port
	// (`srcport MIN MAX`, MAX excluded); 0 and 0 for the kernel's
	// default, the local port range 32768-60999.
	SrcPortLow, SrcPortHigh uint16
	TTL                     uint8 // the outer TTL or hop limit; 0 for auto (64)
	// Ageing is how many seconds a learned entry lives without a frame
	// refreshing it (`ageing`); 0 (`ageing none`) takes the kernel's
	// default, 300, as Linux does.
	Ageing uint32
	// FDB is the forwarding database configured on the link (`bridge
	// fdb`), in the order entries were made. Learned entries are the data
	// plane's.
	FDB []FDBEntry

	// remotes indexes FDB's destinations by MAC (Remotes); nil until a
	// VXLAN made by AddLink or ChangeFDB.
	remotes map[MAC][]netip.Addr
}

// IsVRF reports whether the link is a VRF device.
func (l *Link) IsVRF() bool { return l.Kind == KindVRF }

// editLink returns a writable copy of link index owned by s.
func (s *Snapshot) editLink(index int) *Link {
	l := s.links[index]
	s.stale = true // names, groups and kinds feed the compiled rules
	if l.gen != s.gen {
		c := *l
		c.Addrs = append([]Addr(nil), l.Addrs...)
		c.Neighbors = slices.Clone(l.Neighbors)
		c.gen = s.gen
		s.links[index] = &c
		l = &c
	}
	s.dirty = true
	return l
}

// addLink gives l the next free index and adds it.
func (s *Snapshot) addLink(l *Link) *Link {
	l.Index = s.nextIndex
	l.gen = s.gen
	s.nextIndex++
	for len(s.links) <= l.Index {
		s.links = append(s.links, nil)
	}
	s.links[l.Index] = l
	s.names[l.Name] = l.Index
	s.dirty = true
	s.stale = true
	return l
}

// l3Table returns the table a link's routes live in: its VRF's table, or
// dflt (main or local) in the default VRF (l3mdev_fib_table).
func (s *Snapshot) l3Table(index int, dflt fib.TableID) fib.TableID {
	if v := s.VRFOf(index); v != nil {
		return v.Table
	}
	return dflt
}

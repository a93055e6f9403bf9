package fastpath

import (
	"fmt"
	"maps"
	"net/netip"
	"slices"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
)

// Port is an attached port the fast path may run on.
type Port struct {
	Link    int        // its link index in the control plane
	Ifindex int        // its kernel interface index, where the program runs
	Slot    int        // its counter slot, below MaxPorts, stable while attached
	MAC     header.MAC // the MAC the data plane receives and sends with
	MTU     int        // the port's own MTU; the link's bounds it too
	Neigh   *neigh.Cache
}

// Compiled is what the maps hold for one control snapshot and the ports'
// neighbour caches at one moment.
type Compiled struct {
	// Ports by kernel ifindex; PortValue.VRF indexes VRFs. A port with no
	// entry is handed to the slow path whole.
	Ports map[uint32]PortValue
	// Nexthops: nexthop id i+1 is Nexthops[i], to neighbour
	// Neighbours[i].
	Nexthops   []NexthopValue
	Neighbours []NeighbourKey
	// VRFs are the compiled L3 domains' tries.
	VRFs []Tries
}

// Tries are one L3 domain's LPM entries, IPv4 then IPv6. A family whose rules
// the compiler could not prove has no entries, and its ports hand that
// family to the slow path.
type Tries struct {
	VRF    int // the VRF's link index; 0: the default VRF
	Routes [2][]Entry
}

// Entry is one LPM entry: a prefix and its trie value (a nexthop id, 0
// to hand to the slow path, and trieSourceOK).
type Entry struct {
	Prefix netip.Prefix
	Value  uint32
}

// Nexthop returns the entry's nexthop id; 0 hands to the slow path.
func (e Entry) Nexthop() uint32 { return e.Value & trieNexthopMask }

// SourceOK reports whether a source the entry matches may be forwarded.
func (e Entry) SourceOK() bool { return e.Value&trieSourceOK != 0 }

// Compile turns snapshot s and the ports' neighbour caches into map
// contents. mono is CLOCK_MONOTONIC (Monotonic) read before the call,
// the clock of the program's neighbour deadlines: the caches' ages, taken
// during the call, then make deadlines early, never late. The result is
// valid until s changes; a neighbour's change is its nexthop's
// Neighbour part rewritten (NeighbourOf, Path.SetNeighbour), and a new
// neighbour a route could use directly (on link) needs a compilation.
//
// Only VRFs that are up and hold a port of ports are compiled (domains),
// at most MaxVRFs of them (the ports of VRFs past the cap, and the
// default VRF's, are handed to the slow path), each family of a VRF only
// when rulesExact holds, and within it
// only what the rules of routes.go, overlay.go and nexthops.go allow;
// everything else is handed to the slow path.
func Compile(s *control.Snapshot, ports []Port, mono uint64) (*Compiled, error) {
	c, err := newCompiler(s, ports, mono)
	if err != nil {
		return nil, err
	}
	out := &Compiled{Ports: map[uint32]PortValue{}}
	for _, d := range domains(s, ports) {
		tr, ps := c.domain(d, len(out.VRFs))
		maps.Copy(out.Ports, ps)
		out.VRFs = append(out.VRFs, tr)
	}
	out.Nexthops, out.Neighbours = c.nexthops, c.nhKeys
	return out, nil
}

// domainRef is an L3 domain Compile compiles: its VRF's link index (0:
// the default VRF), its table, and the families its rules let it
// compile.
type domainRef struct {
	vrf   int
	table fib.TableID
	exact [2]bool
}

// domains returns the L3 domains Compile compiles for s and ports, in
// the order of their slots: the VRFs that are up and hold a port of
// ports (up or down), in link (index) order, then the default VRF if it holds
// one, those whose rules leave a family to compile, at most MaxVRFs.
//
// The program looks up only the ingress port's VRF's trie: a route
// through another VRF's port leaves by that port after the one lookup
// (routes.go), a leak through a VRF device goes to the slow path, and no
// rule the compiler accepts looks in another table. A VRF with no port
// of ports thus receives no packet the program sees, and needs no trie;
// VRFs made, dropped or changed without such a port leave the domains,
// and their slots, as they are. A port counts whether up or down, so
// that bringing a VRF's last port down or up does not move the slots.
func domains(s *control.Snapshot, ports []Port) []domainRef {
	sc := s.Sysctl()
	fwd := [2]bool{sc.IPForward, sc.IPv6Forwarding}
	var vrf, def [2]bool
	for fi, f := range []fib.Family{fib.IPv4, fib.IPv6} {
		vrf[fi] = fwd[fi] && rulesExact(s.Rules(f))
		def[fi] = fwd[fi] && rulesExactDefault(s.Rules(f))
	}
	held := map[int]bool{} // VRFs holding a port; 0: the default VRF
	for _, p := range ports {
		if l := s.Link(p.Link); l != nil && l.Kind.IsPort() {
			held[l.Master] = true
		}
	}
	var out []domainRef
	if vrf != [2]bool{} {
		// By the ports' VRFs, not every link: the cost is the ports',
		// whatever the VRFs.
		for _, i := range slices.Sorted(maps.Keys(held)) {
			if l := s.Link(i); i != 0 && l != nil && l.IsVRF() && l.Up && len(out) < MaxVRFs {
				out = append(out, domainRef{l.Index, l.Table, vrf})
			}
		}
	}
	if def != [2]bool{} && held[0] && len(out) < MaxVRFs {
		out = append(out, domainRef{0, fib.TableMain, def})
	}
	return out
}

// newCompiler checks ports and returns a compiler of s with the ports
// that are up.
func newCompiler(s *control.Snapshot, ports []Port, mono uint64) (*compiler, error) {
	c := &compiler{s: s, mono: mono, ports: map[int]*portState{}, nhIDs: map[NeighbourKey]uint32{}}
	slots, ifindexes := map[int]bool{}, map[int]bool{}
	for i := range ports {
		p := &ports[i]
		switch {
		case p.Slot < 0 || p.Slot >= MaxPorts:
			return nil, fmt.Errorf("fastpath: port %d has slot %d: give each port a slot below %d", p.Link, p.Slot, MaxPorts)
		case slots[p.Slot]:
			return nil, fmt.Errorf("fastpath: slot %d given to two ports: give each port its own", p.Slot)
		case p.Ifindex <= 0 || p.Neigh == nil:
			return nil, fmt.Errorf("fastpath: port %d needs an ifindex and a neighbour cache", p.Link)
		case ifindexes[p.Ifindex]:
			return nil, fmt.Errorf("fastpath: ifindex %d given to two ports: give each port its interface's", p.Ifindex)
		}
		slots[p.Slot], ifindexes[p.Ifindex] = true, true
		if l := s.Link(p.Link); l != nil && l.Kind.IsPort() && l.Up {
			c.ports[p.Link] = &portState{Port: p, link: l}
		}
	}
	return c, nil
}

// domain compiles L3 domain d into its tries and the ports map's
// entries of its ports, whose VRF slot is slot.
func (c *compiler) domain(d domainRef, slot int) (Tries, map[uint32]PortValue) {
	c.vrf = d.vrf
	tr := Tries{VRF: d.vrf}
	var flags uint32
	for fi, f := range []fib.Family{fib.IPv4, fib.IPv6} {
		if d.exact[fi] {
			tr.Routes[fi] = c.tries(c.s.Table(d.table), f)
			flags |= 1 << fi // PortIPv4, PortIPv6
		}
	}
	ps := map[uint32]PortValue{}
	for _, p := range c.portsOf(d.vrf) {
		ps[uint32(p.Ifindex)] = PortValue{Slot: uint32(p.Slot), VRF: uint32(slot), Flags: flags, MAC: p.MAC}
	}
	return tr, ps
}

// compiler holds one compilation's state.
type compiler struct {
	s        *control.Snapshot
	vrf      int // the domain being compiled; 0: the default VRF
	mono     uint64
	ports    map[int]*portState // up ports by link index
	nhIDs    map[NeighbourKey]uint32
	nexthops []NexthopValue
	nhKeys   []NeighbourKey // the neighbour of each of nexthops
	overlays [2]*overlays   // by family, built when first needed
}

// portState is a port with its neighbours, read once per compilation.
type portState struct {
	*Port
	link   *control.Link
	neighs map[netip.Addr]neigh.Entry // nil until first needed
	order  []netip.Addr               // neighs' addresses in order
}

// portsOf returns the up ports enslaved to VRF vrf, by slot.
func (c *compiler) portsOf(vrf int) []*portState {
	var out []*portState
	for _, p := range c.ports {
		if p.link.Master == vrf {
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b *portState) int { return a.Slot - b.Slot })
	return out
}

// tries compiles table t (nil: no routes) for family f into entries.
func (c *compiler) tries(t *fib.Table, f fib.Family) []Entry {
	var out []Entry
	if t != nil {
		out = c.routes(t, f)
	}
	return c.overlay(out, f)
}

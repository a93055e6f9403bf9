package fastpath

import (
	"net/netip"
	"slices"

	"github.com/govrf/govrf/internal/fib"
)

// Martian prefixes, handed to the slow path as destinations and as
// sources whatever a VRF's table says.
//
// IPv4 (ip_route_input_slow, govrf's control.Router.Input): a multicast
// or limited broadcast source or destination, 0.0.0.0 (to or from),
// loopback addresses (route_localnet off).
//
// IPv6 (ip6_rcv_core, ip6_forward): multicast, loopback and IPv4-mapped
// sources, loopback and multicast destinations, the unspecified source,
// and link-local addresses both ways (a link-local destination is never
// routed off its link, a link-local source is answered beyond scope).
var martians = [2][]netip.Prefix{
	{
		netip.MustParsePrefix("0.0.0.0/32"),
		netip.MustParsePrefix("127.0.0.0/8"),
		netip.MustParsePrefix("224.0.0.0/4"),
		netip.MustParsePrefix("255.255.255.255/32"),
	},
	{
		netip.MustParsePrefix("::/128"),
		netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("::ffff:0:0/96"),
		netip.MustParsePrefix("fe80::/10"),
		netip.MustParsePrefix("ff00::/8"),
	},
}

// overlay lays over a VRF's entries what is decided before its table:
// the local table, which rule 0 looks up before the l3mdev rule (the
// router's addresses of the default VRF and their broadcasts, for
// every VRF's packets too, as in Linux), and the martians. Every address
// inside one of those prefixes goes to the slow path as a destination:
// the prefix gets an entry of its own, and an entry of the VRF inside it
// loses its nexthop, so that no longer VRF prefix wins the longest
// match. As a source, a martian refuses, and so does an IPv4 local-table
// prefix (an address of the router, or a route the reverse lookup finds
// before the VRF's); IPv6 checks no source against the local table.
//
// IPv6 looks a source up in the VRF's trie too, where a miss goes to the
// slow path: a ::/0 entry that hands destinations to the slow path (as a
// miss does) is added when the table has no default route, so that
// sources outside the table's prefixes are forwarded.
func (c *compiler) overlay(out []Entry, f fib.Family) []Entry {
	fi := famIndex(f)
	o := c.overlaySet(fi)
	hasDefault := false
	kept := out[:0]
	for _, e := range out {
		if _, ok := o.over[e.Prefix]; ok {
			continue // the overlay's own entry replaces it
		}
		e = o.mask(e)
		hasDefault = hasDefault || e.Prefix.Bits() == 0
		kept = append(kept, e)
	}
	for p := range o.over {
		src, _ := o.inside(p, true)
		kept = append(kept, Entry{Prefix: p, Value: src})
	}
	if fi == 1 && !hasDefault {
		kept = append(kept, defaultEntry6)
	}
	return kept
}

// defaultEntry6 is the ::/0 entry added to an IPv6 trie whose table has
// no default route: destinations to the slow path, sources forwarded.
var defaultEntry6 = Entry{Prefix: netip.PrefixFrom(netip.IPv6Unspecified(), 0), Value: trieSourceOK}

// famIndex returns f's index in Tries.Routes: 0 for IPv4, 1 for IPv6.
func famIndex(f fib.Family) int {
	if f == fib.IPv6 {
		return 1
	}
	return 0
}

// overlays are the prefixes overlay lays over a family's entries, with
// the source bit each leaves, and their lengths.
type overlays struct {
	over map[netip.Prefix]uint32
	lens []int
}

// overlaySet returns the overlay of family fi, built once per
// compilation from the martians and the local table.
func (c *compiler) overlaySet(fi int) *overlays {
	if o := c.overlays[fi]; o != nil {
		return o
	}
	f := fib.IPv4
	if fi == 1 {
		f = fib.IPv6
	}
	o := &overlays{over: map[netip.Prefix]uint32{}}
	for _, p := range martians[fi] {
		o.over[p] = 0
	}
	if t := c.s.Table(fib.TableLocal); t != nil {
		for r := range t.All() {
			if fib.FamilyOf(r.Prefix.Addr()) != f {
				continue
			}
			if _, ok := o.over[r.Prefix]; !ok {
				o.over[r.Prefix] = uint32(fi) * trieSourceOK
			}
		}
	}
	for p := range o.over {
		if !slices.Contains(o.lens, p.Bits()) {
			o.lens = append(o.lens, p.Bits())
		}
	}
	c.overlays[fi] = o
	return o
}

// inside returns the source bit that the overlay prefixes holding p (p
// itself included when self) leave, and whether there are any.
func (o *overlays) inside(p netip.Prefix, self bool) (uint32, bool) {
	src, found := uint32(trieSourceOK), false
	for _, bits := range o.lens {
		if bits > p.Bits() || bits == p.Bits() && !self {
			continue
		}
		q, _ := p.Addr().Prefix(bits)
		if v, ok := o.over[q]; ok {
			src &= v
			found = true
		}
	}
	return src, found
}

// mask returns a VRF entry e, not itself an overlay prefix, as the
// overlay leaves it: inside an overlay prefix it loses its nexthop and
// keeps its source bit only if the overlay's allows it.
func (o *overlays) mask(e Entry) Entry {
	if src, ok := o.inside(e.Prefix, false); ok {
		e.Value = e.Value & trieSourceOK & src
	}
	return e
}

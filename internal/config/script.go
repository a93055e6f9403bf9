package config

import (
	"bufio"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/neigh"
)

// Script returns the canonical command script of s: the govrf command
// lines that rebuild s from control.New(), in an order that works and is
// always the same for the same state:
//
//   - sysctls that differ from Linux's defaults, first, because strict_mode,
//     keep_addr_on_down and IPv6 forwarding change what later lines do;
//   - links in index order, with stand-ins created and deleted where an
//     index was freed (indexes are never reused, dev_new_index), then the
//     ports' masters;
//   - addresses, link by link, with the `link set up` that makes the
//     kernel's link-local address placed where that address sits in the
//     list, so that the address order comes back; the links of one table
//     that are up come up in the order they did (upOrder), so that the
//     order of their equal kernel routes comes back;
//   - nexthop objects (single paths before groups), routes table by table
//     with `route append` in table order, and rules as changes to the rules
//     a fresh namespace (and its first VRF) has;
//   - the BGP configuration, once the VRFs it names exist (bgp.go);
//   - last, links that are down go down: every link a route or nexthop
//     object goes through is up while those are added, as they were, and
//     a link whose kept link-local address (keep_addr_on_down) had to be
//     made by bringing it up.
//
// Kernel-made state is not written: routes of protocol kernel, the
// link-local addresses made on link up, lo's default addresses and the
// default and l3mdev rules, apart from their deletion. Nor is what the
// BGP speaker learnt: routes of protocol bgp are its own, made again
// from its sessions (docs/bgp.md).
func Script(s *control.Snapshot) string {
	var b strings.Builder
	WriteScript(&b, s)
	return b.String()
}

// WriteScript writes Script(s) to out as it is made, without holding it
// whole, and returns out's first error.
func WriteScript(out io.Writer, s *control.Snapshot) error {
	w := &writer{s: s, b: bufio.NewWriterSize(out, 64<<10), ll: map[int]bool{}}
	w.sysctls()
	w.links()
	used := usedLinks(s)
	for _, l := range upOrder(s) {
		w.addrs(l, used[l.Index])
	}
	w.nexthops()
	w.routes()
	w.rules()
	w.bgp()
	for l := range s.Links() {
		if !l.Up && (used[l.Index] || w.ll[l.Index] || l.Kind == control.KindLoopback) {
			w.down(l)
		}
	}
	w.neighbors()
	return w.b.Flush()
}

// writer writes the script of one snapshot.
type writer struct {
	s  *control.Snapshot
	b  *bufio.Writer
	ll map[int]bool // links brought up during the script
}

func (w *writer) line(format string, a ...any) {
	fmt.Fprintf(w.b, format, a...)
	w.b.WriteByte('\n')
}

// sysctls writes the sysctls that differ from a fresh namespace's.
func (w *writer) sysctls() {
	dflt := control.New().Snapshot().Sysctl()
	for _, n := range control.SysctlNames() {
		v, _ := w.s.Sysctl().Get(n)
		if d, _ := dflt.Get(n); v != d {
			w.line("sysctl -w %s=%s", n, v)
		}
	}
}

// Link defaults of control.AddLink and control.New.
const (
	loMTU    = 65536
	dummyMTU = 1500
	vrfMTU   = 65575
)

// links creates the links in index order and enslaves the ports.
func (w *writer) links() {
	names := map[string]bool{}
	last := 0
	for l := range w.s.Links() {
		names[l.Name] = true
		last = l.Index
	}
	gap := "gap"
	for names[gap] {
		gap += "_"
	}
	for i := 2; i <= last; i++ {
		l := w.s.Link(i)
		if l == nil {
			w.line("link add name %s type dummy", gap)
			w.line("link del dev %s", gap)
			continue
		}
		var mtu string
		switch l.Kind {
		case control.KindDummy:
			if l.MTU != dummyMTU {
				mtu = fmt.Sprintf(" mtu %d", l.MTU)
			}
			w.line("link add name %s%s address %s type dummy", word(l.Name), mtu, l.MAC)
		case control.KindVRF:
			if l.MTU != vrfMTU {
				mtu = fmt.Sprintf(" mtu %d", l.MTU)
			}
			w.line("link add name %s%s address %s type vrf table %d", word(l.Name), mtu, l.MAC, l.Table)
		case control.KindPacket, control.KindTap:
			if l.MTU != dummyMTU {
				mtu = fmt.Sprintf(" mtu %d", l.MTU)
			}
			parent, force := "", ""
			if l.Kind == control.KindPacket {
				parent = "link " + word(l.Parent) + " "
				if l.Force {
					force = " force"
				}
			}
			w.line("link add %sname %s%s address %s type %s%s", parent, word(l.Name), mtu, l.MAC, l.Kind, force)
		case control.KindVXLAN:
			if l.MTU != dummyMTU {
				mtu = fmt.Sprintf(" mtu %d", l.MTU)
			}
			w.line("link add name %s%s address %s type vxlan%s", word(l.Name), mtu, l.MAC, vxlanArgs(l.VXLAN))
		}
	}
	for l := range w.s.Links() {
		if l.VXLAN != nil {
			w.fdb(l)
		}
	}
	for l := range w.s.Links() {
		if l.Kind == control.KindLoopback && l.MTU != loMTU {
			w.line("link set dev %s mtu %d", word(l.Name), l.MTU)
		}
		if l.Group != 0 {
			w.line("link set dev %s group %d", word(l.Name), l.Group)
		}
	}
	for l := range w.s.Links() {
		if l.Master != 0 {
			w.line("link set dev %s master %s", word(l.Name), word(w.s.Link(l.Master).Name))
		}
	}
}

// loAddrs are the addresses control.New gives lo.
var loAddrs = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8"), netip.MustParsePrefix("::1/128")}

// addrs writes l's addresses and, if l must be up for what follows, its
// `link set up`. IPv4 addresses go in list order (primaries by scope,
// secondaries after); IPv6 ones in reverse order, since each goes before
// the addresses of its scope (ipv6_link_dev_addr).
func (w *writer) addrs(l *control.Link, used bool) {
	lo := l.Kind == control.KindLoopback
	if lo {
		for _, p := range loAddrs {
			if i := slices.IndexFunc(l.Addrs, func(a control.Addr) bool { return a.Prefix == p }); i < 0 {
				w.line("addr del %s dev %s", p, word(l.Name))
			}
		}
	}
	up := l.Up || used
	for _, a := range l.Addrs {
		if a.Is4() && !(lo && slices.Contains(loAddrs, a.Prefix)) {
			w.line("addr add %s dev %s", addrArgs(&a), word(l.Name))
		}
	}
	w.addrs6(l)
	if up && !lo && !w.ll[l.Index] {
		w.line("link set dev %s up", word(l.Name))
		w.ll[l.Index] = true
		if ll := linkLocal(l.MAC); l.Kind.IsPort() && !slices.ContainsFunc(l.Addrs, func(a control.Addr) bool { return a.Prefix == ll }) {
			w.line("addr del %s dev %s", ll, word(l.Name))
		}
	}
}

// addrs6 writes l's IPv6 addresses, bringing l up where its kernel-made
// link-local address sits.
func (w *writer) addrs6(l *control.Link) {
	lo := l.Kind == control.KindLoopback
	for i := len(l.Addrs) - 1; i >= 0; i-- {
		a := l.Addrs[i]
		switch {
		case a.Is4() || lo && slices.Contains(loAddrs, a.Prefix):
		case a.Kernel:
			if !w.ll[l.Index] && !lo {
				w.line("link set dev %s up", word(l.Name))
				w.ll[l.Index] = true
			}
		default:
			w.line("addr add %s dev %s", addrArgs(&a), word(l.Name))
		}
	}
}

// down takes a link down; without keep_addr_on_down that removes its IPv6
// addresses, so the ones it has are added again.
func (w *writer) down(l *control.Link) {
	w.line("link set dev %s down", word(l.Name))
	if w.s.Sysctl().KeepAddrOnDown {
		return
	}
	for i := len(l.Addrs) - 1; i >= 0; i-- {
		if a := l.Addrs[i]; !a.Is4() {
			w.line("addr add %s dev %s", addrArgs(&a), word(l.Name))
		}
	}
}

// neighbors writes the ports' configured neighbours, last, since a link
// going down in the script would forget them. Entries marked
// extern_learn are left out: the control plane that learnt them (a
// routing protocol) learns them again.
func (w *writer) neighbors() {
	for l := range w.s.Links() {
		for _, n := range l.Neighbors {
			if Saved(n) {
				w.line("%s", JoinLine(NeighborLine("add", l.Name, n)))
			}
		}
	}
}

// Saved reports whether a configured neighbour belongs in the
// configuration: every one but those marked extern_learn.
func Saved(n neigh.Static) bool { return !n.ExternLearn }

// NeighborLine returns the command line that sets configured neighbour
// n of port dev, with verb add or replace.
func NeighborLine(verb, dev string, n neigh.Static) []string {
	argv := []string{"neigh", verb, n.Addr.String(), "lladdr", n.MAC.String(), "dev", dev, "nud", strings.ToLower(n.State.String())}
	if n.Router {
		argv = append(argv, "router")
	}
	if n.Protocol != 0 {
		argv = append(argv, "protocol", strconv.Itoa(int(n.Protocol)))
	}
	return argv
}

// addrArgs formats an address as `addr add` takes it.
func addrArgs(a *control.Addr) string {
	var b strings.Builder
	b.WriteString(a.Prefix.String())
	if a.Broadcast.IsValid() {
		fmt.Fprintf(&b, " broadcast %s", a.Broadcast)
	}
	if a.Scope != 0 {
		fmt.Fprintf(&b, " scope %d", a.Scope)
	}
	if a.Label != "" {
		fmt.Fprintf(&b, " label %s", word(a.Label))
	}
	if a.Metric != 0 {
		fmt.Fprintf(&b, " metric %d", a.Metric)
	}
	if a.NoPrefixRoute {
		b.WriteString(" noprefixroute")
	}
	if a.NoDAD {
		b.WriteString(" nodad")
	}
	return b.String()
}

// linkLocal is the EUI-64 link-local address a dummy gets on up
// (RFC 4291 Appendix A), with its /64.
func linkLocal(m control.MAC) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom16([16]byte{0xfe, 0x80, 8: m[0] ^ 2, m[1], m[2], 0xff, 0xfe, m[3], m[4], m[5]}), 64)
}

// usedLinks returns the links that routes or nexthop objects go through:
// they must be up while those are added.
func usedLinks(s *control.Snapshot) map[int]bool {
	used := map[int]bool{}
	for _, nh := range s.Nexthops() {
		if nh.Dev != 0 && !nh.Onlink {
			used[nh.Dev] = true
		}
	}
	for _, id := range s.TableIDs() {
		for r := range s.Table(id).AllShared() {
			if r.Proto == fib.ProtoKernel || r.Proto == fib.ProtoBGP || r.Type.IsError() {
				continue
			}
			for _, nh := range r.Nexthops {
				used[nh.Dev] = true
			}
		}
	}
	return used
}

// multicastPrefix is the prefix of the route every link but lo gets in
// its L3 domain's local table when it comes up.
var multicastPrefix = netip.MustParsePrefix("ff00::/8")

// upOrder returns the links in the order the script writes their
// addresses and brings them up: index order, except that the links that
// are up in one table take the places of that table's links in the order
// they came up, which the order of their ff00::/8 routes there records.
// The kernel appends each route a link's coming up makes, so equal routes
// of different links (ff00::/8, fe80::/64, the same subnet on two ports)
// are in that order.
func upOrder(s *control.Snapshot) []*control.Link {
	var links []*control.Link
	at := map[int]int{} // link index → its place in links
	for l := range s.Links() {
		at[l.Index] = len(links)
		links = append(links, l)
	}
	claimed := map[int]bool{} // a link takes part in one table's order only
	var order []*control.Link
	var places []int
	for _, id := range s.TableIDs() {
		order, places = order[:0], places[:0]
		for _, r := range s.Table(id).Get(multicastPrefix) {
			if r.Proto != fib.ProtoKernel || r.Type != fib.TypeMulticast || len(r.Nexthops) != 1 {
				continue
			}
			if l := s.Link(r.Nexthops[0].Dev); l != nil && l.Up && !claimed[l.Index] {
				claimed[l.Index] = true
				order = append(order, l)
				places = append(places, at[l.Index])
			}
		}
		// The table's links are claimed by no other table, so they are
		// still where Links put them: they take those places in order.
		slices.Sort(places)
		for i, p := range places {
			links[p] = order[i]
		}
	}
	return links
}

// word writes a name (of a link, a label) so that the script's reader
// (SplitLine) reads it back whole: as it is, or, when it holds a blank,
// a quote or '#', in single quotes, with each single quote it holds in
// double quotes.
func word(s string) string {
	if s != "" && !hasAny(s, &quoted) {
		return s
	}
	var b strings.Builder
	for i, part := range strings.Split(s, "'") {
		if i > 0 {
			b.WriteString(`"'"`)
		}
		if part != "" || i == 0 && !strings.Contains(s, "'") {
			b.WriteString("'" + part + "'")
		}
	}
	return b.String()
}

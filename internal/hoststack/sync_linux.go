package hoststack

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Sync makes the addresses on the TUN device and the routes of the
// namespace's main table, both families, exactly addrs and routes, with
// as few changes as it can: it reads both back from the kernel, changes
// what differs, and changes nothing when nothing differs (two netlink
// dumps). Changes made in the namespace by others are undone.
//
// Addresses are added without a prefix route (IFA_F_NOPREFIXROUTE) and
// without DAD: the kernel then makes only their local routes, in the
// local table, and routes holds the connected ones, as the VRF's table
// does. The main table holds nothing of the kernel's to fight over, and
// each route keeps the source govrf chose for it. Unicast routes go out
// of the TUN device, scope link, protocol static, and no gateway. See
// newMirror for what counts as one address or route.
//
// A route or address the kernel refuses (a Src that is none of addrs,
// for one) does not stop the others; the errors are joined. Invalid
// input changes nothing.
func (s *Stack) Sync(addrs []netip.Prefix, routes []Route) error {
	m, err := newMirror(addrs, routes)
	if err != nil {
		return fmt.Errorf("hoststack: sync %s: %w", s.name, err)
	}
	s.syncMu.Lock()
	defer s.syncMu.Unlock()
	if s.nl == nil {
		return fmt.Errorf("hoststack: sync %s: %w", s.name, ErrClosed)
	}
	// Addresses first: a route's source must exist, and deleting an
	// address deletes or strips the routes using it (fib_sync_down_addr,
	// rt6_remove_prefsrc), which the route pass then finds and repairs.
	if err := errors.Join(s.syncAddrs(m.addrs), s.syncRoutes(m)); err != nil {
		return fmt.Errorf("hoststack: sync %s: %w", s.name, err)
	}
	return nil
}

// addrFlags are the flags of every address Sync adds; IFA_F_NODAD is
// IPv6's alone.
const addrFlags = unix.IFA_F_NOPREFIXROUTE

func (s *Stack) syncAddrs(want []netip.Prefix) error {
	list, err := dump(func() ([]netlink.Addr, error) { return s.nl.AddrList(nil, netlink.FAMILY_ALL) })
	if err != nil {
		return fmt.Errorf("addr list: %w", err)
	}
	have := make(map[netip.Prefix]netlink.Addr, len(list))
	for _, a := range list {
		if a.LinkIndex == s.tunIndex {
			have[addrID(prefixOf(a.IPNet))] = a
		}
	}
	var errs []error
	var added6 []netip.Addr
	for _, p := range want {
		a, ok := have[addrID(p)]
		delete(have, addrID(p))
		if ok && prefixOf(a.IPNet) == p && a.Flags&addrFlags == addrFlags {
			continue
		}
		if ok { // an IPv6 address with another length, or other flags
			// The kernel changes neither in place: an IPv4 replace
			// keeps the flags (inet_rtm_newaddr).
			errs = append(errs, s.addrDel(a))
		}
		err := s.addrAdd(p)
		if err == nil && p.Addr().Is6() {
			added6 = append(added6, p.Addr())
		}
		errs = append(errs, err)
	}
	for _, a := range have {
		errs = append(errs, s.addrDel(a))
	}
	return errors.Join(append(errs, s.awaitLocal(added6))...)
}

// localWait bounds how long Sync waits for the kernel to finish adding
// IPv6 addresses.
const localWait = 2 * time.Second

// awaitLocal waits until each of the IPv6 addresses has its local route.
// The kernel adds it from a work queue after the address exists, DAD or
// not (addrconf_dad_work, then ipv6_ifa_notify); until then a packet
// written for the address is taken for one to forward, and dropped.
func (s *Stack) awaitLocal(addrs []netip.Addr) error {
	deadline := time.Now().Add(localWait)
	for _, a := range addrs {
		for {
			rs, err := s.nl.RouteGet(a.AsSlice())
			if err == nil && len(rs) > 0 && rs[0].Type == unix.RTN_LOCAL {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("addr %v: no local route after %v", a, localWait)
			}
			time.Sleep(time.Millisecond)
		}
	}
	return nil
}

// addrID is what the kernel tells a device's addresses apart by: an IPv4
// address with its length, an IPv6 address alone.
func addrID(p netip.Prefix) netip.Prefix {
	if p.Addr().Is6() {
		return netip.PrefixFrom(p.Addr(), 128)
	}
	return p
}

// addrAdd adds p to the TUN device; NLM_F_REPLACE makes it a success if
// p is there already.
func (s *Stack) addrAdd(p netip.Prefix) error {
	a := &netlink.Addr{IPNet: ipNet(p), LinkIndex: s.tunIndex, Flags: addrFlags}
	if p.Addr().Is4() {
		a.Broadcast = net.IPv4zero // none: the kernel adds the subnet's own
	} else {
		a.Flags |= unix.IFA_F_NODAD
	}
	s.changes++
	if err := s.nl.AddrReplace(nil, a); err != nil {
		return fmt.Errorf("addr add %v dev %s: %w", p, s.tun, err)
	}
	return nil
}

func (s *Stack) addrDel(a netlink.Addr) error {
	s.changes++
	if err := s.nl.AddrDel(nil, &a); err != nil {
		return fmt.Errorf("addr del %v dev %s: %w", prefixOf(a.IPNet), s.tun, err)
	}
	return nil
}

// syncRoutes makes the main table m's routes: a route already right
// stays, one whose key is right is replaced in place (NLM_F_REPLACE, so
// the destination never goes missing), every other one is deleted, and
// the missing ones are added.
func (s *Stack) syncRoutes(m *mirror) error {
	list, err := dump(func() ([]netlink.Route, error) {
		return s.nl.RouteListFiltered(netlink.FAMILY_ALL, &netlink.Route{}, 0) // the main table
	})
	if err != nil {
		return fmt.Errorf("route list: %w", err)
	}
	count := make(map[routeKey]int, len(list))
	for _, c := range list {
		count[kernelKey(c)]++
	}
	var errs []error
	right := make(map[routeKey]bool, len(m.routes))
	for _, c := range list {
		k := kernelKey(c)
		r, want := m.byKey[k]
		switch {
		case want && count[k] == 1 && s.matches(c, r):
			right[k] = true
		case want && count[k] == 1:
			// replaced below
		default: // not wanted, or one of several with a key
			errs = append(errs, s.routeDel(c))
		}
	}
	for _, r := range m.routes {
		if !right[keyOf(r)] {
			errs = append(errs, s.routeReplace(r))
		}
	}
	return errors.Join(errs...)
}

// rtnTypes are the kernel's values of the RouteTypes.
var rtnTypes = [...]int{
	Unicast:     unix.RTN_UNICAST,
	Unreachable: unix.RTN_UNREACHABLE,
	Prohibit:    unix.RTN_PROHIBIT,
	Blackhole:   unix.RTN_BLACKHOLE,
}

// kernelRoute is r as Sync installs it.
func (s *Stack) kernelRoute(r Route) *netlink.Route {
	k := &netlink.Route{
		Dst:      ipNet(r.Prefix),
		Table:    unix.RT_TABLE_MAIN,
		Priority: int(r.Metric),
		Protocol: unix.RTPROT_STATIC,
		Type:     rtnTypes[r.Type],
	}
	if r.Type == Unicast {
		k.LinkIndex, k.Scope = s.tunIndex, netlink.SCOPE_LINK
		if r.Src.IsValid() {
			k.Src = r.Src.AsSlice()
		}
	}
	return k
}

// matches reports whether the kernel's route c is r as Sync installs it.
// IPv6 has no route scopes, and reports its reject routes on lo.
func (s *Stack) matches(c netlink.Route, r Route) bool {
	if c.Type != rtnTypes[r.Type] || c.Protocol != unix.RTPROT_STATIC || c.Gw != nil || len(c.MultiPath) > 0 {
		return false
	}
	if r.Type != Unicast {
		return true
	}
	src, _ := netip.AddrFromSlice(c.Src)
	return c.LinkIndex == s.tunIndex && src.Unmap() == r.Src &&
		(r.Prefix.Addr().Is6() || c.Scope == netlink.SCOPE_LINK)
}

func (s *Stack) routeReplace(r Route) error {
	s.changes++
	if err := s.nl.RouteReplace(s.kernelRoute(r)); err != nil {
		return fmt.Errorf("route replace %v: %w", r, err)
	}
	return nil
}

// routeDel deletes c by what identifies it in its table, its type and
// source; scope RT_SCOPE_NOWHERE matches any scope (fib_table_delete).
func (s *Stack) routeDel(c netlink.Route) error {
	s.changes++
	del := &netlink.Route{
		Dst:      c.Dst,
		Table:    c.Table,
		Tos:      c.Tos,
		Priority: c.Priority,
		Type:     c.Type,
		Src:      c.Src,
		Scope:    netlink.SCOPE_NOWHERE,
	}
	if err := s.nl.RouteDel(del); err != nil {
		return fmt.Errorf("route del %v metric %d: %w", prefixOf(c.Dst), c.Priority, err)
	}
	return nil
}

// kernelKey is the key of a route the kernel reported.
func kernelKey(c netlink.Route) routeKey {
	return routeKey{prefix: prefixOf(c.Dst).Masked(), tos: uint8(c.Tos), metric: uint32(c.Priority)}
}

// dump runs a netlink dump, again when the kernel says it was
// interrupted by a change (NLM_F_DUMP_INTR).
func dump[T any](f func() ([]T, error)) ([]T, error) {
	for try := 1; ; try++ {
		v, err := f()
		if !errors.Is(err, netlink.ErrDumpInterrupted) || try == 3 {
			return v, err
		}
	}
}

func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

// prefixOf converts what the library reports; IPv4 addresses may come in
// 16 octets, with a 4-octet mask.
func prefixOf(n *net.IPNet) netip.Prefix {
	if n == nil {
		return netip.Prefix{}
	}
	a, _ := netip.AddrFromSlice(n.IP)
	bits, total := n.Mask.Size()
	if total == 32 {
		a = a.Unmap()
	}
	return netip.PrefixFrom(a, bits)
}

// Package fib holds govrf's routing tables: per-table IPv4 and IPv6 routes
// with the kernel's route types, attributes, multipath nexthops and lookup
// rules (net/ipv4/fib_trie.c fib_table_lookup, net/ipv6/route.c).
//
// A Table is either writable (owned by the single control-plane writer) or
// frozen (published in a snapshot and read lock-free by any number of
// goroutines). Mutable returns a writable table that shares structure with a
// frozen one, so a change costs far less than a copy of the table.
package fib

import (
	"net/netip"
	"strconv"
)

// TableID is a routing table number, as in `ip route show table N`.
type TableID uint32

// Reserved table numbers (include/uapi/linux/rtnetlink.h rt_class_t).
const (
	TableUnspec  TableID = 0
	TableDefault TableID = 253
	TableMain    TableID = 254
	TableLocal   TableID = 255
)

// tableNames are the names iproute2 knows from /etc/iproute2/rt_tables.
var tableNames = map[TableID]string{
	TableDefault: "default",
	TableMain:    "main",
	TableLocal:   "local",
}

// String returns the table's name, or its number when it has none.
func (id TableID) String() string {
	if n, ok := tableNames[id]; ok {
		return n
	}
	return strconv.FormatUint(uint64(id), 10)
}

// ParseTableID reads a table name or number.
func ParseTableID(s string) (TableID, bool) {
	for id, n := range tableNames {
		if n == s {
			return id, true
		}
	}
	v, err := strconv.ParseUint(s, 0, 32)
	if err != nil {
		return 0, false
	}
	return TableID(v), true
}

// Type is a route type (RTN_*), also used as a lookup result type.
type Type uint8

// Route types with their rtnetlink values.
const (
	TypeUnspec Type = iota
	TypeUnicast
	TypeLocal
	TypeBroadcast
	TypeAnycast
	TypeMulticast
	TypeBlackhole
	TypeUnreachable
	TypeProhibit
	TypeThrow
)

var typeNames = [...]string{"none", "unicast", "local", "broadcast", "anycast",
	"multicast", "blackhole", "unreachable", "prohibit", "throw"}

// String returns the name `ip route` prints for the type.
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return strconv.Itoa(int(t))
}

// ParseType reads a route type keyword.
func ParseType(s string) (Type, bool) {
	for i, n := range typeNames {
		if n == s && i != int(TypeUnspec) {
			return Type(i), true
		}
	}
	return 0, false
}

// IsError reports whether a route of this type answers lookups with an
// error instead of a nexthop (fib_props[].error in the kernel).
func (t Type) IsError() bool {
	return t == TypeBlackhole || t == TypeUnreachable || t == TypeProhibit || t == TypeThrow
}

// Scope is a route scope (RT_SCOPE_*).
type Scope uint8

// Route scopes.
const (
	ScopeUniverse Scope = 0
	ScopeSite     Scope = 200
	ScopeLink     Scope = 253
	ScopeHost     Scope = 254
	ScopeNowhere  Scope = 255
)

var scopeNames = map[Scope]string{ScopeUniverse: "global", ScopeSite: "site",
	ScopeLink: "link", ScopeHost: "host", ScopeNowhere: "nowhere"}

// String returns the name iproute2 prints for the scope.
func (s Scope) String() string {
	if n, ok := scopeNames[s]; ok {
		return n
	}
	return strconv.Itoa(int(s))
}

// ParseScope reads a scope name or number.
func ParseScope(s string) (Scope, bool) {
	for v, n := range scopeNames {
		if n == s {
			return v, true
		}
	}
	if s == "universe" {
		return ScopeUniverse, true
	}
	v, err := strconv.ParseUint(s, 0, 8)
	return Scope(v), err == nil
}

// Proto is the route origin (RTPROT_*).
type Proto uint8

// Route protocols.
const (
	ProtoUnspec   Proto = 0
	ProtoRedirect Proto = 1
	ProtoKernel   Proto = 2
	ProtoBoot     Proto = 3
	ProtoStatic   Proto = 4
	ProtoRA       Proto = 9
	ProtoDHCP     Proto = 16
	ProtoBGP      Proto = 186
	ProtoISIS     Proto = 187
	ProtoOSPF     Proto = 188
	ProtoRIP      Proto = 189
)

var protoNames = map[Proto]string{ProtoUnspec: "unspec", ProtoRedirect: "redirect",
	ProtoKernel: "kernel", ProtoBoot: "boot", ProtoStatic: "static", ProtoRA: "ra",
	ProtoDHCP: "dhcp", ProtoBGP: "bgp", ProtoISIS: "isis", ProtoOSPF: "ospf", ProtoRIP: "rip"}

// String returns the name iproute2 prints for the protocol.
func (p Proto) String() string {
	if n, ok := protoNames[p]; ok {
		return n
	}
	return strconv.Itoa(int(p))
}

// ParseProto reads a protocol name or number.
func ParseProto(s string) (Proto, bool) {
	for v, n := range protoNames {
		if n == s {
			return v, true
		}
	}
	v, err := strconv.ParseUint(s, 0, 8)
	return Proto(v), err == nil
}

// Nexthop is one path of a route: a gateway and/or an output device.
// Dev is a link index; it may be a VRF device (route leaking, vrf_xmit).
type Nexthop struct {
	Gateway netip.Addr // invalid when the destination is on link
	Dev     int        // output link index; 0 when not given
	Weight  uint16     // 1..256, as `weight N` (kernel rtnh_hops+1); 0 means 1
	Onlink  bool       // RTNH_F_ONLINK: gateway taken as on link without check
	Dead    bool       // RTNH_F_DEAD: its link is down; lookups skip it
	// HostScope marks a gateway that resolved to a local address when the
	// route was added: the nexthop has host scope and packets go to the
	// destination itself (rt_set_nexthop uses a gateway of link scope only).
	HostScope bool
}

// Route is one route as the control plane and the CLI see it. Tables store
// routes in a compact form; Route is the expanded view.
type Route struct {
	Table    TableID
	Prefix   netip.Prefix // masked
	Type     Type
	Proto    Proto
	Scope    Scope
	Metric   uint32     // priority; IPv6 routes default to 1024 (set by control)
	Tos      uint8      // IPv4 only (dsfield)
	Src      netip.Addr // preferred source (prefsrc); invalid when unset
	NHID     uint32     // nexthop object id (`nhid N`); Nexthops then empty
	Nexthops []Nexthop  // one entry for a single path; several for multipath
}

// Is4 reports whether the route is an IPv4 route.
func (r *Route) Is4() bool { return r.Prefix.Addr().Is4() }

// Family is an address family: IPv4 or IPv6.
type Family uint8

// Address families, numbered as `ip -4` / `ip -6`.
const (
	IPv4 Family = 4
	IPv6 Family = 6
)

// FamilyOf returns the family of a.
func FamilyOf(a netip.Addr) Family {
	if a.Is4() {
		return IPv4
	}
	return IPv6
}

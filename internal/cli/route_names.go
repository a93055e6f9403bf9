package cli

import (
	"fmt"
	"strconv"

	"github.com/govrf/govrf/internal/fib"
)

// The name databases iproute2 reads from /etc/iproute2 (rt_protos,
// rt_scopes, rt_tables, rt_dsfield, group) and the system's /etc/protocols,
// as a stock Debian install ships them. govrf carries them so that it names
// and parses values exactly as ip does on such a system, whatever files the
// machine running govrf has.

var protoNames = map[uint8]string{
	0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static",
	8: "gated", 9: "ra", 10: "mrt", 11: "zebra", 12: "bird", 13: "dnrouted",
	14: "xorp", 15: "ntk", 16: "dhcp", 18: "keepalived", 42: "babel",
	99: "openr", 186: "bgp", 187: "isis", 188: "ospf", 189: "rip", 192: "eigrp",
}

var scopeNames = map[uint8]string{
	0: "global", 200: "site", 253: "link", 254: "host", 255: "nowhere",
}

var tableNames = map[fib.TableID]string{
	0: "unspec", 253: "default", 254: "main", 255: "local",
}

var dsfieldNames = map[uint8]string{
	0x00: "default",
	0x28: "AF11", 0x30: "AF12", 0x38: "AF13",
	0x48: "AF21", 0x50: "AF22", 0x58: "AF23",
	0x68: "AF31", 0x70: "AF32", 0x78: "AF33",
	0x88: "AF41", 0x90: "AF42", 0x98: "AF43",
	0x20: "CS1", 0x40: "CS2", 0x60: "CS3", 0x80: "CS4",
	0xa0: "CS5", 0xc0: "CS6", 0xe0: "CS7", 0xb8: "EF",
}

// ipProtocol is one /etc/protocols entry: the name getprotobynumber
// returns and the names getprotobyname accepts.
type ipProtocol struct {
	num   int
	names []string // official name first, then aliases
}

// ipProtocols is netbase's /etc/protocols in file order; the first entry
// with a number names it.
var ipProtocols = []ipProtocol{
	{0, []string{"ip", "IP"}}, {0, []string{"hopopt", "HOPOPT"}},
	{1, []string{"icmp", "ICMP"}}, {2, []string{"igmp", "IGMP"}},
	{3, []string{"ggp", "GGP"}}, {4, []string{"ipencap", "IP-ENCAP"}},
	{5, []string{"st", "ST"}}, {6, []string{"tcp", "TCP"}},
	{8, []string{"egp", "EGP"}}, {9, []string{"igp", "IGP"}},
	{12, []string{"pup", "PUP"}}, {17, []string{"udp", "UDP"}},
	{20, []string{"hmp", "HMP"}}, {22, []string{"xns-idp", "XNS-IDP"}},
	{27, []string{"rdp", "RDP"}}, {29, []string{"iso-tp4", "ISO-TP4"}},
	{33, []string{"dccp", "DCCP"}}, {36, []string{"xtp", "XTP"}},
	{37, []string{"ddp", "DDP"}}, {38, []string{"idpr-cmtp", "IDPR-CMTP"}},
	{41, []string{"ipv6", "IPv6"}}, {43, []string{"ipv6-route", "IPv6-Route"}},
	{44, []string{"ipv6-frag", "IPv6-Frag"}}, {45, []string{"idrp", "IDRP"}},
	{46, []string{"rsvp", "RSVP"}}, {47, []string{"gre", "GRE"}},
	{50, []string{"esp", "IPSEC-ESP"}}, {51, []string{"ah", "IPSEC-AH"}},
	{57, []string{"skip", "SKIP"}}, {58, []string{"ipv6-icmp", "IPv6-ICMP"}},
	{59, []string{"ipv6-nonxt", "IPv6-NoNxt"}}, {60, []string{"ipv6-opts", "IPv6-Opts"}},
	{73, []string{"rspf", "RSPF", "CPHB"}}, {81, []string{"vmtp", "VMTP"}},
	{88, []string{"eigrp", "EIGRP"}}, {89, []string{"ospf", "OSPFIGP"}},
	{93, []string{"ax.25", "AX.25"}}, {94, []string{"ipip", "IPIP"}},
	{97, []string{"etherip", "ETHERIP"}}, {98, []string{"encap", "ENCAP"}},
	{103, []string{"pim", "PIM"}}, {108, []string{"ipcomp", "IPCOMP"}},
	{112, []string{"vrrp", "VRRP"}}, {115, []string{"l2tp", "L2TP"}},
	{124, []string{"isis", "ISIS"}}, {132, []string{"sctp", "SCTP"}},
	{133, []string{"fc", "FC"}}, {135, []string{"mobility-header", "Mobility-Header"}},
	{136, []string{"udplite", "UDPLite"}}, {137, []string{"mpls-in-ip", "MPLS-in-IP"}},
	{138, []string{"manet"}}, {139, []string{"hip", "HIP"}},
	{140, []string{"shim6", "Shim6"}}, {141, []string{"wesp", "WESP"}},
	{142, []string{"rohc", "ROHC"}}, {143, []string{"ethernet", "Ethernet"}},
	{262, []string{"mptcp", "MPTCP"}},
}

// The name databases read backwards, value by name (names are unique in
// each): parsing a million-route script looks names up a few million
// times.
var (
	protoByName   = byName(protoNames)
	scopeByName   = byName(scopeNames)
	tableByName   = byName(tableNames)
	dsfieldByName = byName(dsfieldNames)
)

// byName returns the keys of names by name.
func byName[K comparable](names map[K]string) map[string]K {
	m := make(map[string]K, len(names))
	for k, n := range names {
		m[n] = k
	}
	return m
}

// wholeNumber reads s entirely as strtoul with C base prefixes, at most max.
func wholeNumber(s string, max uint64) (uint64, bool) {
	n, ok := scanUint(s, 64)
	return n, ok && n <= max
}

// parseProto is rtnl_rtprot_a2n: a protocol name or a number up to 255.
func parseProto(s string) (fib.Proto, bool) {
	if p, ok := protoByName[s]; ok {
		return fib.Proto(p), true
	}
	n, ok := wholeNumber(s, 255)
	return fib.Proto(n), ok
}

// protoName is rtnl_rtprot_n2a.
func protoName(p fib.Proto) string {
	if n, ok := protoNames[uint8(p)]; ok {
		return n
	}
	return strconv.Itoa(int(p))
}

// parseScope is rtnl_rtscope_a2n.
func parseScope(s string) (fib.Scope, bool) {
	if v, ok := scopeByName[s]; ok {
		return fib.Scope(v), true
	}
	n, ok := wholeNumber(s, 255)
	return fib.Scope(n), ok
}

// scopeName is rtnl_rtscope_n2a.
func scopeName(s fib.Scope) string {
	if n, ok := scopeNames[uint8(s)]; ok {
		return n
	}
	return strconv.Itoa(int(s))
}

// parseTable is rtnl_rttable_a2n: a table name or a 32-bit number.
func parseTable(s string) (fib.TableID, bool) {
	if id, ok := tableByName[s]; ok {
		return id, true
	}
	n, ok := wholeNumber(s, 0xffffffff)
	return fib.TableID(n), ok
}

// tableName is rtnl_rttable_n2a.
func tableName(id fib.TableID) string {
	if n, ok := tableNames[id]; ok {
		return n
	}
	return strconv.FormatUint(uint64(id), 10)
}

// parseDSField is rtnl_dsfield_a2n: a name from rt_dsfield or a hex byte
// (with or without "0x").
func parseDSField(s string) (uint8, bool) {
	if v, ok := dsfieldByName[s]; ok {
		return v, true
	}
	n, rest, ok := strtoulBase(s, 16)
	if !ok || rest != "" || n > 255 {
		return 0, false
	}
	return uint8(n), true
}

// dsfieldName is rtnl_dsfield_n2a.
func dsfieldName(v uint8) string {
	if n, ok := dsfieldNames[v]; ok {
		return n
	}
	return fmt.Sprintf("0x%02x", v)
}

// parseIPProto is inet_proto_a2n: a decimal number up to 255 or a name
// from /etc/protocols. The result is what ip puts in its one-byte
// attribute, so mptcp (262) becomes 6.
func parseIPProto(s string) (uint8, bool) {
	if n, rest, ok := strtoulBase(s, 10); ok && rest == "" && n <= 255 {
		return uint8(n), true
	}
	for _, p := range ipProtocols {
		for _, n := range p.names {
			if n == s {
				return uint8(p.num), true
			}
		}
	}
	return 0, false
}

// ipProtoName is inet_proto_n2a.
func ipProtoName(v uint8) string {
	for _, p := range ipProtocols {
		if p.num == int(v) {
			return p.names[0]
		}
	}
	return fmt.Sprintf("ipproto-%d", v)
}

// parseGroup is rtnl_group_a2n: a group name or a non-negative number
// (C's strtol, truncated to an int as ip does).
func parseGroup(s string) (int, bool) {
	if s == "default" {
		return 0, true
	}
	v, ok := strtol(s)
	return int(int32(v)), ok && int32(v) >= 0
}

// groupName is rtnl_group_n2a.
func groupName(g int) string {
	if g == 0 {
		return "default"
	}
	return strconv.Itoa(g)
}

// typeName is rtnl_rtntype_n2a.
func typeName(t fib.Type) string {
	switch t {
	case 10:
		return "nat"
	case 11:
		return "xresolve"
	}
	if t <= fib.TypeThrow {
		return t.String()
	}
	return strconv.Itoa(int(t))
}

// parseType is rtnl_rtntype_a2n, keyword prefixes included: "u" is
// unreachable and "b" broadcast, as for ip.
func parseType(s string) (fib.Type, bool) {
	switch {
	case s == "local":
		return fib.TypeLocal, true
	case s == "nat":
		return 10, true
	case matches(s, "broadcast") || s == "brd":
		return fib.TypeBroadcast, true
	case matches(s, "anycast"):
		return fib.TypeAnycast, true
	case matches(s, "multicast"):
		return fib.TypeMulticast, true
	case matches(s, "prohibit"):
		return fib.TypeProhibit, true
	case matches(s, "unreachable"):
		return fib.TypeUnreachable, true
	case matches(s, "blackhole"):
		return fib.TypeBlackhole, true
	case matches(s, "xresolve"):
		return 11, true
	case matches(s, "unicast"):
		return fib.TypeUnicast, true
	case s == "throw":
		return fib.TypeThrow, true
	}
	n, ok := wholeNumber(s, 255)
	return fib.Type(n), ok
}

// cNumber reads a number as C's strtoul/strtol do in base (0, 10 or 16):
// leading white space, an optional sign, a "0x" prefix (bases 0 and 16)
// or "0" (octal, base 0), digits. digits is false when none was read, in
// which case rest is s.
func cNumber(s string, base uint64) (mag uint64, neg bool, rest string, digits, overflow bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	hexPrefix := i+2 < len(s) && s[i] == '0' && s[i+1]|0x20 == 'x' && hexDigit(s[i+2]) < 16
	switch {
	case (base == 0 || base == 16) && hexPrefix:
		base, i = 16, i+2
	case base == 0 && i < len(s) && s[i] == '0':
		base = 8
	case base == 0:
		base = 10
	}
	start := i
	for ; i < len(s); i++ {
		d := hexDigit(s[i])
		if d >= base {
			break
		}
		// Below 1<<59 no digit of base 16 or less can overflow: the
		// division is left to the few numbers that long.
		if mag >= 1<<59 && mag > (^uint64(0)-d)/base {
			overflow = true
		}
		mag = mag*base + d
	}
	if i == start {
		return 0, false, s, false, false
	}
	return mag, neg, s[i:], true, overflow
}

// strtoulBase is C's strtoul on a whole word (a negative value wraps);
// ok is false on trailing characters, no digits or overflow.
func strtoulBase(s string, base uint64) (uint64, string, bool) {
	mag, neg, rest, digits, overflow := cNumber(s, base)
	if neg {
		mag = -mag
	}
	return mag, rest, digits && !overflow
}

// strtol is C's strtol in base 0 on a whole word, saturating on overflow.
func strtol(s string) (int64, bool) {
	mag, neg, rest, digits, overflow := cNumber(s, 0)
	if !digits || rest != "" {
		return 0, false
	}
	const max = 1<<63 - 1
	switch {
	case neg && (overflow || mag > max):
		return -max - 1, true
	case overflow || mag > max:
		return max, true
	case neg:
		return -int64(mag), true
	}
	return int64(mag), true
}

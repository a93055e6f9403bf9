package difftest

type qa = struct{ query, want string }

// regressions are hand-written cases with Linux's answers recorded.
var regressions = []regression{
	{name: "connected and local", cases: []qa{
		{"10.0.0.7", "unicast dev d0 table main src 10.0.0.1"},
		{"10.0.0.1", "local dev lo table main src 10.0.0.1"},
		{"10.0.0.255", "broadcast dev d0 table main src 10.0.0.1"},
		{"10.0.0.0", "unicast dev d0 table main src 10.0.0.1"},
		{"127.0.0.1", "local dev lo table main src 127.0.0.1"},
		{"10.1.0.7 from 10.0.0.1", "unicast dev d1 table main"},
		{"10.1.0.7 oif d0", "unicast dev d0 table main src 10.0.0.1"},
		{"192.0.2.1", `error "RTNETLINK answers: Network is unreachable"`},
		{"192.0.2.1 oif d1", "unicast dev d1 table main src 10.1.0.1"},
		{"10.0.0.7 from 10.0.0.9", `error "RTNETLINK answers: Network is unreachable"`},
		{"2001:db8:1::9", "unicast dev d1 table main src 2001:db8:1::1"},
		{"2001:db8::1", "local dev lo table local src 2001:db8::1"},
		{"2001:db8::", "anycast dev lo table local src 2001:db8::1"},
		{"2001:db8:5::1", `error "RTNETLINK answers: Network is unreachable"`},
		{"ff02::1", "multicast dev d0 table local src LL:d0"},
		{"fe80::5", "unicast dev d0 table main src LL:d0"},
	}},
	{name: "local table after a custom rule", cmds: []string{
		"rule add pref 100 from 192.0.2.0/24 lookup 10",
	}, cases: []qa{
		{"10.0.0.1", "local dev lo table local src 10.0.0.1"},
		{"10.0.0.255", "broadcast dev d0 table local src 10.0.0.1"},
		{"10.0.0.7", "unicast dev d0 table main src 10.0.0.1"},
	}},
	{name: "route types", cmds: []string{
		"route add blackhole 198.51.100.0/26",
		"route add unreachable 198.51.100.64/26",
		"route add prohibit 198.51.100.128/26",
		"route add throw 198.51.100.192/26",
		"-6 route add blackhole 2001:db8:a::/48",
		"-6 route add unreachable 2001:db8:b::/48",
		"-6 route add prohibit 2001:db8:c::/48",
		"-6 route add throw 2001:db8:d::/48",
	}, cases: []qa{
		{"198.51.100.1", `error "RTNETLINK answers: Invalid argument"`},
		{"198.51.100.65", `error "RTNETLINK answers: No route to host"`},
		{"198.51.100.129", `error "RTNETLINK answers: Permission denied"`},
		{"198.51.100.193", `error "RTNETLINK answers: Network is unreachable"`},
		{"198.51.100.1 from 10.0.0.9 iif d0", `error "RTNETLINK answers: Invalid argument"`},
		{"198.51.100.65 from 10.0.0.9 iif d0", `error "RTNETLINK answers: No route to host"`},
		{"198.51.100.129 from 10.0.0.9 iif d0", `error "RTNETLINK answers: Permission denied"`},
		{"2001:db8:a::1", `error "RTNETLINK answers: Invalid argument"`},
		{"2001:db8:b::1", `error "RTNETLINK answers: No route to host"`},
		{"2001:db8:c::1", `error "RTNETLINK answers: Permission denied"`},
		{"2001:db8:d::1", `error "RTNETLINK answers: Network is unreachable"`},
		{"2001:db8:a::1 from 2001:db8::9 iif d0", `error "RTNETLINK answers: Invalid argument"`},
		{"2001:db8:c::1 from 2001:db8::9 iif d0", `error "RTNETLINK answers: Permission denied"`},
	}},
	{name: "throw falls through to the next rule", cmds: []string{
		"route add 10.9.0.0/16 via 10.0.0.2 table 10",
		"route add throw 10.9.9.0/24 table 10",
		"route add 10.9.9.0/24 via 10.1.0.2 table 11",
		"rule add pref 100 lookup 10",
		"rule add pref 200 lookup 11",
	}, cases: []qa{
		{"10.9.8.1", "unicast dev d0 via 10.0.0.2 table 10 src 10.0.0.1"},
		{"10.9.9.9", "unicast dev d1 via 10.1.0.2 table 11 src 10.1.0.1"},
		{"10.8.0.1", `error "RTNETLINK answers: Network is unreachable"`},
	}},
	{name: "suppress_prefixlength", cmds: []string{
		"route add default via 10.0.0.254",
		"route add default via 10.1.0.254 table 10",
		"rule add pref 100 lookup main suppress_prefixlength 0",
		"rule add pref 200 lookup 10",
	}, cases: []qa{
		{"8.8.8.8", "unicast dev d1 via 10.1.0.254 table 10 src 10.1.0.1"},
		{"10.0.0.5", "unicast dev d0 table main src 10.0.0.1"},
	}},
	{name: "rule actions", cmds: []string{
		"rule add pref 100 to 192.0.2.0/26 blackhole",
		"rule add pref 101 to 192.0.2.64/26 unreachable",
		"rule add pref 102 to 192.0.2.128/26 prohibit",
		"rule add pref 103 to 192.0.2.192/26 goto 300",
		"rule add pref 200 to 192.0.2.192/26 prohibit",
		"rule add pref 300 to 192.0.2.0/24 nop",
		"route add 192.0.2.0/24 via 10.1.0.2",
		"-6 rule add pref 100 to 2001:db8:e::/48 prohibit",
	}, cases: []qa{
		{"192.0.2.1", `error "RTNETLINK answers: Invalid argument"`},
		{"192.0.2.65", `error "RTNETLINK answers: Network is unreachable"`},
		{"192.0.2.129", `error "RTNETLINK answers: Permission denied"`},
		{"192.0.2.193", "unicast dev d1 via 10.1.0.2 table main src 10.1.0.1"},
		{"192.0.2.1 from 10.0.0.9 iif d0", `error "RTNETLINK answers: Invalid argument"`},
		{"2001:db8:e::1", `error "RTNETLINK answers: Permission denied"`},
	}},
	{name: "selectors", cmds: []string{
		"route add default via 10.1.0.254 table 10",
		"route add default via 10.0.0.254 table 11",
		"rule add pref 100 fwmark 0x1/0x3 lookup 10",
		"rule add pref 110 iif d1 lookup 10",
		"rule add pref 120 oif d0 lookup 11",
		"rule add pref 130 tos 0x10 lookup 10",
		"rule add pref 140 ipproto tcp dport 443 lookup 11",
		"rule add pref 150 not from 10.0.0.0/24 lookup 10",
	}, cases: []qa{
		{"8.8.8.8 from 10.0.0.1 mark 0x5", "unicast dev d1 via 10.1.0.254 table 10"},
		{"8.8.8.8 from 10.0.0.1 mark 0x2", `error "RTNETLINK answers: Network is unreachable"`},
		{"8.8.8.8 from 10.1.0.9 iif d1", "unicast dev d1 via 10.1.0.254 table 10"},
		{"8.8.8.8 oif d0", "unicast dev d0 via 10.0.0.254 table 11 src 10.0.0.1"},
		{"8.8.8.8 from 10.0.0.1 tos 0x10", "unicast dev d1 via 10.1.0.254 table 10"},
		{"8.8.8.8 from 10.0.0.1 ipproto tcp dport 443", "unicast dev d0 via 10.0.0.254 table 11"},
		{"8.8.8.8 from 10.0.0.1 ipproto udp dport 443", `error "RTNETLINK answers: Network is unreachable"`},
		{"8.8.8.8 from 10.0.0.1", `error "RTNETLINK answers: Network is unreachable"`},
		{"8.8.8.8 from 10.1.0.1", "unicast dev d1 via 10.1.0.254 table 10"},
	}},
	{name: "metric and tos order", cmds: []string{
		"route add 198.51.100.0/24 via 10.0.0.2 metric 10",
		"route add 198.51.100.0/24 via 10.1.0.2 metric 5",
		"route add 203.0.113.0/24 via 10.0.0.2",
		"route add 203.0.113.0/24 tos 0x10 via 10.1.0.2",
		"-6 route add 2001:db8:99::/48 via fe80::1 dev d1 metric 2048",
		"-6 route add 2001:db8:99::/48 via 2001:db8::2 metric 100",
	}, cases: []qa{
		{"198.51.100.1", "unicast dev d1 via 10.1.0.2 table main src 10.1.0.1"},
		{"203.0.113.1", "unicast dev d0 via 10.0.0.2 table main src 10.0.0.1"},
		{"203.0.113.1 tos 0x10", "unicast dev d1 via 10.1.0.2 table main src 10.1.0.1"},
		{"2001:db8:99::1", "unicast dev d0 via 2001:db8::2 table main src 2001:db8::1"},
	}},
	{name: "input routes", cmds: []string{
		"route add 198.51.100.0/24 via 10.1.0.2",
	}, cases: []qa{
		{"198.51.100.1 from 10.0.0.9 iif d0", "unicast dev d1 via 10.1.0.2 table main"},
		{"10.0.0.1 from 10.1.0.9 iif d1", "local dev lo table main"},
		{"10.0.0.255 from 10.0.0.9 iif d0", "broadcast dev lo table main"},
		{"255.255.255.255 from 10.0.0.9 iif d0", "broadcast dev lo table main"},
		{"10.1.0.9 from 127.0.0.1 iif d0", `error "RTNETLINK answers: Invalid argument"`},
		{"10.1.0.9 from 10.0.0.1 iif d0", `error "RTNETLINK answers: Invalid argument"`},
		{"192.0.2.1 from 10.0.0.9 iif d0", `error "RTNETLINK answers: Network is unreachable"`},
		{"2001:db8:1::9 from 2001:db8::9 iif d0", "unicast dev d1 table main"},
		{"2001:db8:1::1 from 2001:db8::9 iif d0", "local dev lo table local"},
		{"2001:db8:7::1 from 2001:db8::9 iif d0", `error "RTNETLINK answers: Network is unreachable"`},
	}},
}

// Cases found by the differential test, minimised by hand onto base.
var regressionsFound = []regression{
	{name: "ipv6 oif binds only without a source", cmds: []string{
		"-6 route add 2001:db8:99::/48 via 2001:db8:1::2 dev d1",
		"-6 route add prohibit 2001:db8:98::/48",
	}, cases: []qa{
		{"2001:db8::7 from 2001:db8:1::1 oif d1", "unicast dev d0 table main src 2001:db8::1"},
		{"2001:db8::7 oif d1", `error "RTNETLINK answers: Network is unreachable"`},
		{"2001:db8:99::1 from 2001:db8::1 oif d0", "unicast dev d1 via 2001:db8:1::2 table main src 2001:db8:1::1"},
		{"2001:db8:99::1 oif d0", `error "RTNETLINK answers: Network is unreachable"`},
		{"2001:db8:98::1 from 2001:db8::1 oif d0", `error "RTNETLINK answers: Permission denied"`},
		{"2001:db8:98::1 oif d0", `error "RTNETLINK answers: Network is unreachable"`},
	}},
	{name: "ipv6 link-local and multicast bind to the interface", cases: []qa{
		{"fe80::5 iif d1", "unicast dev d1 table main"},
		{"fe80::5 iif d0", "unicast dev d0 table main"},
		{"fe80::5 from fe80::9 iif d1", "unicast dev d1 table main"},
		{"LL:d0 iif d1", "unicast dev d1 table main"},
		{"LL:d1 iif d1", "local dev lo table local"},
		{"LL:d1 iif lo", `error "RTNETLINK answers: Network is unreachable"`},
		{"ff05::2 iif lo", `error "RTNETLINK answers: Network is unreachable"`},
		{"fe80::5 oif d1", "unicast dev d1 table main src LL:d1"},
	}},
	{name: "ipv6 interface-bound lookups skip reject routes", cmds: []string{
		"-6 route add prohibit ::/0 table local",
	}, cases: []qa{
		{"fe80::5 iif d1", "unicast dev d1 table main"},
		{"2001:db8:1::5 from 2001:db8::9 iif d0", `error "RTNETLINK answers: Permission denied"`},
		{"2001:db8:1::5", `error "RTNETLINK answers: Permission denied"`},
	}},
	{name: "ipv4 route get asks for udp", cmds: []string{
		"route add blackhole 198.51.100.0/24",
		"rule add pref 2800 prohibit",
		"rule add pref 2700 not ipproto udp lookup main",
		"-6 route add blackhole 2001:db8:98::/48",
		"-6 rule add pref 2800 prohibit",
		"-6 rule add pref 2700 not ipproto udp lookup main",
	}, cases: []qa{
		{"198.51.100.1", `error "RTNETLINK answers: Permission denied"`},
		{"198.51.100.1 ipproto tcp", `error "RTNETLINK answers: Invalid argument"`},
		{"198.51.100.1 from 10.0.0.9 iif d0", `error "RTNETLINK answers: Permission denied"`},
		{"2001:db8:98::1", `error "RTNETLINK answers: Invalid argument"`},
		{"2001:db8:98::1 ipproto udp", `error "RTNETLINK answers: Permission denied"`},
	}},
	{name: "ipv4 gateway that is a local address", cmds: []string{
		"route add 198.51.100.0/24 via 10.0.0.1 dev d0",
	}, cases: []qa{
		{"198.51.100.7", "unicast dev d0 table main src 10.0.0.1"},
		{"198.51.100.7 from 10.1.0.9 iif d1", "unicast dev d0 table main"},
	}},
	{name: "ipv4 preferred source within the route's scope", cmds: []string{
		"link add d2 type dummy",
		"link set d2 up",
		"addr add 10.2.0.1/24 dev d2 scope link",
		"route add 198.51.100.0/24 via 10.2.0.2 dev d2",
		"route add broadcast 203.0.113.255 dev d2",
	}, cases: []qa{
		{"198.51.100.1", "unicast dev d2 via 10.2.0.2 table main src 10.0.0.1"},
		{"10.2.0.7", "unicast dev d2 table main src 10.2.0.1"},
		{"203.0.113.255", "broadcast dev d2 table main src 10.2.0.1"},
	}},
	{name: "ipv4 limited broadcast and multicast output", cmds: []string{
		"route add default via 10.0.0.254",
	}, cases: []qa{
		{"255.255.255.255", "broadcast dev d0 table main src 10.0.0.1"},
		{"224.0.0.5", "multicast dev d0 table main src 10.0.0.1"},
		{"224.0.0.5 oif d1", "multicast dev d1 table main src 10.1.0.1"},
		{"255.255.255.255 oif d1", "broadcast dev d1 table main src 10.1.0.1"},
		{"224.0.0.5 from 10.1.0.1", "multicast dev d1 table main"},
		{"255.255.255.255 from 10.1.0.1", "broadcast dev d1 table main"},
		{"0.0.0.0 oif d1", "local dev lo table main src 10.1.0.1"},
	}},
	{name: "ipv4 input multicast and source validation", cases: []qa{
		{"224.0.0.5 from 10.0.0.9 iif d0", `error "RTNETLINK answers: Invalid argument"`},
		{"224.0.0.1 from 10.0.0.9 iif d0", "multicast dev lo table main"},
		{"255.255.255.255 from 10.1.0.1 iif d0", `error "RTNETLINK answers: Invalid argument"`},
		{"10.1.0.9 from 10.0.0.255 iif d0", "unicast dev d1 table main"},
	}},
	{name: "ipv4 sources", cmds: []string{
		"route add local 198.18.0.0/24 dev d0 table local",
	}, cases: []qa{
		{"10.1.0.7 from 0.0.0.0", "unicast dev d1 table main src 10.1.0.1"},
		{"192.0.2.1 from 0.0.0.0", `error "RTNETLINK answers: Network is unreachable"`},
		{"10.1.0.7 from 198.18.0.9", "unicast dev d1 table main"},
		{"198.18.0.7 from 198.18.0.7", "local dev lo table main"},
		{"10.1.0.7 from 127.1.2.3 oif d1", `error "RTNETLINK answers: Invalid argument"`},
	}},
	{name: "ipv6 equal routes prefer the lookup's interface", cmds: []string{
		"link add d2 type dummy",
		"link set d2 up",
		"addr add 2001:db8::2/64 dev d2 nodad",
		"addr add 2001:db8:1::2/64 dev d2 nodad noprefixroute",
	}, cases: []qa{
		{"2001:db8::7 from 2001:db8:1::9 iif d2", "unicast dev d2 table main"},
		{"2001:db8::7 from 2001:db8:1::9 iif d0", "unicast dev d0 table main"},
		{"2001:db8::7 from 2001:db8::2 oif d2", "unicast dev d2 table main src 2001:db8::2"},
		{"2001:db8:1:: from 2001:db8:1::2 oif d2", "anycast dev lo table local src 2001:db8:1::2"},
	}},
	{name: "ipv6 addresses of a down link", cmds: []string{
		"link add d2 type dummy",
		"addr add 2001:db8:2::1/64 dev d2 nodad",
	}, cases: []qa{
		{"2001:db8:2::1", "local dev lo table local src 2001:db8:2::1"},
		{"2001:db8:2::", "anycast dev lo table local src 2001:db8:2::1"},
		{"2001:db8:2::1 from 2001:db8::9 iif d0", "local dev lo table local"},
		{"2001:db8:2:: from 2001:db8::9 iif d0", "anycast dev lo table local"},
	}},
	{name: "ipv4 sources in a local route", cmds: []string{
		"route add local 198.18.0.0/24 dev d0 table local",
	}, cases: []qa{
		{"10.0.0.1 from 198.18.0.9 iif d1", `error "RTNETLINK answers: Invalid argument"`},
		{"10.1.0.9 from 198.18.0.9 iif d0", `error "RTNETLINK answers: Invalid argument"`},
	}},
	{name: "ipv4 local and main are one trie until a rule exists", cmds: []string{
		"route add blackhole 10.0.0.0/16 table local",
	}, cases: []qa{
		{"10.0.0.7", "unicast dev d0 table main src 10.0.0.1"},
		{"10.0.5.1", `error "RTNETLINK answers: Invalid argument"`},
		{"10.0.0.7 from 10.1.0.9 iif d1", "unicast dev d0 table main"},
	}},
	{name: "ipv4 local table first once a rule exists", cmds: []string{
		"route add blackhole 10.0.0.0/16 table local",
		"rule add pref 100 from 192.0.2.0/24 lookup 10",
	}, cases: []qa{
		{"10.0.0.7", `error "RTNETLINK answers: Invalid argument"`},
	}},
	{name: "ipv4 gateway scope is fixed when the route is added", cmds: []string{
		"route add local 10.1.0.0/23 dev d1 table 18",
		"route add 198.51.100.0/24 via 10.1.0.220 dev d1",
		"rule add pref 2200 lookup 18",
	}, cases: []qa{
		{"198.51.100.7", "unicast dev d1 via 10.1.0.220 table main src 10.1.0.1"},
		{"198.51.100.7 from 10.0.0.9 iif d0", "unicast dev d1 via 10.1.0.220 table main"},
	}},
	{name: "ipv4 source validation on the way back out", cases: []qa{
		{"10.0.0.7 from 10.0.0.255 iif d0", `error "RTNETLINK answers: Invalid argument"`},
		{"10.1.0.7 from 10.0.0.255 iif d0", "unicast dev d1 table main"},
		{"10.0.0.1 from 10.0.0.255 iif d0", "local dev lo table main"},
	}},
	{name: "ipv4 address of a down link", cmds: []string{
		"link add d2 type dummy",
		"addr add 10.2.0.1/24 dev d2",
	}, cases: []qa{
		{"10.2.0.1", "local dev lo table main src 10.2.0.1"},
		{"10.2.0.7", `error "RTNETLINK answers: Network is unreachable"`},
		{"10.2.0.1 from 10.0.0.9 iif d0", "local dev lo table main"},
	}},
	{name: "ipv4 input multicast without a source", cases: []qa{
		{"224.0.0.1 iif d0", "multicast dev lo table main"},
		{"224.0.0.5 iif d0", `error "RTNETLINK answers: Invalid argument"`},
	}},
	{name: "ipv4 loopback sources", cases: []qa{
		{"10.0.0.1 from 127.1.2.3 oif d0", "local dev lo table main"},
		{"10.0.0.255 from 127.0.0.1", `error "RTNETLINK answers: Invalid argument"`},
		{"10.1.0.7 from 127.0.0.1", `error "RTNETLINK answers: Invalid argument"`},
	}},
	{name: "ipv4 the newest holder of a source address", cmds: []string{
		"link add d2 type dummy",
		"link set d2 up",
		"addr add 10.0.0.1/32 dev d2",
	}, cases: []qa{
		{"255.255.255.255 from 10.0.0.1", "broadcast dev d2 table main"},
		{"224.0.0.5 from 10.0.0.1", "multicast dev d2 table main"},
	}},
	{name: "ipv6 equal sources prefer the newest address", cmds: []string{
		"addr add 2001:db8::a/64 dev d0 nodad",
	}, cases: []qa{
		{"2001:db8::7", "unicast dev d0 table main src 2001:db8::a"},
		{"2001:db8::8000:0:0:7", "unicast dev d0 table main src 2001:db8::a"},
	}},
	{name: "ipv6 interface preference after a throw", cmds: []string{
		"link add d2 type dummy",
		"link set d2 up",
		"addr add 2001:db8::2/64 dev d2 nodad",
		"-6 route add throw 2001:db8::/64 table 15",
		"-6 rule add pref 100 table 15",
	}, cases: []qa{
		{"2001:db8::7 from 2001:db8:1::9 iif d2", "unicast dev d2 table main"},
		{"2001:db8::7 from 2001:db8:1::9 iif d0", "unicast dev d0 table main"},
	}},
	{name: "ipv6 interface preference does not skip a throw", cmds: []string{
		// Under a strict oif the throw (dev lo) would be passed over and
		// the /16 through d2 taken in table 15; the preference is not
		// strict, so the throw answers and main's d2 route wins there
		// (seed 5).
		"link add d2 type dummy",
		"link set d2 up",
		"addr add 2001:db8::2/64 dev d2 nodad",
		"-6 route add throw 2001:db8::c000:0:0:0/68 table 15",
		"-6 route add 2001::/16 via 2001:db8::9 dev d2 table 15",
		"-6 rule add pref 100 not oif d2 table 15",
	}, cases: []qa{
		{"2001:db8::c766:0:0:7 from 2001:db8:1::9 iif d2", "unicast dev d2 table main"},
		{"2001:db8::c766:0:0:7 from 2001:db8:1::9 iif d0", "unicast dev d0 table main"},
	}},
	{name: "a multicast from a loopback subnet address leaves by lo", cmds: nil, cases: []qa{
		// __ip_dev_find falls back on the local table (seed 8).
		{"224.0.0.1 from 127.1.2.3", "multicast dev lo table main"},
	}},
	{name: "a local route added to main makes a source ours while the tables are merged", cmds: []string{
		"route add local 10.3.0.0/16 dev d1 table main",
	}, cases: []qa{
		// __ip_dev_find's local-table lookup sees main's routes too
		// until a custom rule splits the tables (seed 7).
		{"10.0.0.1 from 10.3.0.0", "local dev lo table main"},
	}},
	{name: "rules from lo need no dissection: the reverse flow has no protocol", cmds: []string{
		"route add local 0.0.0.0/0 dev d1 table 19",
		"rule add from 10.8.0.0/16 pref 1100 table 19",
		"rule add iif lo ipproto udp pref 3600 table 19",
	}, cases: []qa{
		// fib_rule_requires_fldissect is false for an iif lo rule, so
		// the source check's reverse lookup sees no protocol and
		// misses rule 3600 (seed 6).
		{"192.168.1.141 from 10.8.7.117 iif d0", "local dev lo table 19"},
	}},
	{name: "a rule on a port needs dissection: the reverse flow keeps them", cmds: []string{
		"route add local 0.0.0.0/0 dev d1 table 19",
		"rule add from 10.8.0.0/16 pref 1100 table 19",
		"rule add to 10.8.0.0/16 ipproto udp pref 3600 table 19",
	}, cases: []qa{
		{"192.168.1.141 from 10.8.7.117 iif d0", `error "RTNETLINK answers: Invalid argument"`},
	}},
	{name: "a local route added with proto kernel is custom all the same", cmds: []string{
		"route add local 10.0.3.116/30 dev d0 table 12 proto kernel",
	}, cases: []qa{
		// inet_rtm_newroute sets fib_has_custom_local_routes for any
		// local route, so the source check is the full one and a
		// subnet broadcast source is refused (seed 9).
		{"10.0.0.255 from 10.1.0.255 iif d1", `error "RTNETLINK answers: Invalid argument"`},
	}},
	{name: "a multicast without a route is on link, and multicast", cmds: nil, cases: []qa{
		// __mkroute_output types it by its destination (seed 8).
		{"224.249.22.129 oif lo", "multicast dev lo table main src 10.0.0.1"},
	}},
	{name: "ipv6 source for the unspecified destination", cmds: []string{
		"-6 route add default via 2001:db8::2 dev d0",
	}, cases: []qa{
		{"::", "unicast dev d0 via 2001:db8::2 table main src LL:d0"},
	}},
}

// refusals are configuration lines (after base and cmds) with the error
// Linux gives, "" when it accepts them.
var refusals = []struct {
	cmds       []string
	line, want string
}{
	{nil, "route add unreachable 198.51.100.0/24 tos 0x03", "Error: Invalid dsfield (tos): ECN bits must be 0."},
	{nil, "route add local 198.51.100.0/29 dev d0 table 17 scope global", "Error: Invalid scope."},
	{[]string{"link add d2 type dummy"}, "-6 route add 2001:db8:99::/48 via fe80::2 dev d2", "Error: Nexthop device is not up."},
	{nil, "-6 route add 2001:db8:99::/48 via 2001:db8:1::2 dev d0 onlink", "Error: Nexthop has invalid gateway or device mismatch."},
	{nil, "route add unreachable 198.51.100.0/24 src 192.0.2.1", ""},
	{[]string{"-6 route add local ::/0 dev d1 metric 0"}, "-6 route add 2001:db8:99::/48 via 2001:db8:5::1", ""},
	{nil, "route add 198.51.100.0/24 via 10.0.0.1 dev d0 onlink", "Error: Nexthop has invalid gateway."},
	{nil, "-6 route add 2001:db8:99::/48 scope link nexthop via 2001:db8::2 dev d0 nexthop via 2001:db8:1::2 dev d1", ""},
	{[]string{"link add d2 type dummy"}, "route add 198.51.100.0/24 dev d2 tos 0x03", "Error: Invalid dsfield (tos): ECN bits must be 0."},
	{nil, "route add local 198.51.100.0/24 dev d0 table 18 scope link src 192.0.2.9", "Error: Invalid scope."},
	{[]string{"-6 route add 2001::/16 via 2001:db8::2 dev d0 table 12"}, "-6 route add 2001:db8:99::/48 via 2001:db8:1::2 dev d1 table 12", ""},
	{[]string{"-6 route add 2001::/16 via 2001:db8::2 dev d0 table local"}, "-6 route add 2001:db8:99::/48 via 2001:db8:1::2 dev d1", ""},
	{[]string{"-6 route add 2001::/16 via 2001:db8::2 dev d0"}, "-6 route add 2001:db8:99::/48 via 2001:db8:1::2 dev d1 onlink table 11", ""},
	{[]string{"-6 route add prohibit 2001:db8:1::/60 table local"}, "-6 route add 2001:db8:99::/48 via 2001:db8:1::2", ""},
	{[]string{"-6 route add throw ::/0 table local"}, "-6 route add 2001:db8:99::/48 via 2001:db8:1::2 table 10", "RTNETLINK answers: No route to host"},
	{nil, "-6 route add ::/0 src 2001:db8:7::1 via 2001:db8:9::1", "RTNETLINK answers: No route to host"},
	{nil, "-6 route add ::/0 src 2001:db8:7::1 via 2001:db8::9", "Error: Invalid source address."},
	{nil, "-6 route add ::/0 src 2001:db8:7::1 nexthop via 2001:db8::9 dev d0 nexthop via 2001:db8:9::1 dev d1", "Error: Invalid source address."},
	{nil, "-6 route add 2001:db8:99::/64 via 2001:db8:1::5 dev d0 onlink table 15 src 2001:db8:1::1", "Error: Nexthop has invalid gateway or device mismatch."},
	// Both links have a route to the gateway's /48; the onlink check
	// prefers the one through the given device (seed 3).
	{[]string{"addr add 2001:db8:7::1/48 dev d0 nodad", "addr add 2001:db8:7::2/48 dev d1 nodad"},
		"-6 route add 2001::/16 via 2001:db8:7::99 dev d1 onlink", ""},
}

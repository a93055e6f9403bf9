package cli

import "testing"

const (
	loAddrs = "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n" +
		"    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n" +
		"    inet 127.0.0.1/8 scope host lo\n" +
		"       valid_lft forever preferred_lft forever\n" +
		"    inet6 ::1/128 scope host \n" +
		"       valid_lft forever preferred_lft forever\n"
	d0Head = "2: d0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default qlen 1000\n" +
		"    link/ether 02:11:22:33:44:55 brd ff:ff:ff:ff:ff:ff\n"
	forever = "       valid_lft forever preferred_lft forever\n"
)

func TestAddrShow(t *testing.T) {
	two := []string{addD0, "addr add 10.0.0.1/24 dev d0", "addr add 10.0.0.2/24 dev d0"}
	runCases(t, []cmdCase{
		{name: "fresh", cmd: "addr", out: loAddrs},
		{name: "link without addresses", setup: []string{addD0}, cmd: "addr show", out: loAddrs + d0Head},
		{name: "primary and secondary", setup: two, cmd: "a s dev d0", out: d0Head +
			"    inet 10.0.0.1/24 scope global d0\n" + forever +
			"    inet 10.0.0.2/24 scope global secondary d0\n" + forever},
		{name: "attributes", setup: []string{addD0, "addr add 10.1.0.1/16 brd + dev d0 label d0:x metric 50",
			"addr add 10.2.0.1/30 broadcast - dev d0 noprefixroute"}, cmd: "addr show dev d0", out: d0Head +
			"    inet 10.1.0.1/16 metric 50 brd 10.1.255.255 scope global d0:x\n" + forever +
			"    inet 10.2.0.1/30 brd 10.2.0.0 scope global noprefixroute d0\n" + forever},
		{name: "loopback scope", setup: []string{addD0, "addr add 127.0.0.2/8 dev d0", "addr add fe80::1/64 dev d0"},
			cmd: "addr show dev d0", out: d0Head +
				"    inet 127.0.0.2/8 scope host d0\n" + forever +
				"    inet6 fe80::1/64 scope link \n" + forever},
		{name: "family filter", setup: two, cmd: "-6 addr",
			out: "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n" +
				"    inet6 ::1/128 scope host \n" + forever},
		{name: "secondary filter", setup: two, cmd: "-j addr show secondary",
			out: `[{"ifindex":2,"ifname":"d0","flags":["BROADCAST","NOARP"],"mtu":1500,"qdisc":"noop","operstate":"DOWN","group":"default","txqlen":1000,"link_type":"ether","address":"02:11:22:33:44:55","broadcast":"ff:ff:ff:ff:ff:ff","addr_info":[{},{"family":"inet","local":"10.0.0.2","prefixlen":24,"scope":"global","secondary":true,"label":"d0","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]` + "\n"},
		{name: "primary filter", setup: two, cmd: "-br addr show primary",
			out: "lo               UNKNOWN        127.0.0.1/8 ::1/128 \nd0               DOWN           10.0.0.1/24 \n"},
		{name: "to filter", setup: two, cmd: "-br addr show to 10.0.0.2/32",
			out: "d0               DOWN           10.0.0.2/24 \n"},
		{name: "scope filter", setup: two, cmd: "-br addr show scope host",
			out: "lo               UNKNOWN        127.0.0.1/8 ::1/128 \n"},
		{name: "label pattern", setup: []string{addD0, "addr add 10.1.0.1/16 dev d0 label d0:x"}, cmd: "addr show label d0:*",
			out: "    inet 10.1.0.1/16 scope global d0:x\n" + forever},
		{name: "up filter json", setup: two, cmd: "-j addr show up",
			out: `[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"qdisc":"noqueue","operstate":"UNKNOWN","group":"default","txqlen":1000,"link_type":"loopback","address":"00:00:00:00:00:00","broadcast":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo","valid_life_time":4294967295,"preferred_life_time":4294967295},{"family":"inet6","local":"::1","prefixlen":128,"scope":"host","valid_life_time":4294967295,"preferred_life_time":4294967295}]},{}]` + "\n"},
		{name: "stats", cmd: "-s addr show lo", out: loAddrs +
			"    RX:  bytes packets errors dropped  missed   mcast           \n" +
			"             0       0      0       0       0       0 \n" +
			"    TX:  bytes packets errors dropped carrier collsns           \n" +
			"             0       0      0       0       0       0 \n"},
		{name: "details", cmd: "-d addr show lo",
			out: "1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN group default qlen 1000\n" +
				"    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00 promiscuity 0  allmulti 0 minmtu 0 maxmtu 0 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 \n" +
				"    inet 127.0.0.1/8 scope host lo\n" + forever + "    inet6 ::1/128 scope host \n" + forever},
		{name: "pretty", setup: []string{addD0, "addr add 10.0.0.1/24 dev d0"}, cmd: "-j -p addr show dev d0", out: `[ {
        "ifindex": 2,
        "ifname": "d0",
        "flags": [ "BROADCAST","NOARP" ],
        "mtu": 1500,
        "qdisc": "noop",
        "operstate": "DOWN",
        "group": "default",
        "txqlen": 1000,
        "link_type": "ether",
        "address": "02:11:22:33:44:55",
        "broadcast": "ff:ff:ff:ff:ff:ff",
        "addr_info": [ {
                "family": "inet",
                "local": "10.0.0.1",
                "prefixlen": 24,
                "scope": "global",
                "label": "d0",
                "valid_life_time": 4294967295,
                "preferred_life_time": 4294967295
            } ]
    } ]
`},
		{name: "oneline", setup: two, cmd: "-o addr show dev d0",
			out: "2: d0    inet 10.0.0.1/24 scope global d0\\       valid_lft forever preferred_lft forever\n" +
				"2: d0    inet 10.0.0.2/24 scope global secondary d0\\       valid_lft forever preferred_lft forever\n"},
		{name: "oneline json", cmd: "-j -o addr show lo",
			out: `[{"addr_info":[{"index":1,"dev":"lo","family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo","valid_life_time":4294967295,"preferred_life_time":4294967295},{"index":1,"dev":"lo","family":"inet6","local":"::1","prefixlen":128,"scope":"host","valid_life_time":4294967295,"preferred_life_time":4294967295}]}]` + "\n"},
		{name: "no such device", cmd: "addr show dev nosuch", err: "Device \"nosuch\" does not exist.\n", code: 1},
		{name: "bad scope", cmd: "addr show scope foo", err: "Error: argument \"foo\" is wrong: invalid \"scope\"\n\n", code: 255},
		{name: "unknown verb", cmd: "addr xyz", err: "Command \"xyz\" is unknown, try \"govrf address help\".\n", code: 255},
	})
}

func TestAddrChange(t *testing.T) {
	runCases(t, []cmdCase{
		{name: "delete primary takes secondaries", setup: []string{addD0, "addr add 10.0.0.1/24 dev d0",
			"addr add 10.0.0.2/24 dev d0", "addr del 10.0.0.1/24 dev d0"}, cmd: "addr show dev d0", out: d0Head},
		{name: "replace", setup: []string{addD0, "addr add 10.0.0.1/24 dev d0", "addr replace 10.0.0.1/24 dev d0 metric 7"},
			cmd: "-br addr show dev d0", out: "d0               DOWN           10.0.0.1/24 metric 7 \n"},
		{name: "change creates", setup: []string{addD0, "addr change 10.0.0.1/24 dev d0"},
			cmd: "-br addr show dev d0", out: "d0               DOWN           10.0.0.1/24 \n"},
		{name: "flush", setup: []string{addD0, "addr add 10.0.0.1/24 dev d0", "addr add 10.0.0.2/24 dev d0",
			"addr add 2001:db8::1/64 dev d0"}, cmd: "-s addr flush dev d0",
			out: "\n*** Round 1, deleting 3 addresses ***\n*** Flush is complete after 1 round ***\n"},
		{name: "flush nothing", setup: []string{addD0}, cmd: "-s addr flush dev d0", out: "Nothing to flush.\n"},
		{name: "flush one family", setup: []string{addD0, "addr add 10.0.0.1/24 dev d0", "addr add 2001:db8::1/64 dev d0",
			"-4 addr flush dev d0"}, cmd: "-br addr show dev d0", out: "d0               DOWN           2001:db8::1/64 \n"},
		{name: "wildcard delete", setup: []string{addD0, "addr add 10.0.0.5/24 dev d0"}, cmd: "addr del 10.0.0.5 dev d0",
			err: "Warning: Executing wildcard deletion to stay compatible with old scripts.\n" +
				"         Explicitly specify the prefix length (10.0.0.5/32) to avoid this warning.\n" +
				"         This special behaviour is likely to disappear in further releases,\n" +
				"         fix your scripts!\n"},
		{name: "delete first of family", setup: []string{addD0, "addr add 10.0.0.5/24 dev d0", "addr add 10.9.0.5/24 dev d0",
			"-4 addr del dev d0"}, cmd: "-br addr show dev d0", out: "d0               DOWN           10.9.0.5/24 \n"},
		{name: "readonly flag warns", setup: []string{addD0}, cmd: "addr add 10.3.0.1/24 dev d0 secondary",
			err: "Warning: secondary option is not mutable from userspace\n"},
		{name: "v6 flag before family warns", setup: []string{addD0}, cmd: "addr add nodad 2001:db8::6/64 dev d0",
			err: "Warning: nodad option can be set only for IPv6 addresses\n"},
		{name: "exists", setup: []string{addD0, "addr add 10.0.0.1/24 dev d0"}, cmd: "addr add 10.0.0.1/24 dev d0",
			err: "Error: ipv4: Address already assigned.\n", code: 2},
		{name: "not found", setup: []string{addD0}, cmd: "addr del 10.9.9.9/24 dev d0", err: "Error: ipv4: Address not found.\n", code: 2},
		{name: "not found v6", setup: []string{addD0}, cmd: "addr del 2001:db8::9/64 dev d0", err: "Error: ipv6: address not found.\n", code: 2},
		{name: "exists v6", setup: []string{addD0, "addr add 2001:db8::1/64 dev d0"}, cmd: "addr add 2001:db8::1/64 dev d0",
			err: "Error: ipv6: address already assigned.\n", code: 2},
		{name: "no address v6", setup: []string{addD0}, cmd: "-6 addr del dev d0", err: "RTNETLINK answers: Invalid argument\n", code: 2},
		{name: "bad prefix", setup: []string{addD0}, cmd: "addr add 10.0.0.300/24 dev d0", err: "Error: any valid prefix is expected rather than \"10.0.0.300/24\".\n", code: 1},
		{name: "family mismatch", setup: []string{addD0}, cmd: "-4 addr add ::5/64 dev d0", err: "Error: inet prefix is expected rather than \"::5/64\".\n", code: 1},
		{name: "no device", cmd: "addr add 10.0.0.9/24 dev nosuch", err: "Cannot find device \"nosuch\"\n", code: 1},
		{name: "no dev", cmd: "addr add 10.0.0.9/24", err: "Not enough information: \"dev\" argument is required.\n", code: 1},
		{name: "no address", setup: []string{addD0}, cmd: "addr add dev d0", err: "RTNETLINK answers: Operation not supported\n", code: 2},
		{name: "no address v4", setup: []string{addD0}, cmd: "-4 addr add dev d0", err: "RTNETLINK answers: Invalid argument\n", code: 2},
		{name: "garbage", setup: []string{addD0}, cmd: "addr add 10.0.0.9/24 dev d0 garbage", err: "Error: either \"local\" is duplicate, or \"garbage\" is a garbage.\n", code: 255},
		{name: "bad scope", setup: []string{addD0}, cmd: "addr add 10.0.0.1/24 dev d0 scope foo", err: "Error: argument \"foo\" is wrong: invalid scope value.\n", code: 255},
		{name: "bad brd", setup: []string{addD0}, cmd: "addr add 10.0.0.1/24 dev d0 brd foo", err: "Error: inet address is expected rather than \"foo\".\n", code: 1},
		{name: "dup brd", setup: []string{addD0}, cmd: "addr add 10.0.0.1/24 brd + brd - dev d0", err: "Error: duplicate \"broadcast\": \"-\" is the second value.\n", code: 255},
		{name: "brd on v6", setup: []string{addD0}, cmd: "addr add 2001:db8::5/64 brd + dev d0", err: "Broadcast can be set only for IPv4 addresses\n", code: 1},
		{name: "bad metric", setup: []string{addD0}, cmd: "addr add 10.0.0.1/24 dev d0 metric x", err: "Error: argument \"x\" is wrong: \"metric\" value is invalid\n\n", code: 255},
		{name: "long label", setup: []string{addD0}, cmd: "addr add 10.0.0.1/24 dev d0 label d0:0123456789abc", err: "Error: Attribute failed policy validation.\n", code: 2},
		{name: "finite lifetime", setup: []string{addD0}, cmd: "addr add 10.0.0.1/24 dev d0 valid_lft 60", err: "Error: \"valid_lft 60\" is not supported by govrf.\n", code: 2},
		{name: "peer", setup: []string{addD0}, cmd: "addr add 10.0.0.1 peer 10.0.0.2 dev d0", err: "Error: \"peer\" is not supported by govrf.\n", code: 2},
		{name: "flush needs arguments", cmd: "addr flush", err: "Flush requires arguments.\n", code: 1},
		{name: "help", cmd: "addr help", err: addrUsage, code: 255},
	})
}

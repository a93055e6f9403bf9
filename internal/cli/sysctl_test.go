package cli

import (
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/control"
)

func TestSysctl(t *testing.T) {
	var all strings.Builder
	snap := control.New().Snapshot()
	for _, n := range control.SysctlNames() {
		v, _ := snap.Sysctl().Get(n)
		all.WriteString(n + " = " + v + "\n")
	}
	runCases(t, []cmdCase{
		{name: "read", cmd: "sysctl net.ipv4.ip_forward", out: "net.ipv4.ip_forward = 0\n"},
		{name: "read slashes", cmd: "sysctl net/ipv4/ip_forward", out: "net.ipv4.ip_forward = 0\n"},
		{name: "read several", cmd: "sysctl net.ipv4.ip_forward net.ipv4.icmp_ratelimit",
			out: "net.ipv4.ip_forward = 0\nnet.ipv4.icmp_ratelimit = 1000\n"},
		{name: "set", cmd: "sysctl net.ipv4.ip_forward=1", out: "net.ipv4.ip_forward = 1\n"},
		{name: "set -w", cmd: "sysctl -w net.ipv6.conf.all.forwarding=1", out: "net.ipv6.conf.all.forwarding = 1\n"},
		{name: "set quiet", cmd: "sysctl -q -w net.ipv4.ip_forward=1"},
		{name: "set persists", setup: []string{"sysctl net.vrf.strict_mode=1"}, cmd: "sysctl -n net.vrf.strict_mode", out: "1\n"},
		{name: "names", cmd: "sysctl -N net.ipv4.ip_forward", out: "net.ipv4.ip_forward\n"},
		{name: "all", cmd: "sysctl -a", out: all.String()},
		{name: "unknown", cmd: "sysctl net.ipv4.foo", err: "sysctl: cannot stat /proc/sys/net/ipv4/foo: No such file or directory\n", code: 1},
		{name: "unknown ignored", cmd: "sysctl -e net.ipv4.foo"},
		{name: "bad value", cmd: "sysctl net.ipv4.tcp_l3mdev_accept=5", err: "sysctl: setting key \"net.ipv4.tcp_l3mdev_accept\": Invalid argument\n", code: 1},
		{name: "write without value", cmd: "sysctl -w net.ipv4.ip_forward", err: "sysctl: \"net.ipv4.ip_forward\" must be of the form name=value\n", code: 1},
		{name: "nothing", cmd: "sysctl", err: "sysctl: no variables specified\nTry `sysctl --help' for more information.\n", code: 1},
		{name: "bad option", cmd: "sysctl -Z", err: "sysctl: invalid option -- 'Z'\n" + sysctlUsage + "\n", code: 1},
		{name: "strict mode with shared table", setup: []string{"link add va type vrf table 10", "link add vb type vrf table 10"},
			cmd: "sysctl net.vrf.strict_mode=1", err: "sysctl: setting key \"net.vrf.strict_mode\": Device or resource busy\n", code: 1},
		{name: "first error last", cmd: "sysctl net.ipv4.foo net.ipv4.bar",
			err: "sysctl: cannot stat /proc/sys/net/ipv4/foo: No such file or directory\nsysctl: cannot stat /proc/sys/net/ipv4/bar: No such file or directory\n", code: 1},
	})
}

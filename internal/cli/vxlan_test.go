package cli

import (
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/control"
)

const (
	addVX     = "link add name vx100 address 02:11:22:33:44:77 type vxlan id 100 local 10.99.0.1 dstport 4789 nolearning"
	vxDetails = "2: vx100: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN mode DEFAULT group default qlen 1000\n" +
		"    link/ether 02:11:22:33:44:77 brd ff:ff:ff:ff:ff:ff promiscuity 0  allmulti 0 minmtu 68 maxmtu 65535 \n" +
		"    vxlan id 100 local 10.99.0.1 srcport 0 0 dstport 4789 nolearning ttl auto ageing 300 udpcsum noudp6zerocsumtx noudp6zerocsumrx addrgenmode eui64 numtxqueues 1 numrxqueues 1 gso_max_size 65536 gso_max_segs 65535 tso_max_size 524280 tso_max_segs 65535 gro_max_size 65536 \n"
	vxWarning = "vxlan: destination port not specified\nWill use Linux kernel default (non-standard value)\n" +
		"Use 'dstport 4789' to get the IANA assigned value\nUse 'dstport 0' to get default and quiet this message\n"
)

// TestVXLANLink checks `link add type vxlan` against what ip and the
// kernel answer (iproute2 6.1, Linux 6.18).
func TestVXLANLink(t *testing.T) {
	runCases(t, []cmdCase{
		{name: "details", setup: []string{addVX}, cmd: "-d link show vx100", out: vxDetails},
		{name: "no dstport warns", cmd: "link add name vx1 type vxlan id 1", err: vxWarning},
		{name: "no id", cmd: "link add name vx1 type vxlan local 10.0.0.1 dstport 4789",
			err: "vxlan: missing virtual network identifier\n", code: 1},
		{name: "id range", cmd: "link add name vx1 type vxlan id 16777216 dstport 4789",
			err: "Error: argument \"16777216\" is wrong: invalid id\n", code: 255},
		{name: "ttl range", cmd: "link add name vx1 type vxlan id 9 ttl 300 dstport 4789",
			err: "Error: argument \"300\" is wrong: TTL must be <= 255\n", code: 255},
		{name: "srcport range", cmd: "link add name vx1 type vxlan id 9 srcport 2000 1000 dstport 4789",
			err: "Error: Invalid source port range.\n", code: 2},
		{name: "vni clash", setup: []string{addVX}, cmd: "link add name vx1 type vxlan id 100 local 10.0.0.9 dstport 4789",
			err: "Error: A VXLAN device with the specified VNI already exists.\n", code: 2},
		{name: "families", cmd: "link add name vx1 type vxlan id 9 dstport 4789 local 10.0.0.1 remote fd00::1",
			err: "Error: inet address is expected rather than \"fd00::1\".\n", code: 1},
		{name: "duplicate id", cmd: "link add name vx1 type vxlan id 9 id 10 dstport 4789",
			err: "Error: either \"id\" is duplicate, or \"10\" is a garbage.\n", code: 255},
		{name: "multicast local", cmd: "link add name vx1 type vxlan id 9 dstport 4789 local 224.0.0.1",
			err: "Error: argument \"224.0.0.1\" is wrong: invalid local address\n", code: 255},
		{name: "unsupported", cmd: "link add name vx1 type vxlan id 9 dstport 4789 gbp",
			err: "Error: \"gbp\" is not supported by govrf.\n", code: 2},
	})
}

// TestFDB checks `bridge fdb` against what bridge and the kernel's VXLAN
// driver answer.
func TestFDB(t *testing.T) {
	setup := []string{"link add name vxu type vxlan id 6 local 10.0.0.1 remote 10.0.0.2 dstport 4789",
		"bridge fdb append 00:00:00:00:00:00 dev vxu dst 10.0.0.3",
		"bridge fdb add 02:00:00:00:00:01 dev vxu dst 10.0.0.4",
		"bridge fdb add 02:00:00:00:00:02 dev vxu dst 10.0.0.5 self permanent extern_learn",
		"bridge fdb replace 02:00:00:00:00:03 dev vxu dst 10.0.0.5 self extern_learn",
		"bridge fdb add 02:00:00:00:00:04 dev vxu dst 10.0.0.5 static",
		"bridge fdb add 02:00:00:00:00:05 dev vxu dst 10.0.0.5 dynamic"}
	all := "02:00:00:00:00:05 dev vxu dst 10.0.0.5 self \n" +
		"02:00:00:00:00:04 dev vxu dst 10.0.0.5 self static\n" +
		"02:00:00:00:00:03 dev vxu dst 10.0.0.5 self extern_learn permanent\n" +
		"02:00:00:00:00:02 dev vxu dst 10.0.0.5 self extern_learn permanent\n" +
		"02:00:00:00:00:01 dev vxu dst 10.0.0.4 self permanent\n" +
		"00:00:00:00:00:00 dev vxu dst 10.0.0.2 self permanent\n" +
		"00:00:00:00:00:00 dev vxu dst 10.0.0.3 self permanent\n"
	runCases(t, []cmdCase{
		{name: "show", setup: setup, cmd: "bridge fdb show", out: all},
		{name: "show dev", setup: setup[:2], cmd: "bridge fdb show dev vxu",
			out: "00:00:00:00:00:00 dst 10.0.0.2 self permanent\n00:00:00:00:00:00 dst 10.0.0.3 self permanent\n"},
		{name: "json", setup: setup[:3], cmd: "-j bridge fdb show",
			out: `[{"mac":"02:00:00:00:00:01","ifname":"vxu","dst":"10.0.0.4","flags":["self"],"state":"permanent"},{"mac":"00:00:00:00:00:00","ifname":"vxu","dst":"10.0.0.2","flags":["self"],"state":"permanent"},{"mac":"00:00:00:00:00:00","ifname":"vxu","dst":"10.0.0.3","flags":["self"],"state":"permanent"}]` + "\n"},
		{name: "append to unicast changes nothing", setup: []string{setup[0], setup[2], "bridge fdb append 02:00:00:00:00:01 dev vxu dst 10.0.0.7"},
			cmd: "bridge fdb show dev vxu", out: "02:00:00:00:00:01 dst 10.0.0.4 self permanent\n00:00:00:00:00:00 dst 10.0.0.2 self permanent\n"},
		{name: "replace", setup: []string{setup[0], setup[2], "bridge fdb replace 02:00:00:00:00:01 dev vxu dst 10.0.0.7"},
			cmd: "bridge fdb show dev vxu", out: "02:00:00:00:00:01 dst 10.0.0.7 self permanent\n00:00:00:00:00:00 dst 10.0.0.2 self permanent\n"},
		{name: "del one destination", setup: append(setup[:2:2], "bridge fdb del 00:00:00:00:00:00 dev vxu dst 10.0.0.2"),
			cmd: "bridge fdb show", out: "00:00:00:00:00:00 dev vxu dst 10.0.0.3 self permanent\n"},
		{name: "add twice", setup: setup[:3], cmd: "bridge fdb add 02:00:00:00:00:01 dev vxu dst 10.0.0.5",
			err: "RTNETLINK answers: File exists\n", code: 2},
		{name: "del missing", setup: setup[:1], cmd: "bridge fdb del 02:00:00:00:00:09 dev vxu",
			err: "RTNETLINK answers: No such file or directory\n", code: 2},
		{name: "no dst", setup: setup[:1], cmd: "bridge fdb add 02:00:00:00:00:0a dev vxu",
			err: "RTNETLINK answers: Invalid argument\n", code: 2},
		{name: "family", setup: setup[:1], cmd: "bridge fdb add 02:00:00:00:00:0a dev vxu dst fd00::1",
			err: "RTNETLINK answers: Address family not supported by protocol\n", code: 2},
		{name: "bad mac", setup: setup[:1], cmd: "bridge fdb add zz dev vxu dst 1.1.1.1",
			err: "Invalid mac address zz\n", code: 255},
		{name: "no dev", cmd: "bridge fdb add 02:00:00:00:00:0a dst 1.1.1.1",
			err: "Device and address are required arguments.\n", code: 255},
		{name: "not vxlan", setup: []string{addD0}, cmd: "bridge fdb add 02:00:00:00:00:0a dev d0 dst 1.1.1.1",
			err: "RTNETLINK answers: Operation not supported\n", code: 2},
	})
}

// TestVXLANLinkJSON checks the info_data of `-j -d link show` against
// what ip prints for a kernel VXLAN device.
func TestVXLANLinkJSON(t *testing.T) {
	ctl := control.New()
	for _, l := range []string{"link add name vx6 type vxlan id 7 local fd00::1 remote fd00::2 dstport 4789 srcport 1000 2000 ttl 10",
		"link add name vx1 type vxlan id 1 dstport 0"} {
		if _, e, code := run(t, ctl, l); code != 0 {
			t.Fatalf("Run(%q) = %d: %s", l, code, e)
		}
	}
	out, _, _ := run(t, ctl, "-j -d link show vx6")
	want := `"linkinfo":{"info_kind":"vxlan","info_data":{"id":7,"remote6":"fd00::2","local6":"fd00::1","port_range":{"low":1000,"high":2000},"port":4789,"learning":true,"ttl":10,"df":"unset","ageing":300,"udp_csum":true,"udp_zero_csum6_tx":false,"udp_zero_csum6_rx":false}}`
	if !strings.Contains(out, want) {
		t.Fatalf("-j -d link show vx6 = %s\nwant it to hold %s", out, want)
	}
	if out, _, _ := run(t, ctl, "-d link show vx1"); !strings.Contains(out, " dstport 8472 ") {
		t.Fatalf("-d link show vx1 = %s\nwant dstport 8472, the kernel's default", out)
	}
}

// TestVXLANAgeing: `ageing none` (0) takes the default 300, as the
// kernel does.
func TestVXLANAgeing(t *testing.T) {
	ctl := control.New()
	for _, l := range []string{"link add name vx1 type vxlan id 1 dstport 4789 ageing none",
		"link add name vx2 type vxlan id 2 dstport 4789 ageing 60"} {
		if _, e, code := run(t, ctl, l); code != 0 {
			t.Fatalf("Run(%q) = %d: %s", l, code, e)
		}
	}
	for dev, want := range map[string]string{"vx1": " ageing 300 ", "vx2": " ageing 60 "} {
		if out, _, _ := run(t, ctl, "-d link show "+dev); !strings.Contains(out, want) {
			t.Errorf("-d link show %s = %s\nwant %q", dev, out, want)
		}
	}
	if _, e, code := run(t, ctl, "link add name vx3 type vxlan id 3 dstport 4789 ageing x"); code != 255 ||
		e != "Error: argument \"x\" is wrong: ageing timer\n" {
		t.Errorf("ageing x: %d %q", code, e)
	}
}

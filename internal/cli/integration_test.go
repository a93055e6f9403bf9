package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/netnstest"
)

// integrationScript is run command by command with the real ip in a fresh
// network namespace and with govrf; every command's output, error text
// and exit code must agree. Links get fixed MAC addresses so that their
// EUI-64 link-local addresses agree too.
var integrationScript = []string{
	"link add d0 address 02:11:22:33:44:55 type dummy",
	"link add d1 address 02:11:22:33:44:66 mtu 9000 type dummy",
	"addr add 2001:db8::1/64 dev d0",
	"link set d0 up",
	"link set lo up",
	"addr add 10.0.0.1/24 dev d0",
	"addr add 10.0.0.2/24 dev d0",
	"addr add 10.1.0.1/16 brd + dev d0 label d0:x metric 50",
	"addr add 10.2.0.1/30 brd - dev d0",
	"addr add 172.16.0.1/12 dev d1",
	"link add d3 address 02:11:22:33:44:77 type dummy",
	"addr add 172.17.0.1/16 dev d3 scope link",
	"addr add 10.0.0.1/24 dev d0",
	"addr add 10.0.0.300/24 dev d0",
	"addr add 10.0.0.9/24 dev nosuch",
	"addr add 10.0.0.9/24 dev d0 garbage",
	"addr add 10.0.0.9/24",
	"addr del 10.9.9.9/24 dev d0",
	"addr add 2001:db8::1/64 dev d0",
	"addr del 2001:db8::9/64 dev d0",
	"-6 addr del dev d0",
	"-j link show",
	"-j addr show",
	"-j -p addr show dev d0",
	"link show",
	"addr show",
	"-d link show d1",
	"-s link show d1",
	"-s -s link show lo",
	"-br link",
	"-br addr",
	"-4 addr",
	"-6 addr show dev d0",
	"addr show scope link",
	"-j addr show secondary",
	"addr show to 10.0.0.0/8",
	"addr show label d0:*",
	"addr show up",
	"-br addr show primary",
	"-br addr show to 10.0.0.2/32",
	"-br addr show scope host",
	"-br addr show -secondary dev d0",
	"addr add 10.0.0.1/24 brd + brd - dev d1",
	"-s addr flush dev d3",
	"-s addr flush dev d3",
	"-j -p vrf show",
	"link add d5 address 02:11:22:33:44:88 up type dummy",
	"-br link show d5",
	"-s -br link",
	"-j -s -s link show lo",
	"-j -d addr show lo",
	"-d addr show lo",
	"-s addr show lo",
	"-j -br addr show lo",
	"link show dev lo group default",
	"-o addr",
	"-o link",
	"-o -d link show lo",
	"-o -s -s link show lo",
	"-j -o addr",
	"-o -br addr",
	"-o addr show up",
	"-o -s addr show lo",
	"vrf show",
	"vrf",
	"vrf show default",
	"vrf show d0",
	"vrf show a b",
	"vrf foo",
	"-j link show up",
	"link show nosuch",
	"link show d0 lo",
	"link set d0 mtu foo",
	"link set d0 vrf d1",
	"link set nosuch up",
	"link set d1 name d2",
	"link set d2 group 5",
	"link show group 5",
	"-j link show group default",
	"link set d2 name d1",
	"link add",
	"link add d9",
	"link add d9 type",
	"link add d9 mtu x type dummy",
	"link add d9 address zz type dummy",
	"link add d0 type dummy",
	"link add name d8 dev d9 type dummy",
	"link add 0123456789abcdefg type dummy",
	"link add a/b type dummy",
	"link add d9 type dummy help",
	"link set",
	"link set d0",
	"link set d0 master nosuch",
	"link set d0 vrf lo",
	"link set d0 master lo",
	"link set lo master d0",
	"link set d0 group foo",
	"link set d0 up down foo",
	"link set d0 dev d0",
	"link set dev d0 mtu 100 mtu 200",
	"link set d0 name 0123456789abcdefg",
	"link set d0 name lo",
	"link set d0 address 02:00:00:00:00",
	"link set d0 address 1.2.3.4",
	"link del",
	"link del nosuch",
	"link del lo",
	"link show dev",
	"link show master nosuch",
	"link show vrf lo",
	"link show type dummy",
	"link show type vrf",
	"-j link show type dummy_slave",
	"link foo",
	"addr add 10.0.0.1/33 dev d0",
	"addr add foo dev d0",
	"addr add dev d0",
	"addr add 10.0.0.1/24 dev",
	"addr add 10.0.0.1/24 dev d0 scope foo",
	"addr add 10.0.0.1/24 dev d0 brd foo",
	"addr add 10.0.0.1/24 dev d0 metric x",
	"addr add ::1/129 dev d0",
	"addr add 1.2.3.4/24 5.6.7.8/24 dev d0",
	"addr add 10.1.0.1/-1 dev d0",
	"addr add 10.1.0.1/255.255.0.0 dev d1",
	"addr add 10.1.0.2/255.0.255.0 dev d1",
	"-4 addr add ::5/64 dev d0",
	"-6 addr add 10.1.1.1/24 dev d0",
	"addr add 10/8 dev d1",
	"addr add 10.0.0.5 dev d1",
	"addr del 10.0.0.5 dev d1",
	"addr add 2001:db8::5/64 brd + dev d1",
	"addr add nodad 2001:db8::6/64 dev d1",
	"addr add 10.3.0.1/24 dev d1 secondary",
	"addr del dev d0",
	"-4 addr del dev d1",
	"addr show dev d1",
	"addr flush",
	"addr show dev nosuch",
	"addr show dev d1 dev d0",
	"addr show master nosuch",
	"addr show scope foo",
	"addr del 10.0.0.1/24 dev d0",
	"addr show dev d0",
	"addr flush dev d0",
	"addr show dev d0",
	"link set d1 down",
	"link show d1",
	"link del d0",
	"-j -p link show",
	"l s",
	"a s dev lo",
	"link sh lo",
	"addr xyz",
}

func TestIntegrationLinkAddrAgainstIP(t *testing.T) {
	netnstest.Root(t)
	if _, err := exec.LookPath("ip"); err != nil {
		t.Fatalf("ip not installed: %v", err)
	}
	ns := fmt.Sprintf("govrf-cli-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	defer exec.Command("ip", "netns", "del", ns).Run()
	// A kernel without the dummy driver still has ifb, whose devices
	// differ only in their queue: normalise that away.
	kind := "dummy"
	if exec.Command("ip", "-n", ns, "link", "add", "probe", "type", "dummy").Run() != nil {
		kind = "ifb"
	} else {
		exec.Command("ip", "-n", ns, "link", "del", "probe").Run()
	}
	ctl := control.New()
	exec.Command("ip", "-n", ns, "link", "set", "lo", "up").Run()
	for _, line := range integrationScript {
		words, err := splitLine(line)
		if err != nil {
			t.Fatalf("splitLine(%q): %v", line, err)
		}
		var gotOut, gotErr bytes.Buffer
		gotCode := Run(ctl, words, &gotOut, &gotErr)

		realWords := strings.Fields(strings.ReplaceAll(line, "type dummy", "type "+kind))
		cmd := exec.Command("ip", append([]string{"-n", ns}, realWords...)...)
		var wantOut, wantErr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &wantOut, &wantErr
		wantCode := 0
		if err := cmd.Run(); err != nil {
			var ee *exec.ExitError
			if !errors.As(err, &ee) {
				t.Fatalf("ip %s: %v", line, err)
			}
			wantCode = ee.ExitCode()
		}
		want := normaliseMACs(normaliseIP(wantOut.String(), kind))
		if got := normaliseMACs(gotOut.String()); got != want {
			t.Errorf("govrf %s: output differs from ip's\n got: %q\nwant: %q", line, got, want)
		}
		if got, want := gotErr.String(), normaliseIP(wantErr.String(), kind); got != want {
			t.Errorf("govrf %s: error %q, ip says %q", line, got, want)
		}
		if gotCode != wantCode {
			t.Errorf("govrf %s: exit code %d, ip's %d", line, gotCode, wantCode)
		}
	}
}

var (
	ifbQueue  = regexp.MustCompile(`pfifo_fast|qlen 32|"txqlen":( )?32`)
	tentative = regexp.MustCompile(`tentative |"tentative":( )?true,`)
	macAddr   = regexp.MustCompile(`[0-9a-f]{2}(:[0-9a-f]{2}){5}`)
	usageIP   = regexp.MustCompile(`(?m)^(Usage:\s+|\s+)ip `)
)

// normaliseMACs replaces the random addresses of links created without
// `address` in both outputs.
func normaliseMACs(s string) string {
	return macAddr.ReplaceAllStringFunc(s, func(m string) string {
		if m == "00:00:00:00:00:00" || m == "ff:ff:ff:ff:ff:ff" || strings.HasPrefix(m, "02:11:22:") {
			return m
		}
		return "random"
	})
}

// normaliseIP removes from ip's output what depends on the kernel rather
// than on the configuration: the ifb stand-in's queue and kind, IPv6
// duplicate address detection still running, and ip's name in hints.
func normaliseIP(s, kind string) string {
	s = tentative.ReplaceAllString(s, "")
	if kind == "ifb" {
		s = ifbQueue.ReplaceAllStringFunc(s, func(m string) string {
			switch {
			case m == "pfifo_fast":
				return "noqueue"
			case m == "qlen 32":
				return "qlen 1000"
			}
			return strings.Replace(m, "32", "1000", 1)
		})
		s = strings.ReplaceAll(s, "ifb", "dummy")
	}
	s = usageIP.ReplaceAllString(s, "${1}govrf ")
	return strings.ReplaceAll(s, `try "ip `, `try "govrf `)
}

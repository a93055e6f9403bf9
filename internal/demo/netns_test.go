package demo

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/netnstest"
)

func TestIntegrationNamespaces(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the namespace demo needs root")
		}
		t.Skip("needs root")
	}
	govrf, err := netnstest.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := Namespaces(ctx, &out, govrf); err != nil {
		t.Fatalf("Namespaces: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{"A1 reached A2; B2 received nothing", "B1 reached B2; A2 received nothing",
		"192.168.2.10 dev ra2 lladdr", "192.168.2.10 dev rb2 lladdr",
		"R's own ping in VRF a reached A2; B2 received nothing of it",
		// The story tells itself: the addresses, the commands, the counters.
		"A1    A        192.168.1.10/24  2001:db8:1::10  ra1          a    192.168.1.1",
		"B2    B        192.168.2.10/24  2001:db8:2::10  rb2          b    192.168.2.1",
		"InEchos in /proc/net/snmp",
		"addr add 192.168.2.10/24 dev eth0\n",
		"$ govrf link add link rb2 name rb2 type packet\n",
		"echo requests received (InEchos + Icmp6InEchos): A2 ",
		"govrfd -socket "} {
		if !strings.Contains(text, want) {
			t.Errorf("the story lacks %q:\n%s", want, text)
		}
	}
	// `neigh show vrf a` lists only the neighbours of a's ports.
	_, a, _ := strings.Cut(text, "$ govrf neigh show vrf a\n")
	a, _, _ = strings.Cut(a, "$ govrf")
	if strings.Contains(a, "dev rb") || !strings.Contains(a, "dev ra1") {
		t.Errorf("neigh show vrf a =\n%s\nwant only ra1 and ra2 entries", a)
	}
}

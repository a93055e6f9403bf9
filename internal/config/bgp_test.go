package config_test

import (
	"github.com/govrf/govrf/internal/control"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/config"
)

// TestRoundTripBGP checks that the BGP configuration comes back whole
// from the script, after the VRFs it names, and that routes the speaker
// learnt (proto bgp) are left out.
func TestRoundTripBGP(t *testing.T) {
	ctl := build(t,
		"link add name a type vrf table 10",
		"link add name b type vrf table 20",
		"link add name eth1 type dummy",
		"link set dev eth1 master a",
		"link set dev eth1 up",
		"bgp set as 65001 router-id 10.99.0.1",
		"bgp neighbor add 10.99.0.2 remote-as 65002",
		"bgp neighbour add 2001:db8::2 remote-as 4200000000",
		"bgp vrf add a vni 100 rd 65001:100 rt 65000:100",
		"bgp vrf add b vni 200 rd 10.99.0.1:200 rt import 65000:200 65000:201 export 65000:200 advertise static",
		"route add 192.168.2.0/24 vrf a via 10.99.0.2 dev eth1 onlink proto bgp",
		"route add 192.168.3.0/24 vrf a via 10.99.0.2 dev eth1 onlink",
	)
	script := config.Script(ctl.Snapshot())
	for _, want := range []string{
		"bgp set as 65001 router-id 10.99.0.1\n",
		"bgp neighbor add 10.99.0.2 remote-as 65002\n",
		"bgp neighbor add 2001:db8::2 remote-as 4200000000\n",
		"bgp vrf add a vni 100 rd 65001:100 rt 65000:100\n",
		"bgp vrf add b vni 200 rd 10.99.0.1:200 rt import 65000:200 65000:201 export 65000:200 advertise static\n",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("Script() lacks %q; script:\n%s", want, script)
		}
	}
	if strings.Contains(script, "192.168.2.0/24") {
		t.Errorf("Script() writes a route of proto bgp; script:\n%s", script)
	}
	if i, j := strings.Index(script, "bgp set"), strings.LastIndex(script, "route append"); i < j {
		t.Errorf("Script() writes bgp before the routes; script:\n%s", script)
	}
	got := control.New()
	if err := config.Load(got, strings.NewReader(script), "govrf.conf", cli.Run); err != nil {
		t.Fatalf("Load(Script) = %v; script:\n%s", err, script)
	}
	if again := config.Script(got.Snapshot()); again != script {
		t.Errorf("Script(Load(Script)) differs: %s", firstDiff(again, script))
	}
}

// TestBGPVRFGoesWithVRF checks that deleting a carried VRF drops its
// EVPN configuration, so that the script still loads.
func TestBGPVRFGoesWithVRF(t *testing.T) {
	ctl := build(t,
		"link add name a type vrf table 10",
		"bgp set as 65001 router-id 10.99.0.1",
		"bgp vrf add a vni 100 rd 65001:100 rt 65000:100",
		"link del dev a",
	)
	script := config.Script(ctl.Snapshot())
	if strings.Contains(script, "bgp vrf") {
		t.Errorf("Script() keeps a deleted VRF's EVPN line:\n%s", script)
	}
	roundTrip(t, ctl)
}

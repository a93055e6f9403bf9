package fastpath

import "testing"

// TestCompileVXLANPunts: a VXLAN link has no kernel interface and only
// the Go path encapsulates, so routes through it, connected or via a
// gateway, go to the slow path; a VXLAN link's source is still a valid
// one for the VRF's packets coming back.
func TestCompileVXLANPunts(t *testing.T) {
	c := compileFor(t, []string{
		"link add name vx100 type vxlan id 100 local 10.0.0.1 dstport 4789 nolearning",
		"link set dev vx100 master red", "link set dev vx100 up",
		"addr add 10.100.0.1/24 dev vx100",
		"route add 172.30.0.0/16 via 10.100.0.2 vrf red",
		"route add 172.31.0.0/16 via 10.0.0.9 dev vx100 onlink vrf red",
		"route add 172.16.0.0/16 via 192.168.2.10 vrf red",
	}, "192.168.2.10 REACHABLE")
	want(t, c, "172.30.0.1", false, true)
	want(t, c, "172.31.0.1", false, true)
	want(t, c, "10.100.0.2", false, true)
	want(t, c, "172.16.0.1", true, true) // a kernel port's route still compiles
}

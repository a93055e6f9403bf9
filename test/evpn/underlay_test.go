package evpn

import (
	"testing"
)

// TestIntegrationUnderlay checks the lab before EVPN: two govrfds, R1
// and R2, an FRR site and the route reflector's namespace share the
// underlay segment, which govrf routes in its default VRF, and each
// router still keeps its companies apart locally.
func TestIntegrationUnderlay(t *testing.T) {
	l := newLab(t)
	r1, r2 := l.addRouter(1), l.addRouter(2)
	l.addNS("RR")
	l.plug("RR", "ul0")
	l.must("ip", "-n", l.ns("RR"), "addr", "add", reflectorAddr+"/24", "dev", "ul0")
	for _, r := range []*router{r1, r2} {
		l.mustPing("RR", r.addr())
	}
	// Without EVPN a company's other site is unreachable: the VRFs'
	// unreachable defaults answer.
	l.mustNotPing("A1", "192.168.2.10")
	for _, c := range companies {
		l.mustPing(c.host+"1", "192.168.1.1")
		l.mustPing(c.host+"2", "2001:db8:2::1")
	}
}

package dataplane

import "testing"

// TestForwardAllocs proves the forwarding path allocates nothing per
// packet once warm: a batch of 64 flows through the stage list, IPv4 and
// IPv6, with the next hop resolved.
func TestForwardAllocs(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		r := newRig(t, v6, 1000)
		if a := testing.AllocsPerRun(100, func() { r.step() }); a != 0 {
			t.Errorf("v6 %v: %v allocations per batch of %d, want 0", v6, a, rigBatch)
		}
	}
}

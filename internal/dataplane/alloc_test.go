package dataplane

import "testing"

// TestForwardAllocs proves the forwarding path allocates nothing per
// packet once warm: a batch of 64 flows through the stage list, IPv4 and
// IPv6, with the next hop resolved; the same flows again and again (their
// input routes cached), then 1,024 flows in turn (most looked up in full).
func TestForwardAllocs(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		for _, batches := range []int{1, 16} {
			r := newRig(t, v6, 1000)
			r.spread(batches)
			for range batches {
				r.step() // the worker's route cache is made at its first use
			}
			if a := testing.AllocsPerRun(100, func() { r.step() }); a != 0 {
				t.Errorf("v6 %v, %d flows: %v allocations per batch of %d, want 0", v6, batches*rigBatch, a, rigBatch)
			}
		}
	}
}

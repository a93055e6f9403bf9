package dataplane

import (
	"testing"

	"github.com/govrf/govrf/internal/sim"
)

// TestDeletedVRFCountersGo: a deleted VRF's counters go with it, as a
// device's do in Linux, so that tenants coming and going leave nothing
// behind; the other VRFs keep theirs.
func TestDeletedVRFCountersGo(t *testing.T) {
	s := newSeed(t, Config{})
	ping(t, s.a1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	ping(t, s.b1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10")
	if _, ok := s.dp.Stats().VRFs["a"]; !ok {
		t.Fatal("VRF a has no counters after its traffic")
	}
	s.run("link del dev a")
	ping(t, s.b1, "192.168.2.10", sim.Opts{}, "echo reply from 192.168.2.10") // a batch sees the change
	st := s.dp.Stats()
	if _, ok := st.VRFs["a"]; ok {
		t.Error("the deleted VRF a still has counters")
	}
	if st.VRFs["b"].RxPackets == 0 {
		t.Error("VRF b lost its counters")
	}
}

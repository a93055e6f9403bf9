package rule

import "testing"

func TestUpdateL3mdev(t *testing.T) {
	tests := []struct {
		name string
		in   Flow
		want Flow
	}{
		{"forwarded from a VRF port", Flow{Iif: 2},
			Flow{Iif: 2, L3mdev: 10, L3mdevTable: 10}},
		{"forwarded from a plain link", Flow{Iif: 5},
			Flow{Iif: 5}},
		{"locally originated", Flow{Iif: 1},
			Flow{Iif: 1}},
		{"socket bound to the VRF: oif cleared", Flow{Iif: 1, Oif: 10},
			Flow{Iif: 1, L3mdev: 10, L3mdevTable: 10, L3mdevFromOif: true}},
		{"socket bound to a port: oif kept", Flow{Iif: 1, Oif: 4},
			Flow{Iif: 1, Oif: 4, L3mdev: 11, L3mdevTable: 20, L3mdevFromOif: true}},
		{"oif outside any VRF wins over iif", Flow{Iif: 2, Oif: 5},
			Flow{Iif: 2, Oif: 5, L3mdevFromOif: true}},
		{"unknown oif: iif decides", Flow{Iif: 3, Oif: 99},
			Flow{Iif: 3, Oif: 99, L3mdev: 10, L3mdevTable: 10}},
		{"domain already set, as vrf_xmit does", Flow{Iif: 1, Oif: 10, L3mdev: 11, L3mdevTable: 20},
			Flow{Iif: 1, L3mdev: 11, L3mdevTable: 20}},
		{"domain already set, input side", Flow{Iif: 2, L3mdev: 11, L3mdevTable: 20},
			Flow{Iif: 2, L3mdev: 11, L3mdevTable: 20}},
	}
	for _, tt := range tests {
		got := tt.in
		got.UpdateL3mdev(testLinks)
		if got != tt.want {
			t.Errorf("%s: UpdateL3mdev(%+v) = %+v, want %+v", tt.name, tt.in, got, tt.want)
		}
	}
}

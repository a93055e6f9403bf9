package dataplane

import (
	"testing"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/sim"
)

// TestHopByHopBounds sends A1's packets to A2 with Hop-by-Hop headers at
// and past each bound Linux's ip6_parse_tlv and ipv6_parse_hopopts set,
// under the sysctls that set them, and checks which are forwarded and
// which dropped, counted, with no ICMP error from the router.
func TestHopByHopBounds(t *testing.T) {
	const skip = 0x1e               // an unknown option whose type says: skip it
	unknown := func(n int) []byte { // n unknown options of 2 data octets
		var o []byte
		for range n {
			o = append(o, skip, 2, 0, 0)
		}
		return o
	}
	tests := []struct {
		name    string
		sysctls []string
		opts    []byte // the options, 2 octets short of a multiple of 8
		drop    bool
	}{
		{"8 options, the default bound", nil, append(unknown(8), 1, 4, 0, 0, 0, 0), false},
		{"9 options", nil, append(unknown(9), 1, 0), true},
		{"9 options, bound raised", []string{"sysctl -w net.ipv6.max_hbh_opts_number=9"}, append(unknown(9), 1, 0), false},
		{"an unknown option, unknowns refused", []string{"sysctl -w net.ipv6.max_hbh_opts_number=-8"}, append(unknown(1), 1, 0), true},
		{"6 octets of Pad1", nil, []byte{0, 0, 0, 0, 0, 0}, false},
		{"8 octets of padding in a row", nil, append([]byte{0, 0}, append([]byte{1, 4, 0, 0, 0, 0}, 0, 0, 0, 0, 0, 0)...), true},
		{"PadN with a non-zero octet", nil, []byte{1, 4, 0, 0, 7, 0}, true},
		{"Router Alert", nil, []byte{5, 2, 0, 0, 1, 0}, false},
		{"Router Alert of 3 octets", nil, []byte{5, 3, 0, 0, 0, 0}, true},
		{"a 16-octet header, length bounded to 8", []string{"sysctl -w net.ipv6.max_hbh_length=8"}, append(unknown(2), 0, 0, 0, 0, 0, 0), true},
		{"an 8-octet header, length bounded to 8", []string{"sysctl -w net.ipv6.max_hbh_length=8"}, []byte{1, 4, 0, 0, 0, 0}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if (len(tt.opts)+2)%8 != 0 {
				t.Fatalf("options of %d octets: the header would not be a multiple of 8", len(tt.opts))
			}
			s := newSeed(t, Config{}, tt.sysctls...)
			ping(t, s.a1, "2001:db8:2::10", sim.Opts{}, "echo reply from 2001:db8:2::10")
			src, dst := ip("2001:db8:1::10"), ip("2001:db8:2::10")
			hbh := append([]byte{header.ProtoUDP, byte((len(tt.opts)+2)/8 - 1)}, tt.opts...)
			frame := ipv6Frame(s.mac("ra1"), s.a1.MAC(), header.IPv6Fields{NextHeader: header.ProtoHopByHop, Src: src, Dst: dst},
				append(hbh, udp(src, dst, 1, 9, nil)...))
			before := s.port("ra1")
			s.a1.ResetCapture()
			s.send(s.a1, frame)
			after := s.port("ra1")
			msgs, _ := icmpFrom(s.a1)
			dropped := after.Drops[ReasonHopByHopOption] - before.Drops[ReasonHopByHopOption]
			forwarded := after.Forwarded - before.Forwarded
			switch {
			case tt.drop && len(msgs) != 0:
				t.Errorf("%d ICMP errors for a dropped packet, want none", len(msgs))
			case tt.drop && (dropped != 1 || forwarded != 0):
				t.Errorf("Drops[hop_by_hop_option] +%d, forwarded %d; want dropped", dropped, forwarded)
			case !tt.drop && (dropped != 0 || forwarded != 1):
				t.Errorf("Drops[hop_by_hop_option] +%d, forwarded %d; want forwarded", dropped, forwarded)
			}
		})
	}
}

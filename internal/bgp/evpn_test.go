package bgp

import (
	"bytes"
	"net/netip"
	"slices"
	"testing"

	"github.com/govrf/govrf/internal/control"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

func tag(s string) control.BGPTag {
	t, err := control.ParseBGPTag(s)
	if err != nil {
		panic(err)
	}
	return t
}

var rmac = control.MAC{0x02, 0, 0, 0, 0, 0x01}

// TestEncode checks the type-5 NLRI and the extended communities byte
// by byte against values built by hand from RFC 9136 §3.1, RFC 4360,
// RFC 9012 and RFC 9135.
func TestEncode(t *testing.T) {
	tests := []struct {
		name string
		r    Route
		nlri []byte
		ecs  [][]byte
	}{{
		name: "ipv4",
		r: Route{Prefix: netip.MustParsePrefix("192.168.1.0/24"), RD: tag("65001:100"),
			RTs: []control.BGPTag{tag("65000:100")}, VNI: 100, RouterMAC: rmac, NextHop: netip.MustParseAddr("10.99.0.1")},
		nlri: slices.Concat([]byte{5, 34},
			[]byte{0, 0, 0xfd, 0xe9, 0, 0, 0, 100}, // RD type 0, 65001:100
			make([]byte, 10),                       // ESI
			[]byte{0, 0, 0, 0},                     // Ethernet tag
			[]byte{24, 192, 168, 1, 0},             // prefix
			[]byte{0, 0, 0, 0},                     // gateway IP
			[]byte{0, 0, 100}),                     // VNI
		ecs: [][]byte{
			{0x00, 0x02, 0xfd, 0xe8, 0, 0, 0, 100}, // RT 65000:100
			{0x03, 0x0c, 0, 0, 0, 0, 0, 8},         // encapsulation VXLAN
			{0x06, 0x03, 0x02, 0, 0, 0, 0, 0x01},   // router MAC
		},
	}, {
		name: "ipv6 and other administrators",
		r: Route{Prefix: netip.MustParsePrefix("2001:db8:2::/64"), RD: tag("10.99.0.1:7"),
			RTs: []control.BGPTag{tag("10.0.0.1:5"), tag("4200000000:9")}, VNI: 0xabcdef, RouterMAC: rmac, NextHop: netip.MustParseAddr("10.99.0.1")},
		nlri: slices.Concat([]byte{5, 58},
			[]byte{0, 1, 10, 99, 0, 1, 0, 7},
			make([]byte, 10),
			[]byte{0, 0, 0, 0},
			[]byte{64, 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
			make([]byte, 16),
			[]byte{0xab, 0xcd, 0xef}),
		ecs: [][]byte{
			{0x01, 0x02, 10, 0, 0, 1, 0, 5},
			{0x02, 0x02, 0xfa, 0x56, 0xea, 0x00, 0, 9},
			{0x03, 0x0c, 0, 0, 0, 0, 0, 8},
			{0x06, 0x03, 0x02, 0, 0, 0, 0, 0x01},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := encode(&tc.r)
			if err != nil {
				t.Fatalf("encode() = %v", err)
			}
			got, err := p.Nlri.Serialize()
			if err != nil || !bytes.Equal(got, tc.nlri) {
				t.Errorf("encode() NLRI = % x, %v\nwant % x", got, err, tc.nlri)
			}
			var ecs [][]byte
			for _, a := range p.Attrs {
				if e, ok := a.(*bgp.PathAttributeExtendedCommunities); ok {
					for _, ec := range e.Value {
						b, _ := ec.Serialize()
						ecs = append(ecs, b)
					}
				}
			}
			if !slices.EqualFunc(ecs, tc.ecs, bytes.Equal) {
				t.Errorf("encode() communities = % x\nwant % x", ecs, tc.ecs)
			}
			back, err := decode(p)
			if err != nil {
				t.Fatalf("decode(encode()) = %v", err)
			}
			if back.Prefix != tc.r.Prefix || back.RD != tc.r.RD || back.VNI != tc.r.VNI || back.RouterMAC != tc.r.RouterMAC ||
				back.NextHop != tc.r.NextHop || !slices.Equal(back.RTs, tc.r.RTs) {
				t.Errorf("decode(encode()) = %+v, want %+v", back, tc.r)
			}
		})
	}
}

// TestDecodeRefuses checks that routes govrf cannot install are refused.
func TestDecodeRefuses(t *testing.T) {
	good := Route{Prefix: netip.MustParsePrefix("192.168.1.0/24"), RD: tag("1:1"), RTs: []control.BGPTag{tag("1:1")},
		VNI: 100, RouterMAC: rmac, NextHop: netip.MustParseAddr("10.99.0.1")}
	noMAC := func() *apiutil.Path {
		p, _ := encode(&good)
		for i, a := range p.Attrs {
			if e, ok := a.(*bgp.PathAttributeExtendedCommunities); ok {
				p.Attrs[i] = bgp.NewPathAttributeExtendedCommunities(e.Value[:1])
			}
		}
		return p
	}
	type2 := func() *apiutil.Path {
		rd, _ := toRD(good.RD)
		n, _ := bgp.NewEVPNMacIPAdvertisementRoute(rd, bgp.EthernetSegmentIdentifier{}, 0, "02:00:00:00:00:01", netip.Addr{}, []uint32{100})
		return &apiutil.Path{Family: bgp.RF_EVPN, Nlri: n}
	}
	v6hop := good
	v6hop.NextHop = netip.MustParseAddr("2001:db8::1")
	zeroVNI := good
	zeroVNI.VNI = 0
	for name, p := range map[string]*apiutil.Path{
		"no router MAC": noMAC(), "mac/ip route": type2(), "ipv6 vtep": mustEncode(t, &v6hop), "vni 0": mustEncode(t, &zeroVNI),
	} {
		if r, err := decode(p); err == nil {
			t.Errorf("decode(%s) = %+v, want an error", name, r)
		}
	}
}

func mustEncode(t *testing.T, r *Route) *apiutil.Path {
	t.Helper()
	p, err := encode(r)
	if err != nil {
		t.Fatalf("encode(%+v) = %v", r, err)
	}
	return p
}

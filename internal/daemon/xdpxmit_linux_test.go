package daemon

import (
	"encoding/binary"
	"testing"

	"github.com/vishvananda/netlink/nl"
)

// netdevMsg is a netdev dev message: the generic header, then the
// attributes given (type and value).
func netdevMsg(attrs ...nl.NetlinkRequestData) []byte {
	b := []byte{netdevCmdDevChangeNtf, 1, 0, 0}
	for _, a := range attrs {
		b = append(b, a.Serialize()...)
	}
	return b
}

func u64(v uint64) []byte { return binary.NativeEndian.AppendUint64(nil, v) }

// TestParseNetdevDev reads the answers and notifications of the netdev
// family, and refuses the ones that lack an attribute or are cut short.
func TestParseNetdevDev(t *testing.T) {
	ifx := nl.NewRtAttr(netdevADevIfindex, nl.Uint32Attr(7))
	for _, c := range []struct {
		name     string
		msg      []byte
		ifindex  int
		xmit, ok bool
	}{
		{"ndo_xmit", netdevMsg(ifx, nl.NewRtAttr(netdevADevXDPFeatures, u64(0x27))), 7, true, true},
		{"without", netdevMsg(ifx, nl.NewRtAttr(netdevADevXDPFeatures, u64(0x23))), 7, false, true},
		{"no features", netdevMsg(ifx), 7, false, false},
		{"no ifindex", netdevMsg(nl.NewRtAttr(netdevADevXDPFeatures, u64(0x27))), 0, true, false},
		{"short features", netdevMsg(ifx, nl.NewRtAttr(netdevADevXDPFeatures, []byte{4})), 7, false, false},
		{"cut", netdevMsg(ifx, nl.NewRtAttr(netdevADevXDPFeatures, u64(0x27)))[:10], 0, false, false},
		{"empty", nil, 0, false, false},
	} {
		ifindex, xmit, ok := parseNetdevDev(c.msg)
		if ifindex != c.ifindex || xmit != c.xmit || ok != c.ok {
			t.Errorf("%s: parseNetdevDev = %d, %v, %v; want %d, %v, %v", c.name, ifindex, xmit, ok, c.ifindex, c.xmit, c.ok)
		}
	}
}

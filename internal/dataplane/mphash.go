package dataplane

import (
	"encoding/binary"
	"net/netip"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/rule"
)

// stackFlow is the flow of a packet a host stack sent, as its socket's
// flowi4 / flowi6 holds it for the output route: addresses and tos, the
// protocol, the ports (none in a fragment, whose datagram govrf sees
// only in pieces) and the IPv6 flow label. The rules and the multipath
// hash read them.
func stackFlow(pk *packet, src, dst netip.Addr, tos uint8) rule.Flow {
	f := rule.Flow{Src: src, Dst: dst, Tos: tos}
	if !pk.v6() {
		v := header.IPv4(pk.ip)
		f.IPProto = v.Protocol()
		if !v.IsFragment() {
			f.Sport, f.Dport = ports(f.IPProto, v.Payload())
		}
		return f
	}
	c := pk.chain
	f.IPProto = c.Proto
	f.FlowLabel = binary.BigEndian.Uint32(pk.ip) & 0xfffff
	if c.Fragment == 0 && c.Offset < len(pk.ip) {
		f.Sport, f.Dport = ports(c.Proto, pk.ip[c.Offset:])
	}
	return f
}

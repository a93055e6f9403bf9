package dataplane

import (
	"net/netip"

	"github.com/govrf/govrf/internal/control"
)

// linkLocal returns the first IPv6 link-local address of l.
func linkLocal(l *control.Link) netip.Addr {
	for _, a := range l.Addrs {
		if ip := a.Prefix.Addr(); ip.Is6() && ip.IsLinkLocalUnicast() {
			return ip
		}
	}
	return netip.Addr{}
}

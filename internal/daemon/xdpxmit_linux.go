package daemon

import (
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// The "netdev" generic netlink family (Documentation/netlink/specs/
// netdev.yaml): a device's xdp-features, and the notifications of their
// changes.
const (
	netdevCmdDevGet       = 1 // NETDEV_CMD_DEV_GET
	netdevCmdDevAddNtf    = 2 // NETDEV_CMD_DEV_ADD_NTF
	netdevCmdDevChangeNtf = 4 // NETDEV_CMD_DEV_CHANGE_NTF
	netdevADevIfindex     = 1 // NETDEV_A_DEV_IFINDEX
	netdevADevXDPFeatures = 3 // NETDEV_A_DEV_XDP_FEATURES
	netdevXDPActNdoXmit   = 1 << 2
	netdevGroupMgmt       = "mgmt"
)

// xdpXmit tells whether interface ifindex takes frames an XDP program
// redirects to it (NETDEV_XDP_ACT_NDO_XMIT in its xdp-features). A veth
// does only while its peer has an XDP program or GRO on: without them
// veth_xdp_xmit has no NAPI to deliver to, and drops the frames.
func xdpXmit(ifindex int) (bool, error) {
	fam, err := netlink.GenlFamilyGet("netdev")
	if err != nil {
		return false, fmt.Errorf("netdev generic netlink family: %w", err)
	}
	req := nl.NewNetlinkRequest(int(fam.ID), 0)
	req.AddData(genlHeader{netdevCmdDevGet, 1})
	req.AddData(nl.NewRtAttr(netdevADevIfindex, nl.Uint32Attr(uint32(ifindex))))
	msgs, err := req.Execute(unix.NETLINK_GENERIC, 0)
	if err != nil {
		return false, fmt.Errorf("netdev dev-get %d: %w", ifindex, err)
	}
	for _, m := range msgs {
		if _, xmit, ok := parseNetdevDev(m); ok {
			return xmit, nil
		}
	}
	return false, fmt.Errorf("netdev dev-get %d: no xdp-features in the answer", ifindex)
}

// parseNetdevDev reads a netdev dev message (an answer to dev-get or a
// notification): its ifindex and whether its xdp-features have NDO_XMIT.
func parseNetdevDev(m []byte) (ifindex int, xmit, ok bool) {
	if len(m) < nl.SizeofGenlmsg {
		return 0, false, false
	}
	attrs, err := nl.ParseRouteAttr(m[nl.SizeofGenlmsg:])
	if err != nil {
		return 0, false, false
	}
	seen := 0
	for _, a := range attrs {
		switch {
		case a.Attr.Type == netdevADevIfindex && len(a.Value) >= 4:
			ifindex = int(binary.NativeEndian.Uint32(a.Value))
			seen++
		case a.Attr.Type == netdevADevXDPFeatures && len(a.Value) >= 8:
			xmit = binary.NativeEndian.Uint64(a.Value)&netdevXDPActNdoXmit != 0
			seen++
		}
	}
	return ifindex, xmit, seen == 2
}

// xdpXmitWatch subscribes to the netdev family's notifications and calls
// changed with each device's ifindex and NDO_XMIT when its xdp-features
// change (or it appears), until stop is closed. It returns at once with
// an error if it cannot subscribe; a later receive error (ENOBUFS: some
// notifications lost) calls lost, for the caller to read them all again.
func xdpXmitWatch(stop <-chan struct{}, changed func(ifindex int, xmit bool), lost func()) error {
	fam, err := netlink.GenlFamilyGet("netdev")
	if err != nil {
		return fmt.Errorf("netdev generic netlink family: %w", err)
	}
	var group uint32
	for _, g := range fam.Groups {
		if g.Name == netdevGroupMgmt {
			group = g.ID
		}
	}
	if group == 0 {
		return errors.New("netdev generic netlink family: no mgmt group")
	}
	s, err := nl.Subscribe(unix.NETLINK_GENERIC, uint(group))
	if err != nil {
		return fmt.Errorf("netdev notifications: %w", err)
	}
	// A receive wakes every second to see whether to stop.
	if err := s.SetReceiveTimeout(&unix.Timeval{Sec: 1}); err != nil {
		s.Close()
		return fmt.Errorf("netdev notifications: %w", err)
	}
	go func() {
		defer s.Close()
		for {
			msgs, _, err := s.Receive()
			select {
			case <-stop:
				return
			default:
			}
			switch {
			case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
				continue
			case errors.Is(err, unix.ENOBUFS):
				lost()
				continue
			case err != nil:
				slog.Warn("netdev notifications stopped; XDP's egress ports are read again only when attached", "err", err)
				return
			}
			for _, m := range msgs {
				if len(m.Data) < 1 || m.Data[0] != netdevCmdDevAddNtf && m.Data[0] != netdevCmdDevChangeNtf {
					continue
				}
				if ifx, xmit, ok := parseNetdevDev(m.Data); ok {
					changed(ifx, xmit)
				}
			}
		}
	}()
	return nil
}

// genlHeader is struct genlmsghdr: command, version and two reserved
// octets, zero. (nl.Genlmsg serializes two octets beyond its fields,
// which a family with strict validation refuses when they are not.)
type genlHeader [4]byte

// Len is the header's length.
func (h genlHeader) Len() int { return len(h) }

// Serialize returns the header's octets.
func (h genlHeader) Serialize() []byte { return h[:] }

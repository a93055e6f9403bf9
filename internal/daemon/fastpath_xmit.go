package daemon

import "log/slog"

// XDP redirects a frame only to an egress port that takes redirected
// frames: one whose xdp-features have NETDEV_XDP_ACT_NDO_XMIT. A veth
// has it only while its peer, in another namespace, has an XDP program
// or GRO; without, veth_xdp_xmit drops what XDP redirects to it. The
// program reads a flag per port slot (fastpath.Path.SetXmit), and hands
// a frame for an egress without it over to the tc program behind it,
// which forwards it as an skb. govrfd reads a port's flag when the
// program is attached to it, and follows the netdev family's
// notifications, which the kernel sends whenever a device's
// xdp-features change (a peer's GRO or XDP going on or off included).

// watchXmit follows the xdp-features of the attached ports until xstop
// closes. Without the notifications, a port's flag is read only when it
// is attached, and the failure is told.
func (f *fastPath) watchXmit() {
	err := xdpXmitWatch(f.xstop, f.setXmit, f.readAllXmit)
	if err != nil {
		slog.Warn("xdp-features not followed: XDP redirects only to ports that took redirected frames when attached", "err", err)
	}
}

// readXmit reads interface ifindex's xdp-features and sets its port's
// flag. A port whose features cannot be read takes none: the tc program
// forwards what XDP would have sent to it.
func (f *fastPath) readXmit(ifindex int) {
	xmit, err := xdpXmit(ifindex)
	if err != nil {
		slog.Warn("xdp-features unread: XDP redirects nothing to the port, tc forwards to it", "ifindex", ifindex, "err", err)
	}
	f.setXmit(ifindex, xmit)
}

// readAllXmit reads every attached port's xdp-features again, after
// notifications were lost.
func (f *fastPath) readAllXmit() {
	f.ctr.Lock()
	var ifxs []int
	for _, p := range f.ports {
		ifxs = append(ifxs, p.Ifindex)
	}
	f.ctr.Unlock()
	for _, ifx := range ifxs {
		f.readXmit(ifx)
	}
}

// setXmit sets the flag of the port attached to interface ifindex, if
// any. It holds ctr, so a notification and a read at attach are written
// in the order they were taken.
func (f *fastPath) setXmit(ifindex int, xmit bool) {
	f.ctr.Lock()
	defer f.ctr.Unlock()
	for _, p := range f.ports {
		if p.Ifindex != ifindex {
			continue
		}
		if err := f.path.SetXmit(p.Slot, xmit); err != nil {
			slog.Warn("xdp-features not written", "ifindex", ifindex, "err", err)
		}
	}
}

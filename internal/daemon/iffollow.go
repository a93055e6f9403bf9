package daemon

import (
	"log/slog"
	"net"
	"strconv"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/port/packet"
)

// followInterface brings the port of packet link index up to date with
// ifi, the interface it is bound to, as it is now:
//
//   - renamed: the port stays on it, as the kernel's devices stacked on
//     an interface stay on it through a rename, and the rename is
//     logged, and so is the name coming back. The configuration names
//     the interface by its old name, which a restart looks for, and an
//     interface that takes that name takes the port (recheck).
//   - a new MTU: the port is opened again, so that its buffers and the
//     longest frame it sends follow the interface's MTU; an interface
//     MTU below the link's is told, with what to do.
//
// Then its state is followed (followState). d.mu is held.
func (d *Daemon) followInterface(index int, ifi *net.Interface) {
	o := d.ports[index]
	if ifi.Name != o.ifname {
		if ifi.Name == o.key.device {
			slog.Info("interface has its name again", append(d.portAttrs(index), "was", o.ifname)...)
		} else {
			slog.Warn("interface renamed; the port stays on it, but the configuration names it "+o.key.device+", which a restart looks for",
				append(d.portAttrs(index), "name", ifi.Name)...)
		}
		o.ifname = ifi.Name
		d.ports[index] = o
	}
	if ifi.MTU != o.mtu && ifi.Name == o.key.device {
		d.reopen(index, ifi.MTU)
		return
	}
	d.followState(index)
}

// reopen closes the port of packet link index, whose interface's MTU
// changed to mtu, and opens it again. d.mu is held.
func (d *Daemon) reopen(index int, mtu int) {
	o := d.ports[index]
	attrs := append(d.portAttrs(index), "mtu", mtu, "was", o.mtu)
	slog.Info("interface MTU changed; port opened again for it", attrs...)
	if l := d.ctl.Snapshot().Link(index); l != nil && mtu < l.MTU {
		slog.Warn("the interface's MTU is below the link's: longer packets are dropped; give the link the interface's MTU with govrf link set dev "+
			l.Name+" mtu "+strconv.Itoa(mtu), append(attrs, "link_mtu", l.MTU)...)
	}
	d.fp.detach(index)
	d.plane.Detach(index)
	o.port.Close()
	o.port, o.ifindex, o.state = nil, 0, packet.State{}
	d.ports[index] = o
	if err := d.attach(index, o.key); err != nil {
		slog.Warn("port not attached", append(d.portAttrs(index), "err", innermost(err))...)
		d.portStateChanged(index, cli.PortState{})
	}
}

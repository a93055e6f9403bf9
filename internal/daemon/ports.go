package daemon

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port"
	"github.com/govrf/govrf/internal/port/packet"
	"github.com/govrf/govrf/internal/port/tap"
	"github.com/govrf/govrf/internal/vxlan"
)

// portKey is what a port is opened from. A link whose key changes (a
// new MAC, a tap renamed) gets its port closed and opened again; other
// changes (addresses, up, master) the data plane follows by itself.
type portKey struct {
	kind   control.Kind
	device string // the kernel interface: a packet link's parent, a tap's name
	mac    control.MAC
	force  bool // a packet link's `force`
}

// keyOf returns the port key of l, and false for links without a
// kernel port (and for nil).
func keyOf(l *control.Link) (portKey, bool) {
	if l == nil {
		return portKey{}, false
	}
	switch l.Kind {
	case control.KindPacket:
		return portKey{l.Kind, l.Parent, l.MAC, l.Force}, true
	case control.KindTap, control.KindVXLAN:
		return portKey{l.Kind, l.Name, l.MAC, false}, true
	}
	return portKey{}, false
}

// owned is what the daemon holds for a port link: the port it opened
// and attached and, for a packet link, the watch on its interface. A
// packet link whose interface is missing, or has vanished, keeps its
// entry with no port, and its watch opens one when the interface
// appears.
type owned struct {
	key     portKey
	port    port.Port // nil while the interface is missing
	ifindex int       // of the interface a packet.Port is bound to; 0 for other ports
	// ifname and mtu are the interface's name and MTU as last seen
	// (iffollow.go).
	ifname string
	mtu    int
	watch  *ifWatch // packet links only
	// state is the interface's state as last seen, to log its changes.
	state packet.State
}

// opener opens the kernel port a key describes; tests replace it.
type opener func(k portKey) (port.Port, error)

// openKernelPort opens an AF_PACKET port on the parent interface,
// quiesced so that the kernel stays silent on it, with the interface's
// original settings kept in the state file, or creates a TAP device.
func (d *Daemon) openKernelPort(k portKey) (port.Port, error) {
	if k.kind == control.KindTap {
		return tap.Create(k.device, tap.Config{MAC: header.MAC(k.mac)})
	}
	return packet.Open(k.device, packet.Config{MAC: header.MAC(k.mac), Quiesce: true, Force: k.force, Journal: d.state, Mark: d.fp.mark()})
}

// reconcile makes the attached ports match the links of the current
// snapshot. A port that cannot be opened for a link the last request
// created takes its link away again, so that the state never claims a
// port that does not exist; those failures, and failures to reopen a
// link the request changed, are returned. Links that were there before
// (before is nil at start) keep waiting for their interface, which is
// logged. Packet links get their interface watched and TAP ports their
// device followed, from goroutines started once the ports are settled.
// d.mu is held (or d is not shared yet).
func (d *Daemon) reconcile(before *control.Snapshot) []error {
	s := d.ctl.Snapshot()
	for index, o := range d.ports {
		if l := s.Link(index); l == nil {
			d.release(index)
		} else if k, _ := keyOf(l); k != o.key {
			d.release(index)
		}
	}
	var errs []error
	var doomed []string
	var watches, taps []int // to follow once settled
	for l := range s.Links() {
		k, ok := keyOf(l)
		if !ok {
			continue
		}
		if o, ok := d.ports[l.Index]; ok && (o.port != nil || o.watch != nil && o.key == k) {
			continue // attached, or waiting: its watch attaches it when the interface appears
		}
		if err := d.attach(l.Index, k); err != nil {
			err = attachError(l, k, err)
			var old *control.Link
			if before != nil {
				old = before.Link(l.Index)
			}
			oldKey, _ := keyOf(old)
			switch {
			case before != nil && (old == nil || old.Name != l.Name || old.Kind != l.Kind):
				doomed = append(doomed, l.Name)
				errs = append(errs, err)
				continue
			case old != nil && oldKey != k:
				errs = append(errs, err)
			default:
				slog.Warn("port not attached", append(linkAttrs(s, l.Index, k.device), "err", err)...)
			}
			if _, ok := d.ports[l.Index]; !ok {
				d.ports[l.Index] = owned{key: k}
			}
		} else if _, ok := d.ports[l.Index].port.(*tap.Port); ok {
			taps = append(taps, l.Index)
		}
		if o := d.ports[l.Index]; k.kind == control.KindPacket && o.watch == nil {
			var err error
			if o.watch, err = newIfWatch(); err != nil {
				slog.Warn("interface not watched", append(linkAttrs(s, l.Index, k.device), "err", err)...)
				continue
			}
			d.ports[l.Index] = o
			watches = append(watches, l.Index)
		}
	}
	for _, name := range doomed {
		var msg strings.Builder
		del := []string{"link", "del", "dev", name}
		if cli.Run(d.ctl, del, io.Discard, &msg) != 0 {
			errs = append(errs, fmt.Errorf("cannot remove %q again: %s", name, strings.TrimSpace(msg.String())))
		} else {
			d.changed(del)
		}
	}
	for _, index := range watches {
		o := d.ports[index]
		go d.watch(index, o.watch, o.key.device)
	}
	for _, index := range taps {
		d.followTap(index, d.ports[index].port.(*tap.Port))
	}
	return errs
}

// attach opens the port of key k and attaches it to link index. A
// packet port learns the index of its interface, which its watch
// checks.
func (d *Daemon) attach(index int, k portKey) error {
	var p port.Port
	var err error
	if k.kind == control.KindVXLAN {
		// govrf's own: no kernel device (docs/vxlan.md).
		p = vxlan.NewPort(k.device, header.MAC(k.mac))
	} else if p, err = d.open(k); err != nil {
		return err
	}
	ifindex, mtu := 0, 0
	if pp, ok := p.(*packet.Port); ok {
		ifi, err := net.InterfaceByName(k.device)
		if err != nil { // gone again already
			p.Close()
			return err
		}
		ifindex, mtu = ifi.Index, pp.MTU()
	}
	if err := d.plane.Attach(index, p); err != nil {
		p.Close()
		return err
	}
	o := d.ports[index] // a waiting link's watch stays
	o.key, o.port, o.ifindex, o.ifname, o.mtu = k, p, ifindex, k.device, mtu
	d.ports[index] = o
	slog.Info("port attached", append(d.portAttrs(index), "kind", k.kind.String())...)
	if pp, ok := p.(*packet.Port); ok {
		d.attachFastPath(index, ifindex, pp)
	}
	if l := d.ctl.Snapshot().Link(index); ifindex != 0 && l != nil && l.Up {
		// The port owns the interface: a link that is up has its
		// interface up.
		if st, err := packet.InterfaceState(ifindex); err == nil && !st.Up {
			if err := packet.SetInterfaceUp(ifindex, true); err != nil {
				slog.Warn("cannot bring the interface up with its link", append(d.portAttrs(index), "err", innermost(err))...)
			} else {
				slog.Info("interface set up with its link", d.portAttrs(index)...)
			}
		}
	}
	d.followState(index)
	return nil
}

// followState reads the state of packet link index's interface and
// logs how it changed since last read: up or down, carrier, the
// operational state that `link show` mirrors. d.mu is held.
func (d *Daemon) followState(index int) {
	o, ok := d.ports[index]
	if !ok || o.port == nil || o.ifindex == 0 {
		return
	}
	st, err := packet.InterfaceState(o.ifindex)
	if err != nil || st == o.state {
		return
	}
	attrs := append(d.portAttrs(index), "up", st.Up, "carrier", st.LowerUp, "operstate", st.OperState)
	if st.Up && st.LowerUp {
		slog.Info("interface has carrier", attrs...)
	} else {
		slog.Warn("interface has no carrier: the port cannot send or receive", attrs...)
	}
	o.state = st
	d.ports[index] = o
	d.portStateChanged(index, cli.PortState{Carrier: st.Up && st.LowerUp, OperState: st.OperState})
}

// portAttrs are the log attributes of port link index: the link's name,
// its VRF if it has one, and the kernel interface under it.
func (d *Daemon) portAttrs(index int) []any {
	return linkAttrs(d.ctl.Snapshot(), index, d.ports[index].key.device)
}

// linkAttrs are the log attributes of link index of s, on the kernel
// interface device ("" for none known): port, vrf and device.
func linkAttrs(s *control.Snapshot, index int, device string) []any {
	var attrs []any
	if l := s.Link(index); l != nil {
		attrs = append(attrs, "port", l.Name)
		if l.Master != 0 {
			attrs = append(attrs, "vrf", vrfName(s, l.Master))
		}
	}
	if device != "" {
		attrs = append(attrs, "device", device)
	}
	return attrs
}

func upDown(up bool) string {
	if up {
		return "up"
	}
	return "down"
}

// watch follows the interface under packet link index, which the link
// names device, until the link's entry is released: first as it is now,
// then at each message that names it. d.mu is taken for each check, and
// to close w, so that release, which stops w under d.mu, never meets a
// closed w.
func (d *Daemon) watch(index int, w *ifWatch, device string) {
	for {
		d.mu.Lock()
		if w.isStopped() {
			w.close()
			d.mu.Unlock()
			return
		}
		d.recheck(index)
		ifindex := d.ports[index].ifindex
		d.mu.Unlock()
		if ok, err := w.next(device, ifindex); !ok {
			if err != nil {
				slog.Warn("interface watch failed", "device", device, "err", err)
			}
			d.mu.Lock()
			w.stop()
			w.close()
			d.mu.Unlock()
			return
		}
	}
}

// recheck brings the port of packet link index up to date with the
// interface its device names now. A port whose interface has vanished,
// or been replaced by another of the same name, is detached and closed,
// and the link waits: it stays configured, as at start-up, so that an
// interface that comes back (a VPN daemon recreating its TAP, a veth
// made again) is used again. A waiting link gets its port as soon as the
// interface appears. A port whose interface was renamed, with no other
// interface taking its name, stays on it (followInterface). d.mu is
// held.
func (d *Daemon) recheck(index int) {
	o, ok := d.ports[index]
	l := d.ctl.Snapshot().Link(index)
	if !ok || l == nil || o.port != nil && o.ifindex == 0 { // not a kernel interface's port
		return
	}
	ifi, err := net.InterfaceByName(o.key.device)
	if o.port != nil {
		if err == nil && ifi.Index == o.ifindex {
			d.followInterface(index, ifi)
			return
		}
		if err != nil { // renamed, perhaps: the port stays on it
			if cur, err := net.InterfaceByIndex(o.ifindex); err == nil {
				d.followInterface(index, cur)
				return
			}
		}
		slog.Warn("interface vanished; the link waits for it", d.portAttrs(index)...)
		d.fp.detach(index)
		d.plane.Detach(index)
		o.port.Close() // its error says only that the interface is gone
		o.port, o.ifindex, o.state = nil, 0, packet.State{}
		d.ports[index] = o
		d.portStateChanged(index, cli.PortState{})
	}
	if err != nil {
		return
	}
	if err := d.attach(index, o.key); err != nil {
		slog.Warn("port not attached", append(d.portAttrs(index), "err", innermost(err))...)
		return
	}
	slog.Info("interface appeared; port attached", d.portAttrs(index)...)
}

// followTap arranges for tapGone to run once TAP port p of link index
// is gone, without a goroutine waiting meanwhile.
func (d *Daemon) followTap(index int, p *tap.Port) {
	p.AfterGone(func() { d.tapGone(index, p) })
}

// tapGone runs once TAP port p of link index is gone. If it went because
// its device was deleted from under it (`ip link del`), not because the
// link let it go, the device is created again: a tap link's device is
// govrf's, as long as the link is configured.
func (d *Daemon) tapGone(index int, p *tap.Port) {
	d.mu.Lock()
	defer d.mu.Unlock()
	o, ok := d.ports[index]
	// A closed port was let go: by release, or by the data plane as the
	// daemon stops. Only a device deleted from under it comes back.
	if !ok || o.port != port.Port(p) || p.Closed() {
		return
	}
	slog.Warn("TAP device deleted; creating it again", d.portAttrs(index)...)
	d.release(index)
	if err := d.attach(index, o.key); err != nil {
		slog.Warn("port not attached", append(linkAttrs(d.ctl.Snapshot(), index, o.key.device), "err", innermost(err))...)
		return
	}
	d.followTap(index, d.ports[index].port.(*tap.Port))
}

// release stops the watch of link index, and detaches and closes its
// port, if any.
func (d *Daemon) release(index int) {
	o := d.ports[index]
	if o.watch != nil {
		o.watch.stop()
	}
	if o.port != nil {
		attrs := d.portAttrs(index)
		d.fp.detach(index)
		d.plane.Detach(index)
		err := o.port.Close()
		switch _, isTap := o.port.(*tap.Port); {
		case err != nil:
			slog.Warn("closing port", append(attrs, "err", err)...)
		case o.ifindex != 0:
			slog.Info("port closed; interface settings restored", append(attrs, "sysctls", "disable_ipv6 arp_ignore arp_announce")...)
		case isTap:
			slog.Info("port closed; TAP device removed", attrs...)
		default:
			slog.Info("port closed", attrs...)
		}
	}
	delete(d.ports, index)
}

// releaseAll releases every port and returns how many were open. TAP
// ports are closed first, closeWorkers at a time: closing a TAP device
// waits for the kernel, and thousands one after another take minutes.
// Their Close cannot fail in a way worth telling; a packet port's can,
// and release closes it and says so.
func (d *Daemon) releaseAll() int {
	work := make(chan *tap.Port)
	var wg sync.WaitGroup
	for range closeWorkers {
		wg.Go(func() {
			for p := range work {
				p.Close()
			}
		})
	}
	open := 0
	for _, o := range d.ports {
		if o.port != nil {
			open++
		}
		if p, ok := o.port.(*tap.Port); ok {
			work <- p
		}
	}
	close(work)
	wg.Wait()
	for index := range d.ports {
		d.release(index)
	}
	return open
}

// closeWorkers is how many ports releaseAll closes at once.
const closeWorkers = 64

// attachError says why the port of link l, key k, could not be opened:
// what went wrong and, where the user can do something about it, what.
func attachError(l *control.Link, k portKey, err error) error {
	var addressed *packet.AddressedError
	if errors.As(err, &addressed) {
		addrs := make([]string, len(addressed.Addrs))
		for i, a := range addressed.Addrs {
			addrs[i] = a.String()
		}
		return fmt.Errorf("cannot attach %q: interface carries IPv4 addresses (%s), which the kernel would go on "+
			"answering and routing for; remove them with \"ip addr flush dev %s\", or attach it anyway with "+
			"\"govrf link add link %s name %s type packet force\"",
			k.device, strings.Join(addrs, " "), k.device, k.device, l.Name)
	}
	return fmt.Errorf("cannot attach %q: %v", k.device, innermost(err))
}

// innermost returns the error at the bottom of err's chain, which says
// what went wrong without the layers that say where ("no such network
// interface" rather than "packet: open eth9: route ip+net: ...").
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

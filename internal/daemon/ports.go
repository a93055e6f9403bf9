package daemon

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port"
	"github.com/govrf/govrf/internal/port/packet"
	"github.com/govrf/govrf/internal/port/tap"
)

// portKey is what a port is opened from. A link whose key changes (a
// new MAC, a tap renamed) gets its port closed and opened again; other
// changes (addresses, up, master) the data plane follows by itself.
type portKey struct {
	kind   control.Kind
	device string // the kernel interface: a packet link's parent, a tap's name
	mac    control.MAC
}

// keyOf returns the port key of l, and false for links without a
// kernel port (and for nil).
func keyOf(l *control.Link) (portKey, bool) {
	if l == nil {
		return portKey{}, false
	}
	switch l.Kind {
	case control.KindPacket:
		return portKey{l.Kind, l.Parent, l.MAC}, true
	case control.KindTap:
		return portKey{l.Kind, l.Name, l.MAC}, true
	}
	return portKey{}, false
}

// owned is a port the daemon opened and attached.
type owned struct {
	key  portKey
	port port.Port
}

// opener opens the kernel port a key describes; tests replace it.
type opener func(k portKey) (port.Port, error)

// openKernelPort opens an AF_PACKET port on the parent interface,
// quiesced so that the kernel stays silent on it, or creates a TAP
// device.
func openKernelPort(k portKey) (port.Port, error) {
	if k.kind == control.KindTap {
		return tap.Create(k.device, tap.Config{MAC: header.MAC(k.mac)})
	}
	return packet.Open(k.device, packet.Config{MAC: header.MAC(k.mac), Quiesce: true})
}

// reconcile makes the attached ports match the links of the current
// snapshot. A port that cannot be opened for a link the last request
// created takes its link away again, so that the state never claims a
// port that does not exist; those failures, and failures to reopen a
// link the request changed, are returned. Links that were there before
// (before is nil at start) keep waiting for their interface, which is
// logged. d.mu is held (or d is not shared yet).
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
	for l := range s.Links() {
		k, ok := keyOf(l)
		if !ok {
			continue
		}
		if _, ok := d.ports[l.Index]; ok {
			continue
		}
		err := d.attach(l.Index, k)
		if err == nil {
			continue
		}
		err = fmt.Errorf("cannot attach %q: %v", k.device, innermost(err))
		var old *control.Link
		if before != nil {
			old = before.Link(l.Index)
		}
		oldKey, _ := keyOf(old)
		switch {
		case before != nil && (old == nil || old.Name != l.Name || old.Kind != l.Kind):
			doomed = append(doomed, l.Name)
			errs = append(errs, err)
		case old != nil && oldKey != k:
			errs = append(errs, err)
		default:
			slog.Warn("port not attached", "link", l.Name, "err", innermost(err))
		}
	}
	for _, name := range doomed {
		var msg strings.Builder
		if cli.Run(d.ctl, []string{"link", "del", "dev", name}, io.Discard, &msg) != 0 {
			errs = append(errs, fmt.Errorf("cannot remove %q again: %s", name, strings.TrimSpace(msg.String())))
		}
	}
	return errs
}

// attach opens the port of key k and attaches it to link index.
func (d *Daemon) attach(index int, k portKey) error {
	p, err := d.open(k)
	if err != nil {
		return err
	}
	if err := d.plane.Attach(index, p); err != nil {
		p.Close()
		return err
	}
	d.ports[index] = owned{k, p}
	return nil
}

// release detaches and closes the port of link index.
func (d *Daemon) release(index int) {
	d.plane.Detach(index)
	if err := d.ports[index].port.Close(); err != nil {
		slog.Warn("closing port", "device", d.ports[index].key.device, "err", err)
	}
	delete(d.ports, index)
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

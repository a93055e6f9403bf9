package vxlan

import (
	"errors"
	"sync"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/port"
)

// ErrDirect is what Port.Write returns: a VXLAN port's frames are
// encapsulated by the data plane, which never writes them to the port.
var ErrDirect = errors.New("vxlan: frames are encapsulated by the data plane")

// Port is the port a VXLAN link is bound to. It has no device: the data
// plane encapsulates the frames it sends out of it into UDP and routes
// them in the default VRF, and runs the frames it decapsulates for it
// through its pipeline as received on it. So Read never returns a frame
// and Write takes none; the port holds the link's identity (name, MAC)
// and what it learns (FDB).
type Port struct {
	name   string
	mac    header.MAC
	fdb    *FDB
	closed chan struct{}
	once   sync.Once
}

var _ port.Waiter = (*Port)(nil)

// NewPort returns the port of VXLAN link name, with Ethernet address
// mac.
func NewPort(name string, mac header.MAC) *Port {
	return &Port{name: name, mac: mac, fdb: NewFDB(), closed: make(chan struct{})}
}

// FDB returns the port's learned forwarding entries.
func (p *Port) FDB() *FDB { return p.fdb }

// Read blocks until the port is closed: decapsulated frames do not pass
// through it.
func (p *Port) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	<-p.closed
	return 0, &port.OpError{Op: "read", Port: p.name, Err: port.ErrClosed}
}

// TryRead returns 0, or the closed error.
func (p *Port) TryRead(bufs [][]byte, sizes []int, offset int) (int, error) {
	select {
	case <-p.closed:
		return 0, &port.OpError{Op: "read", Port: p.name, Err: port.ErrClosed}
	default:
		return 0, nil
	}
}

// Wait blocks until the port is closed.
func (p *Port) Wait() error {
	<-p.closed
	return &port.OpError{Op: "read", Port: p.name, Err: port.ErrClosed}
}

// Write refuses the frames with ErrDirect.
func (p *Port) Write(bufs [][]byte, offset int) (int, error) {
	return 0, &port.OpError{Op: "write", Port: p.name, Err: ErrDirect}
}

// BatchSize is 1: the port is never read.
func (p *Port) BatchSize() int { return 1 }

// MTU returns the largest MTU a VXLAN link takes; the link's own MTU
// bounds what the data plane sends through it.
func (p *Port) MTU() int { return 65535 }

// MAC returns the link's Ethernet address.
func (p *Port) MAC() header.MAC { return p.mac }

// Name returns the link's name.
func (p *Port) Name() string { return p.name }

// Close releases the port.
func (p *Port) Close() error {
	p.once.Do(func() { close(p.closed) })
	return nil
}

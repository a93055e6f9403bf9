//go:build !linux

package packet

import "github.com/govrf/govrf/internal/header"

// Port is an AF_PACKET port; on this system none can be opened.
type Port struct{}

// Open returns ErrUnsupported: AF_PACKET is Linux's.
func Open(ifname string, cfg Config) (*Port, error) { return nil, ErrUnsupported }

// Quiesce returns ErrUnsupported.
func Quiesce(ifname string) (restore func() error, err error) { return nil, ErrUnsupported }

// Restore returns ErrUnsupported.
func Restore(ifname string, ifindex int, settings map[string]string) error { return ErrUnsupported }

// InterfaceState returns ErrUnsupported.
func InterfaceState(ifindex int) (State, error) { return State{}, ErrUnsupported }

// SetInterfaceUp returns ErrUnsupported.
func SetInterfaceUp(ifindex int, up bool) error { return ErrUnsupported }

// Read returns ErrUnsupported.
func (p *Port) Read(bufs [][]byte, sizes []int, offset int) (int, error) { return 0, ErrUnsupported }

// Write returns ErrUnsupported.
func (p *Port) Write(bufs [][]byte, offset int) (int, error) { return 0, ErrUnsupported }

// BatchSize returns DefaultBatchSize.
func (p *Port) BatchSize() int { return DefaultBatchSize }

// MTU returns 0.
func (p *Port) MTU() int { return 0 }

// MAC returns the zero address.
func (p *Port) MAC() header.MAC { return header.MAC{} }

// Name returns "".
func (p *Port) Name() string { return "" }

// Close returns nil.
func (p *Port) Close() error { return nil }

// AcceptAll returns ErrUnsupported.
func (p *Port) AcceptAll() error { return ErrUnsupported }

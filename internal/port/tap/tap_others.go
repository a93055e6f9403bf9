//go:build !linux

package tap

import "github.com/govrf/govrf/internal/header"

// Port is a TAP port; on this system none can be created.
type Port struct{}

// Create returns ErrUnsupported.
func Create(name string, cfg Config) (*Port, error) { return nil, ErrUnsupported }

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

// Gone returns a closed channel.
func (p *Port) Gone() <-chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// Closed reports false: there is no port to close.
func (p *Port) Closed() bool { return false }

// AfterGone calls f in a goroutine of its own at once: there is no port.
func (p *Port) AfterGone(f func()) { go f() }

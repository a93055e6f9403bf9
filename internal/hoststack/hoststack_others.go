//go:build !linux

package hoststack

import (
	"net/netip"
	"os"

	"github.com/govrf/govrf/internal/port"
)

// Stack is a host stack; on this system none can be created.
type Stack struct{}

// Create returns ErrUnsupported.
func Create(cfg Config) (*Stack, error) { return nil, ErrUnsupported }

// VRF returns "".
func (s *Stack) VRF() string { return "" }

// Name returns "".
func (s *Stack) Name() string { return "" }

// Path returns "".
func (s *Stack) Path() string { return "" }

// Device returns "".
func (s *Stack) Device() string { return "" }

// MTU returns 0.
func (s *Stack) MTU() int { return 0 }

// Sync returns ErrUnsupported.
func (s *Stack) Sync(addrs []netip.Prefix, routes []Route) error { return ErrUnsupported }

// Read returns ErrUnsupported.
func (s *Stack) Read(buf []byte) (int, error) { return 0, ErrUnsupported }

// ReadBatch returns ErrUnsupported.
func (s *Stack) ReadBatch(bufs [][]byte, sizes []int, offset int) (int, error) {
	return 0, ErrUnsupported
}

// TryReadBatch returns ErrUnsupported.
func (s *Stack) TryReadBatch(bufs [][]byte, sizes []int, offset int) (int, error) {
	return 0, ErrUnsupported
}

// Write returns ErrUnsupported.
func (s *Stack) Write(pkt []byte) (int, error) { return 0, ErrUnsupported }

// WriteBatch returns ErrUnsupported.
func (s *Stack) WriteBatch(bufs [][]byte, offset int) (int, error) { return 0, ErrUnsupported }

// Stats returns zero counters.
func (s *Stack) Stats() port.Stats { return port.Stats{} }

// HasListener returns ErrUnsupported.
func (s *Stack) HasListener(proto uint8, addr netip.Addr, port uint16) (bool, error) {
	return false, ErrUnsupported
}

// Check returns ErrUnsupported.
func (s *Stack) Check() error { return ErrUnsupported }

// Close returns nil.
func (s *Stack) Close() error { return nil }

// Exec returns ErrUnsupported.
func Exec(path string, argv []string, env []string) error { return ErrUnsupported }

// ExecIn returns ErrUnsupported.
func ExecIn(ns *os.File, name string, argv []string, env []string) error { return ErrUnsupported }

// Identify returns ErrUnsupported.
func Identify(pid int, stacks map[string]string) (string, error) { return "", ErrUnsupported }

// Pids returns ErrUnsupported.
func Pids(path string) ([]Process, error) { return nil, ErrUnsupported }

// ReleaseDir does nothing where there are no host stacks.
func ReleaseDir(dir string) {}

//go:build !linux

package fastpath

import (
	"errors"

	"github.com/cilium/ebpf"
)

// Path is the fast path loaded in the kernel; only Linux has one.
type Path struct{}

// Options adjust the program NewWith builds; see the Linux build.
type Options struct{ Handover bool }

// New fails: the fast path needs Linux's eBPF.
func New(Mode) (*Path, error) {
	return nil, errors.New("fastpath: eBPF needs Linux; run without the fast path")
}

// NewWith fails as New does.
func NewWith(Mode, Options) (*Path, error) { return New(XDP) }

// Apply fails as New does.
func (p *Path) Apply(*Compiled, ...*Delta) error { return errors.New("fastpath: eBPF needs Linux") }

// ApplyDelta fails as New does.
func (p *Path) ApplyDelta(*Delta) error { return errors.New("fastpath: eBPF needs Linux") }

// Counters fails as New does.
func (p *Path) Counters(int) (Counters, error) {
	return Counters{}, errors.New("fastpath: eBPF needs Linux")
}

// Close does nothing.
func (p *Path) Close() error { return nil }

// Monotonic returns 0: there is no program to compare with it.
func Monotonic() uint64 { return 0 }

// Mode returns XDP: there is no program.
func (p *Path) Mode() Mode { return XDP }

// Program returns nil: there is no program.
func (p *Path) Program() *ebpf.Program { return nil }

// SetNeighbour fails as New does.
func (p *Path) SetNeighbour(uint32, Neighbour) error { return errors.New("fastpath: eBPF needs Linux") }

// Used returns 0: there is no program.
func (p *Path) Used(uint32) uint64 { return 0 }

// Behind returns nil: there is no program.
func (p *Path) Behind() *ebpf.Program { return nil }

// SetXmit fails as New does.
func (p *Path) SetXmit(int, bool) error { return errors.New("fastpath: eBPF needs Linux") }

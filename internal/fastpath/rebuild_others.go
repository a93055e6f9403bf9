//go:build !linux

package fastpath

import "errors"

// SuspendPorts fails as New does.
func (p *Path) SuspendPorts([]uint32) error { return errors.New("fastpath: eBPF needs Linux") }

// ApplyRebuild fails as New does.
func (p *Path) ApplyRebuild(*Rebuild) error { return errors.New("fastpath: eBPF needs Linux") }

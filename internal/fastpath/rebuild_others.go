//go:build !linux

package fastpath

import "errors"

// SuspendVRFs fails as New does.
func (p *Path) SuspendVRFs([]int) error { return errors.New("fastpath: eBPF needs Linux") }

// ApplyRebuild fails as New does.
func (p *Path) ApplyRebuild(*Rebuild) error { return errors.New("fastpath: eBPF needs Linux") }

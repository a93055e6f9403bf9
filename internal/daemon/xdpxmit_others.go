//go:build !linux

package daemon

import "errors"

// xdpXmit fails: only Linux has XDP.
func xdpXmit(int) (bool, error) { return false, errors.New("no XDP on this system") }

// xdpXmitWatch fails as xdpXmit does.
func xdpXmitWatch(<-chan struct{}, func(int, bool), func()) error {
	return errors.New("no XDP on this system")
}

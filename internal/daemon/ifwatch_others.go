//go:build !linux

package daemon

import "errors"

// ifWatch would hear of the kernel's interfaces; only Linux has one to
// listen to.
type ifWatch struct{}

func newIfWatch() (*ifWatch, error) { return nil, errors.New("interface watch needs Linux") }

func (w *ifWatch) next(device string, ifindex int) (bool, error) { return false, nil }
func (w *ifWatch) stop()                                         {}
func (w *ifWatch) isStopped() bool                               { return true }
func (w *ifWatch) close()                                        {}

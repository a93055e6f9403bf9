//go:build !linux

package bgp

import "errors"

// inNetns runs fn; only Linux has network namespaces.
func inNetns(path string, fn func()) error {
	if path != "" {
		return errors.New("network namespaces need Linux")
	}
	go fn()
	return nil
}

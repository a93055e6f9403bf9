//go:build !linux

package daemon

import "errors"

// driver fails: only Linux has interfaces govrf drives.
func driver(string) (string, error) { return "", errors.New("no kernel interfaces on this system") }

//go:build !linux

package bgp

import (
	"errors"
	"net"
	"os/exec"
)

// spawn needs Linux's network namespaces.
func spawn(netns string) (net.Conn, *exec.Cmd, error) {
	return nil, nil, errors.New("bgp: network namespaces need Linux")
}

package daemon

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// driver returns the name of interface ifname's driver (ethtool -i).
func driver(ifname string) (string, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return "", fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	info, err := unix.IoctlGetEthtoolDrvinfo(fd, ifname)
	if err != nil {
		return "", fmt.Errorf("%s: ETHTOOL_GDRVINFO: %w", ifname, err)
	}
	return unix.ByteSliceToString(info.Driver[:]), nil
}

package packet

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
)

// Quiesce silences the kernel on the interface ifname, as the package
// documentation describes: it disables IPv6 on it and stops it answering
// ARP. It refuses an interface that carries IPv4 addresses with an error
// wrapping ErrAddressed. The returned function writes back the settings
// Quiesce changed, in reverse order, unless the interface has gone or
// another has taken its name; IPv6 addresses that disable_ipv6 removed
// come back only if autoconfiguration makes them again.
func Quiesce(ifname string) (restore func() error, err error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("packet: quiesce %s: %w", ifname, err)
	}
	if err := refuseAddressed(ifi); err != nil {
		return nil, err
	}
	return quiesce(ifname, ifi.Index)
}

// quiesce is Quiesce without the address check, which Config.Force
// skips, for the interface ifname whose index is index.
func quiesce(ifname string, index int) (func() error, error) {
	settings := []struct{ path, value string }{
		// addrconf_ifdown: no IPv6 addresses, SLAAC, RS, MLD or NDP.
		{"/proc/sys/net/ipv6/conf/" + ifname + "/disable_ipv6", "1"},
		// arp_ignore 8: arp_rcv answers no request arriving here.
		{"/proc/sys/net/ipv4/conf/" + ifname + "/arp_ignore", "8"},
		// arp_announce 2: should the kernel still send a request
		// here, it does not source it from another interface's
		// address.
		{"/proc/sys/net/ipv4/conf/" + ifname + "/arp_announce", "2"},
	}
	type saved struct{ path, old string }
	var undo []saved
	restore := func() error {
		// The settings belong to the interface, not to its name: one
		// that vanished, or was replaced by another of that name, has
		// nothing to restore.
		if now, err := net.InterfaceByName(ifname); err != nil || now.Index != index {
			return nil
		}
		var err error
		for i := len(undo) - 1; i >= 0; i-- {
			err = errors.Join(err, os.WriteFile(undo[i].path, []byte(undo[i].old), 0))
		}
		return err
	}
	for _, s := range settings {
		old, err := os.ReadFile(s.path)
		if errors.Is(err, fs.ErrNotExist) && strings.Contains(s.path, "/ipv6/") {
			continue // IPv6 is off in this kernel or namespace already
		}
		if err == nil {
			err = os.WriteFile(s.path, []byte(s.value), 0)
		}
		if err != nil {
			return nil, errors.Join(fmt.Errorf("packet: quiesce %s: %w", ifname, err), restore())
		}
		undo = append(undo, saved{s.path, strings.TrimSpace(string(old))})
	}
	return restore, nil
}

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
// come back only if autoconfiguration makes them again (the link-local
// address of an interface that is up does).
func Quiesce(ifname string) (restore func() error, err error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("packet: quiesce %s: %w", ifname, err)
	}
	if err := refuseAddressed(ifi); err != nil {
		return nil, err
	}
	return quiesce(ifname, ifi.Index, nil)
}

// quiesced are the values Quiesce writes, by setting (Settings).
var quiesced = map[string]string{
	// addrconf_ifdown: no IPv6 addresses, SLAAC, RS, MLD or NDP.
	"ipv6/conf/disable_ipv6": "1",
	// arp_ignore 8: arp_rcv answers no request arriving here.
	"ipv4/conf/arp_ignore": "8",
	// arp_announce 2: should the kernel still send a request here, it
	// does not source it from another interface's address.
	"ipv4/conf/arp_announce": "2",
}

// settingPath returns the sysctl file of setting for interface ifname.
func settingPath(setting, ifname string) string {
	dir, leaf, _ := strings.Cut(setting, "/conf/")
	return "/proc/sys/net/" + dir + "/conf/" + ifname + "/" + leaf
}

// quiesce is Quiesce without the address check, which Config.Force
// skips, for the interface ifname whose index is index. With a journal
// the originals come from its record of the interface if it has one,
// and are recorded before anything changes.
func quiesce(ifname string, index int, j Journal) (func() error, error) {
	var fromJournal map[string]string
	if j != nil {
		fromJournal, _ = j.Originals(ifname, index)
	}
	orig := map[string]string{}
	for _, s := range Settings {
		old, err := os.ReadFile(settingPath(s, ifname))
		if errors.Is(err, fs.ErrNotExist) && strings.HasPrefix(s, "ipv6/") {
			continue // IPv6 is off in this kernel or namespace already
		}
		if err != nil {
			return nil, fmt.Errorf("packet: quiesce %s: %w", ifname, err)
		}
		orig[s] = strings.TrimSpace(string(old))
		if v, ok := fromJournal[s]; ok {
			orig[s] = v
		}
	}
	if j != nil {
		if err := j.Record(ifname, index, orig); err != nil {
			return nil, fmt.Errorf("packet: quiesce %s: recording its settings: %w", ifname, err)
		}
	}
	var undo []string // the settings changed, in order
	restore := func() error {
		err := restoreSettings(ifname, index, undo, orig)
		if j != nil && err == nil { // a failed restore keeps its record for the next owner
			err = j.Forget(ifname, index)
		}
		return err
	}
	for _, s := range Settings {
		if _, ok := orig[s]; !ok {
			continue
		}
		if err := os.WriteFile(settingPath(s, ifname), []byte(quiesced[s]), 0); err != nil {
			return nil, errors.Join(fmt.Errorf("packet: quiesce %s: %w", ifname, err), restore())
		}
		undo = append(undo, s)
	}
	return restore, nil
}

// restoreSettings writes the values of the given settings back onto the
// interface ifname, in reverse order, if it is still the interface of
// that index. The settings belong to the interface, not to its name:
// one that vanished, or was replaced by another of that name, has
// nothing to restore.
func restoreSettings(ifname string, index int, settings []string, values map[string]string) error {
	if now, err := net.InterfaceByName(ifname); err != nil || now.Index != index {
		return nil
	}
	var err error
	for i := len(settings) - 1; i >= 0; i-- {
		s := settings[i]
		if v, ok := values[s]; ok {
			err = errors.Join(err, os.WriteFile(settingPath(s, ifname), []byte(v), 0))
		}
	}
	return err
}

// Restore writes settings, as a Journal recorded them, back onto the
// interface ifname if it is still the one of index ifindex, in the
// reverse order of Settings; an interface that has gone, or been
// replaced, is left alone. It is for records that no port took up
// again after their owner died.
func Restore(ifname string, ifindex int, settings map[string]string) error {
	return restoreSettings(ifname, ifindex, Settings, settings)
}

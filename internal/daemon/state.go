package daemon

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sort"
	"strings"
	"sync"

	"github.com/govrf/govrf/internal/port/packet"
)

// DefaultStateFile returns the state file of a daemon on socket: the
// socket's path with ".state" for ".sock" (/run/govrf/govrf.state), so
// that every socket, and so every daemon, has one of its own.
func DefaultStateFile(socket string) string {
	return strings.TrimSuffix(socket, ".sock") + ".state"
}

// stateFile is the daemon's packet.Journal: the interface settings its
// packet ports changed, as they were before, kept in a file that
// outlives the daemon. A daemon killed before it could give them back
// (SIGKILL, a crash, a power cut on a persistent /run) finds them there
// at its next start. The file is rewritten atomically after each change
// and removed when no interface is quiesced.
type stateFile struct {
	path string
	mu   sync.Mutex
	st   savedState
}

// savedState is the file's JSON.
type savedState struct {
	// Ports are the quiesced interfaces by name.
	Ports map[string]savedPort `json:"ports"`
}

// savedPort is one interface's original settings.
type savedPort struct {
	Ifindex int               `json:"ifindex"`
	Sysctls map[string]string `json:"sysctls"` // by packet.Settings name
}

var _ packet.Journal = (*stateFile)(nil)

// openState reads the state file at path; a missing one is empty. A
// file that cannot be read or parsed is an error: its records are the
// only copy of settings that would otherwise be lost for good.
func openState(path string) (*stateFile, error) {
	sf := &stateFile{path: path, st: savedState{Ports: map[string]savedPort{}}}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return sf, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, &sf.st); err != nil {
		return nil, fmt.Errorf("state file %s: %w; it holds the interface settings a previous govrfd changed: "+
			"give them back by hand and remove it", path, err)
	}
	if sf.st.Ports == nil {
		sf.st.Ports = map[string]savedPort{}
	}
	return sf, nil
}

// Originals implements packet.Journal.
func (sf *stateFile) Originals(ifname string, ifindex int) (map[string]string, bool) {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	p, ok := sf.st.Ports[ifname]
	if !ok || p.Ifindex != ifindex {
		return nil, false
	}
	return p.Sysctls, true
}

// Record implements packet.Journal.
func (sf *stateFile) Record(ifname string, ifindex int, settings map[string]string) error {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	old, had := sf.st.Ports[ifname]
	sf.st.Ports[ifname] = savedPort{Ifindex: ifindex, Sysctls: settings}
	if err := sf.write(); err != nil {
		if had {
			sf.st.Ports[ifname] = old
		} else {
			delete(sf.st.Ports, ifname)
		}
		return err
	}
	return nil
}

// Forget implements packet.Journal.
func (sf *stateFile) Forget(ifname string, ifindex int) error {
	sf.mu.Lock()
	defer sf.mu.Unlock()
	if p, ok := sf.st.Ports[ifname]; !ok || p.Ifindex != ifindex {
		return nil
	}
	delete(sf.st.Ports, ifname)
	return sf.write()
}

// write saves the records, or removes the file when there are none.
// sf.mu is held.
func (sf *stateFile) write() error {
	if len(sf.st.Ports) == 0 {
		if err := os.Remove(sf.path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}
	b, err := json.MarshalIndent(sf.st, "", "  ")
	if err != nil {
		return err
	}
	return writeAtomic(sf.path, append(b, '\n'))
}

// restoreLeftovers gives back the settings of every interface recorded
// by a previous daemon that no port of this one has taken up: links
// deleted from the configuration while no daemon ran, interfaces that
// went meanwhile. Those of an interface that is gone, or is another one
// now, are dropped. It returns the names of the interfaces restored.
func (sf *stateFile) restoreLeftovers(taken func(ifname string, ifindex int) bool) []string {
	sf.mu.Lock()
	var names []string
	for name, p := range sf.st.Ports {
		if !taken(name, p.Ifindex) {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	left := map[string]savedPort{}
	for _, name := range names {
		left[name] = sf.st.Ports[name]
	}
	sf.mu.Unlock()
	var restored []string
	for _, name := range names {
		p := left[name]
		if ifi, err := net.InterfaceByName(name); err != nil || ifi.Index != p.Ifindex {
			slog.Info("dropped the settings a previous govrfd recorded: the interface is gone", "device", name)
		} else if err := packet.Restore(name, p.Ifindex, p.Sysctls); err != nil {
			slog.Warn("cannot restore the settings a previous govrfd changed", "device", name, "err", err)
			continue
		} else {
			slog.Info("restored the settings a previous govrfd changed", "device", name, "sysctls", settingsText(p.Sysctls))
			restored = append(restored, name)
		}
		if err := sf.Forget(name, p.Ifindex); err != nil {
			slog.Warn("state file", "path", sf.path, "err", err)
		}
	}
	return restored
}

// settingsText writes settings as "name=value ..." in name order.
func settingsText(settings map[string]string) string {
	var b []string
	for k, v := range settings {
		b = append(b, k+"="+v)
	}
	sort.Strings(b)
	return strings.Join(b, " ")
}

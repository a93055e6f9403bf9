package packet

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/govrf/govrf/internal/header"
)

// DefaultBatchSize is the batch size of a Config that leaves it zero.
const DefaultBatchSize = 64

// Config describes how to attach to an interface.
type Config struct {
	// MAC is the port's own Ethernet address, the one govrf sends from
	// and answers for. The zero value means the interface's address,
	// which the kernel then shares; see the package documentation.
	MAC header.MAC

	// BatchSize is the number of frames one Read or Write moves at most
	// per system call; 0 means DefaultBatchSize. Each costs the port
	// a spill slot of about 66 KiB for super-frames.
	BatchSize int

	// Force attaches to an interface even though it carries IPv4
	// addresses.
	Force bool

	// Quiesce runs Quiesce on the interface at Open and restores its
	// settings at Close.
	Quiesce bool

	// Journal, if not nil, keeps the settings Quiesce found where they
	// outlive the process, so that a process killed before Close gives
	// them back at its next start rather than taking its own quiesced
	// values for the interface's; see Journal.
	Journal Journal

	// NoCoalesce sends every frame given to Write as it is. By default
	// Write merges runs of adjacent segments of one TCP flow into
	// super-frames, as GRO would, and the kernel passes them on whole
	// or segments them again; see the package documentation.
	NoCoalesce bool

	// Mark, if not zero, makes the port receive only the frames whose
	// skb mark it is (a classic BPF filter on the socket, set before it
	// binds): the frames a tc program hands over after it has run
	// (fastpath.HandoverMark), since a socket bound to all protocols
	// sees every frame before tc ingress. AcceptAll lifts the filter.
	Mark uint32
}

// ErrAddressed is the error Open and Quiesce return, as an
// *AddressedError, for an interface that carries IPv4 addresses.
var ErrAddressed = errors.New("interface carries IPv4 addresses")

// AddressedError refuses an interface that carries IPv4 addresses,
// which the kernel would go on answering and routing for beside govrf.
// It matches ErrAddressed (errors.Is).
type AddressedError struct {
	Ifname string
	Addrs  []netip.Prefix // the IPv4 addresses found
}

// Error names the interface and its IPv4 addresses.
func (e *AddressedError) Error() string {
	addrs := make([]string, len(e.Addrs))
	for i, a := range e.Addrs {
		addrs[i] = a.String()
	}
	return fmt.Sprintf("packet: %s has %s: %v", e.Ifname, strings.Join(addrs, ", "), ErrAddressed)
}

// Is reports whether target is ErrAddressed.
func (e *AddressedError) Is(target error) bool { return target == ErrAddressed }

// ErrUnsupported is the error Open and Quiesce return on systems other
// than Linux.
var ErrUnsupported = errors.New("AF_PACKET ports need Linux")

// Journal keeps, somewhere that survives the process, the settings of
// each quiesced interface as they were before anyone quiesced it (the
// originals), by interface name and index; an index tells an interface
// from a later one of the same name. A port opened with a Journal
// records the originals before it changes anything and forgets them
// once it has written them back. Opening an interface that has a record
// (the last owner was killed) takes the originals from the record, not
// from the interface, whose settings are still the quiesced ones. A
// record that no port takes up again is given back with Restore.
//
// Settings are named as Settings names them.
type Journal interface {
	// Originals returns the recorded settings of the interface, or
	// false if there are none.
	Originals(ifname string, ifindex int) (map[string]string, bool)
	// Record keeps the interface's original settings; Open fails if it
	// fails.
	Record(ifname string, ifindex int, settings map[string]string) error
	// Forget drops the interface's record.
	Forget(ifname string, ifindex int) error
}

// Settings are the names of the per-interface sysctls Quiesce changes,
// in the order it changes them, as a Journal records them: the path
// under /proc/sys/net with the interface's name left out.
var Settings = []string{"ipv6/conf/disable_ipv6", "ipv4/conf/arp_ignore", "ipv4/conf/arp_announce"}

// State is a kernel interface's state as `ip link` shows it.
type State struct {
	Up      bool // IFF_UP: administratively up
	LowerUp bool // IFF_LOWER_UP: it has carrier
	// OperState is its RFC 2863 operational state as ip names it: UP,
	// DOWN, LOWERLAYERDOWN (a veth whose peer is down), UNKNOWN (a
	// device that does not report one), DORMANT, TESTING or NOTPRESENT.
	OperState string
}

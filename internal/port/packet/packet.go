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

	// NoCoalesce sends every frame given to Write as it is. By default
	// Write merges runs of adjacent segments of one TCP flow into
	// super-frames, as GRO would, and the kernel passes them on whole
	// or segments them again; see the package documentation.
	NoCoalesce bool
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

// Package tap creates TAP devices and presents them as port.Port: govrf
// reads the frames the kernel sends out of the device and writes frames
// the kernel receives on it. A TAP port is how a host stack — the
// kernel, in its own namespace or VRF — sits on one of govrf's links.
//
// The device is single-queue and carries bare Ethernet frames
// (IFF_TAP|IFF_NO_PI). The kernel puts VLAN tags back into the frames it
// hands to a TAP reader (tun_put_user), so unlike an AF_PACKET port a TAP
// port needs no auxdata.
package tap

import (
	"errors"

	"github.com/govrf/govrf/internal/header"
)

// DefaultBatchSize is the batch size of a Config that leaves it zero.
const DefaultBatchSize = 64

// Config describes the device to create.
type Config struct {
	// MAC is the port's own Ethernet address, the one govrf sends from.
	// The device's address is the kernel's, the other end of the link.
	// The zero value means a random locally administered address.
	MAC header.MAC

	// MTU is set on the device when not 0; otherwise the device keeps
	// the kernel's default.
	MTU int

	// BatchSize is the number of frames one Read moves at most; 0 means
	// DefaultBatchSize.
	BatchSize int

	// Persist makes the device outlive the port (TUNSETPERSIST); Close
	// then leaves it in place. Attaching to a device that is already
	// persistent leaves it persistent too.
	Persist bool
}

// ErrUnsupported is the error Create returns on systems other than Linux.
var ErrUnsupported = errors.New("TAP ports need Linux")

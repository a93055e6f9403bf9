package hoststack

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// DefaultNetnsDir is where Create binds namespaces unless told otherwise:
// iproute2's NETNS_RUN_DIR, so `ip netns` lists them and `ip -n` enters
// them.
const DefaultNetnsDir = "/run/netns"

// NamespacePrefix starts the name of every host stack's namespace.
const NamespacePrefix = "govrf-"

// ifNameSize is the kernel's IFNAMSIZ: room for 15 octets and a NUL.
const ifNameSize = 16

// minMTU is the smallest MTU Create accepts: IPv6's minimum link MTU
// (RFC 8200 §5), below which the kernel turns IPv6 off on a device, and
// the smallest a Linux VRF device takes (vrf_setup).
const minMTU = 1280

var (
	// ErrClosed is wrapped by the errors of calls on a closed Stack.
	ErrClosed = errors.New("host stack closed")

	// ErrGone is wrapped by Check's error when the namespace file no
	// longer holds the stack's namespace: deleted (`ip netns del`),
	// unmounted or replaced from outside.
	ErrGone = errors.New("network namespace deleted or replaced")

	// ErrUnsupported is returned on systems other than Linux.
	ErrUnsupported = errors.New("host stacks need Linux")
)

// NamespaceName returns the name of the namespace holding vrf's host
// stack: NamespacePrefix followed by the VRF's name, "govrf-default" for
// the default VRF.
func NamespaceName(vrf string) string { return NamespacePrefix + vrf }

// Config describes the host stack to create.
type Config struct {
	// VRF is the VRF's name; "default" for the default VRF.
	VRF string

	// NetnsDir is the directory of the namespace file; "" means
	// DefaultNetnsDir.
	NetnsDir string

	// TunName is the TUN device's name; "" means the VRF's name, cut to
	// the kernel's 15 octets.
	TunName string

	// MTU is set on the TUN device when not 0 and must then be at least
	// 1280; 0 keeps the kernel's default, 1500.
	MTU int
}

// withDefaults fills in the defaults and validates the names the kernel
// will see.
func (c Config) withDefaults() (Config, error) {
	if c.NetnsDir == "" {
		c.NetnsDir = DefaultNetnsDir
	}
	if c.VRF == "" || c.VRF == "." || c.VRF == ".." || strings.ContainsAny(c.VRF, "/\x00") {
		return c, fmt.Errorf("invalid VRF name %q", c.VRF)
	}
	if c.TunName == "" {
		c.TunName = c.VRF[:min(len(c.VRF), ifNameSize-1)]
	}
	if !validDevName(c.TunName) {
		return c, fmt.Errorf("invalid device name %q", c.TunName)
	}
	if c.MTU != 0 && c.MTU < minMTU {
		return c, fmt.Errorf("MTU %d below %d", c.MTU, minMTU)
	}
	return c, nil
}

// validDevName reports whether the kernel takes name for a device, as
// dev_valid_name decides.
func validDevName(name string) bool {
	if name == "" || len(name) >= ifNameSize || name == "." || name == ".." {
		return false
	}
	return !strings.ContainsAny(name, "/: \t\n\v\f\r\x00")
}

// RouteType is the kind of a mirrored route, as rtm_type.
type RouteType uint8

// The route types a host stack mirrors. The kernel answers a socket whose
// destination hits Unreachable with EHOSTUNREACH, Prohibit with EACCES
// and Blackhole with EINVAL, at connect or send (fib_props, fib6_prop).
const (
	Unicast RouteType = iota
	Unreachable
	Prohibit
	Blackhole
)

func (t RouteType) String() string {
	switch t {
	case Unicast:
		return "unicast"
	case Unreachable:
		return "unreachable"
	case Prohibit:
		return "prohibit"
	case Blackhole:
		return "blackhole"
	}
	return fmt.Sprintf("RouteType(%d)", uint8(t))
}

// Route is one route of the VRF's table as the namespace mirrors it.
type Route struct {
	// Prefix is the destination; host bits are ignored.
	Prefix netip.Prefix

	// Type says what the kernel does with what the route matches. A
	// Unicast route goes out of the TUN device, with no gateway: govrf
	// routes the packets again and picks the next hop.
	Type RouteType

	// Src is the preferred source (RTA_PREFSRC), the one Linux would
	// select for the route in the VRF; it must be one of the stack's
	// addresses. The zero Addr means none: the namespace's kernel then
	// selects among the TUN device's addresses as any host does
	// (inet_select_addr; RFC 6724 for IPv6). Only Unicast routes use it.
	Src netip.Addr

	// Metric is the route's priority. An IPv6 route with Metric 0 is
	// installed with 1024, as the kernel does (IP6_RT_PRIO_USER).
	Metric uint32
}

func (r Route) String() string {
	var b strings.Builder
	if r.Type != Unicast {
		b.WriteString(r.Type.String())
		b.WriteByte(' ')
	}
	b.WriteString(r.Prefix.String())
	if r.Src.IsValid() {
		fmt.Fprintf(&b, " src %v", r.Src)
	}
	fmt.Fprintf(&b, " metric %d", r.Metric)
	return b.String()
}

// Process is a process found in a namespace, as `ip vrf pids` lists it.
type Process struct {
	PID  int
	Comm string // /proc/PID/comm
}

// ExecError is Exec's failure, its message worded as iproute2 words it,
// ready for standard error.
type ExecError struct {
	Msg string
	Err error // the system's error
}

func (e *ExecError) Error() string { return e.Msg }

func (e *ExecError) Unwrap() error { return e.Err }

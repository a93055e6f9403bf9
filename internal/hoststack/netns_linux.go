package hoststack

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// shareMu keeps two Creates from both turning the directory into a mount
// point.
var shareMu sync.Mutex

// shareDir makes dir a shared mount point, as `ip netns add` does with
// its NETNS_RUN_DIR, so that a namespace unmounted in one mount namespace
// is unmounted in all and can be freed. A directory that is no mount
// point yet (EINVAL) is first bound onto itself.
func shareDir(dir string) error {
	shareMu.Lock()
	defer shareMu.Unlock()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	err := unix.Mount("", dir, "none", unix.MS_SHARED|unix.MS_REC, "")
	if err == unix.EINVAL {
		if err := unix.Mount(dir, dir, "none", unix.MS_BIND|unix.MS_REC, ""); err != nil {
			return fmt.Errorf("mount --bind %s %s: %w", dir, dir, err)
		}
		err = unix.Mount("", dir, "none", unix.MS_SHARED|unix.MS_REC, "")
	}
	if err != nil {
		return fmt.Errorf("mount --make-shared %s: %w", dir, err)
	}
	return nil
}

// ReleaseDir undoes what host stacks left in a namespace directory of
// their own once their owner is gone: every namespace still bound there
// (an owner killed before Close) is detached, then the directory's own
// mount (shareDir), so that the directory can be removed. It is for
// private directories; /run/netns is shared with ip and stays.
func ReleaseDir(dir string) {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		unix.Unmount(filepath.Join(dir, e.Name()), unix.MNT_DETACH)
	}
	unix.Unmount(dir, unix.MNT_DETACH)
}

// setns moves the calling thread, which must be locked to its goroutine,
// into the network namespace bound at path. A file that is not a network
// namespace gives EINVAL.
func setns(path string) error {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.Setns(fd, unix.CLONE_NEWNET)
}

// sysctls are the namespace's settings, under /proc/sys/net. The
// "default" ones are written before the TUN device exists, which
// inherits them; "all" ones are written too where the kernel combines
// both. A new namespace starts from the kernel's defaults or, with
// net.core.devconf_inherit_init_net, from the host's, so every value is
// written, not assumed.
var sysctls = []struct{ key, value string }{
	// A host, not a router: govrf does the forwarding.
	{"ipv4/ip_forward", "0"},
	{"ipv6/conf/all/forwarding", "0"},
	// Every packet arrives on the TUN device; only the VRF's routing
	// knows where its sources are.
	{"ipv4/conf/all/rp_filter", "0"},
	{"ipv4/conf/default/rp_filter", "0"},
	// Deleting a primary address must not take the secondaries of its
	// subnet with it (inet_del_ifa), or Sync would lose addresses it
	// keeps.
	{"ipv4/conf/all/promote_secondaries", "1"},
	{"ipv4/conf/default/promote_secondaries", "1"},
	{"ipv6/conf/all/disable_ipv6", "0"},
	{"ipv6/conf/default/disable_ipv6", "0"},
	// Addresses are usable at once (addrconf_dad_begin skips DAD when
	// both are 0).
	{"ipv6/conf/all/accept_dad", "0"},
	{"ipv6/conf/default/accept_dad", "0"},
	// No addresses or routes but the VRF's: no link-local address of
	// the kernel's own (IN6_ADDR_GEN_MODE_NONE), no autoconfiguration,
	// no router solicitations.
	{"ipv6/conf/default/addr_gen_mode", "1"},
	{"ipv6/conf/default/autoconf", "0"},
	{"ipv6/conf/default/accept_ra", "0"},
	{"ipv6/conf/default/router_solicitations", "0"},
}

// setSysctls writes sysctls in the calling thread's namespace: /proc/sys/net
// shows the namespace of the task that opens it. A kernel without IPv6
// has no ipv6 directory; its settings are then skipped.
func setSysctls() error {
	_, err := os.Stat("/proc/sys/net/ipv6")
	ipv6 := err == nil
	for _, s := range sysctls {
		if !ipv6 && strings.HasPrefix(s.key, "ipv6/") {
			continue
		}
		path := filepath.Join("/proc/sys/net", s.key)
		if err := os.WriteFile(path, []byte(s.value), 0); err != nil {
			return fmt.Errorf("sysctl %s: %w", path, err)
		}
	}
	return nil
}

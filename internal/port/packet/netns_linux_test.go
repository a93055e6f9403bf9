package packet

import (
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/netnstest"
)

// peerNamespace starts a goroutine on a thread of its own in a fresh
// network namespace and returns the thread's id, which `ip link set
// netns` takes, and a function that runs f on that thread. The thread is
// never unlocked, so it and its namespace end with the test.
func peerNamespace(t *testing.T) (tid int, run func(f func() error) error) {
	t.Helper()
	jobs, ready := make(chan func()), make(chan error)
	go func() {
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			ready <- err
			return
		}
		tid = unix.Gettid()
		ready <- nil
		for f := range jobs {
			f()
		}
	}()
	if err := <-ready; err != nil {
		t.Fatalf("unshare(CLONE_NEWNET): %v", err)
	}
	t.Cleanup(func() { close(jobs) })
	return tid, func(f func() error) error {
		done := make(chan error)
		jobs <- func() { done <- f() }
		return <-done
	}
}

// Legacy ethtool commands that switch one offload (ETHTOOL_STSO, ETHTOOL_SGSO,
// ETHTOOL_SGRO in linux/ethtool.h); the tests set them without ethtool(8).
const (
	ethtoolSTSO = 0x1f
	ethtoolSGSO = 0x24
	ethtoolSGRO = 0x2c
)

// setOffload switches an offload of the interface ifname, in the calling
// thread's namespace, with the SIOCETHTOOL ioctl.
func setOffload(ifname string, cmd uint32, on bool) error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	value := struct{ cmd, data uint32 }{cmd, 0}
	if on {
		value.data = 1
	}
	var req struct { // struct ifreq with ifr_data
		name [unix.IFNAMSIZ]byte
		data unsafe.Pointer
		_    [16]byte
	}
	copy(req.name[:], ifname)
	req.data = unsafe.Pointer(&value)
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&req))); errno != 0 {
		return fmt.Errorf("SIOCETHTOOL %s %#x: %w", ifname, cmd, errno)
	}
	return nil
}

// link is one end of the test's veth pair: the interface the addresses
// go on (the VLAN device, if any) and its addresses.
type link struct {
	dev  string
	addr netip.Addr
}

// vethAcross makes the veth pair va–vb, moves vb into a peer namespace,
// addresses both ends (over VLAN 10 when vlan is set), and brings them
// up. The port is to read va, where the kernel also receives: the test
// namespace answers the peer with its own stack.
func vethAcross(t *testing.T, v6, vlan bool) (local, peer link, run func(func() error) error) {
	t.Helper()
	netnstest.Enter(t)
	tid, run := peerNamespace(t)
	netnstest.IP(t, "link", "add", "va", "type", "veth", "peer", "name", "vb")
	netnstest.IP(t, "link", "set", "vb", "netns", strconv.Itoa(tid))
	local, peer = link{"va", netip.MustParseAddr("192.0.2.1")}, link{"vb", netip.MustParseAddr("192.0.2.2")}
	if v6 {
		local.addr, peer.addr = netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
	}
	if vlan {
		if _, err := netnstest.TryIP("link", "add", "link", "va", "name", "va.10", "type", "vlan", "id", "10"); err != nil {
			t.Skipf("no VLAN devices in this kernel: %v", err)
		}
	}
	setup := func(l *link) error {
		cmds := [][]string{{"link", "set", "lo", "up"}, {"link", "set", l.dev, "up"}}
		if vlan {
			if l.dev == "vb" {
				cmds = append(cmds, []string{"link", "add", "link", "vb", "name", "vb.10", "type", "vlan", "id", "10"})
			}
			cmds = append(cmds, []string{"link", "set", l.dev + ".10", "up"})
			l.dev += ".10"
		}
		cmds = append(cmds, []string{"addr", "add", netip.PrefixFrom(l.addr, l.addr.BitLen()-8).String(), "dev", l.dev, "nodad"})
		for _, c := range cmds {
			if _, err := netnstest.TryIP(c...); err != nil {
				return err
			}
		}
		return nil
	}
	if err := setup(&local); err != nil {
		t.Fatal(err)
	}
	if err := run(func() error { return setup(&peer) }); err != nil {
		t.Fatal(err)
	}
	return local, peer, run
}

// witness opens a plain packet socket on ifname, without a vnet header,
// and returns a function reporting the longest frame it has seen, however
// little of it recv kept: proof that the kernel handed super-frames over.
func witness(t *testing.T, ifname string) func() int {
	t.Helper()
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
		t.Fatal(err)
	}
	longest := 0
	return func() int {
		buf := make([]byte, 64)
		for {
			n, _, err := unix.Recvfrom(fd, buf, unix.MSG_TRUNC)
			if err != nil {
				return longest
			}
			longest = max(longest, n)
		}
	}
}

package tap

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/netnstest"
	"github.com/govrf/govrf/internal/port"
)

const (
	offset    = 16
	bufLen    = 2048
	waitLimit = 2 * time.Second
)

var (
	portMAC  = header.MAC{0x02, 0, 0, 0, 0, 0xa}
	kernelIP = netip.MustParseAddr("192.0.2.1")
	portIP   = netip.MustParseAddr("192.0.2.2")
)

func create(t *testing.T, name string, cfg Config) *Port {
	t.Helper()
	p, err := Create(name, cfg)
	if err != nil {
		t.Fatalf("Create(%q, %+v) = %v", name, cfg, err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func buffers(n int) ([][]byte, []int) {
	bufs := make([][]byte, n)
	for i := range bufs {
		bufs[i] = make([]byte, bufLen)
	}
	return bufs, make([]int, n)
}

// readType reads until a frame of the EtherType arrives and returns it.
func readType(t *testing.T, p *Port, etherType uint16) header.Ethernet {
	t.Helper()
	bufs, sizes := buffers(p.BatchSize())
	for deadline := time.Now().Add(waitLimit); time.Now().Before(deadline); {
		n, err := p.TryRead(bufs, sizes, offset)
		if err != nil {
			t.Fatalf("TryRead() = %v", err)
		}
		for i := range n {
			f := header.Ethernet(bufs[i][offset : offset+sizes[i]])
			if len(f) >= header.EthernetLen && binary.BigEndian.Uint16(f[12:]) == etherType {
				return f
			}
		}
		if n == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	t.Fatalf("no frame of EtherType %#04x within %v", etherType, waitLimit)
	return nil
}

// TestIntegrationARP has the kernel resolve the port's address: its ARP
// request must reach Read, and the reply Write sends must reach the
// kernel's neighbour table.
func TestIntegrationARP(t *testing.T) {
	netnstest.Enter(t)
	p := create(t, "govrf%d", Config{MAC: portMAC, MTU: 1400})
	if p.Name() != "govrf0" || p.MTU() != 1400 || p.MAC() != portMAC || p.BatchSize() != DefaultBatchSize {
		t.Errorf("Create() = name %q, MTU %d, MAC %v, batch %d; want govrf0, 1400, %v, %d",
			p.Name(), p.MTU(), p.MAC(), p.BatchSize(), portMAC, DefaultBatchSize)
	}
	if out := netnstest.IP(t, "link", "show", p.Name()); !strings.Contains(out, ",UP") {
		t.Errorf("device not up: %s", out)
	}
	netnstest.IP(t, "addr", "add", kernelIP.String()+"/24", "dev", p.Name())

	// Any datagram to the port's address makes the kernel ARP for it.
	c, err := net.Dial("udp", netip.AddrPortFrom(portIP, 9).String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("hello"))

	req := readType(t, p, header.EtherTypeARP)
	arp := header.ARP(req[header.EthernetLen:])
	if req.Dst() != header.BroadcastMAC || arp.Op() != header.ARPRequest || arp.TargetIP() != portIP || arp.SenderIP() != kernelIP {
		t.Fatalf("ARP request = % x, want a broadcast who-has %v tell %v", []byte(req), portIP, kernelIP)
	}

	reply := make([]byte, offset+header.EthernetLen+header.ARPLen)
	e := header.Ethernet(reply[offset:])
	kernelMAC := req.Src()
	copy(e[0:6], kernelMAC[:])
	copy(e[6:12], portMAC[:])
	binary.BigEndian.PutUint16(e[12:], header.EtherTypeARP)
	header.ARP(e[header.EthernetLen:]).Encode(header.ARPReply, portMAC, portIP, kernelMAC, kernelIP)
	if n, err := p.Write([][]byte{reply}, offset); n != 1 || err != nil {
		t.Fatalf("Write(ARP reply) = %d, %v", n, err)
	}
	// With the neighbour resolved, the kernel sends the queued datagram.
	udp := readType(t, p, header.EtherTypeIPv4)
	if udp.Dst() != portMAC {
		t.Errorf("datagram sent to %v, want %v", udp.Dst(), portMAC)
	}
	if st := p.Stats(); st.TxPackets != 1 || st.RxPackets < 2 || st.Multicast < 1 {
		t.Errorf("Stats() = %+v, want 1 TxPackets, at least 2 RxPackets and 1 Multicast", st)
	}

	if err := p.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if _, err := net.InterfaceByName(p.Name()); err == nil {
		t.Errorf("%s still exists after Close", p.Name())
	}
}

func TestIntegrationPersist(t *testing.T) {
	netnstest.Enter(t)
	p := create(t, "govrfp", Config{Persist: true})
	if p.MAC() == (header.MAC{}) || p.MAC()[0]&3 != 2 {
		t.Errorf("MAC() = %v, want a random unicast, locally administered address", p.MAC())
	}
	p.Close()
	if _, err := net.InterfaceByName("govrfp"); err != nil {
		t.Errorf("persistent govrfp gone after Close: %v", err)
	}
	netnstest.IP(t, "link", "del", "govrfp")
}

// readUntilError reads from p until Read fails and returns the error:
// frames the kernel queued while the device was up are passed over.
func readUntilError(p *Port) error {
	bufs, sizes := buffers(p.BatchSize())
	for {
		if _, err := p.Read(bufs, sizes, offset); err != nil {
			return err
		}
	}
}

func TestIntegrationCloseUnblocksRead(t *testing.T) {
	netnstest.Enter(t)
	p := create(t, "govrf0", Config{})
	netnstest.IP(t, "link", "set", p.Name(), "down") // no kernel chatter
	done := make(chan error, 1)
	go func() { done <- readUntilError(p) }()
	time.Sleep(20 * time.Millisecond)
	if err := p.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	select {
	case err := <-done:
		if !errors.Is(err, port.ErrClosed) {
			t.Errorf("Read after Close = %v, want ErrClosed", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Read still blocked after Close")
	}
	if _, err := p.Write(nil, offset); !errors.Is(err, port.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	select {
	case <-p.Gone():
	default:
		t.Error("Gone() still open after Close")
	}
}

// TestIntegrationDeviceDeleted deletes the device from under a port
// whose reader is blocked: Read returns, and Gone says why.
func TestIntegrationDeviceDeleted(t *testing.T) {
	netnstest.Enter(t)
	p := create(t, "govrf0", Config{})
	netnstest.IP(t, "link", "set", p.Name(), "down") // no kernel chatter
	done := make(chan error, 1)
	go func() { done <- readUntilError(p) }()
	time.Sleep(20 * time.Millisecond)
	select {
	case <-p.Gone():
		t.Fatal("Gone() closed before the device was deleted")
	default:
	}
	netnstest.IP(t, "link", "del", p.Name())
	select {
	case err := <-done:
		if !errors.Is(err, unix.EBADFD) {
			t.Errorf("Read after ip link del = %v, want EBADFD", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("Read still blocked after ip link del")
	}
	select {
	case <-p.Gone():
	default:
		t.Error("Gone() still open after ip link del")
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close() after ip link del = %v", err)
	}
}

func TestIntegrationReadTooLong(t *testing.T) {
	netnstest.Enter(t)
	p := create(t, "govrf0", Config{})
	netnstest.IP(t, "addr", "add", kernelIP.String()+"/24", "dev", p.Name())
	c, err := net.Dial("udp", netip.AddrPortFrom(portIP, 9).String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("hello"))

	// An ARP request is 42 octets; a 20-octet room cannot hold it.
	short, sizes := [][]byte{make([]byte, offset+20)}, make([]int, 1)
	for deadline := time.Now().Add(waitLimit); p.Stats().RxErrors == 0; {
		if n, err := p.TryRead(short, sizes, offset); n != 0 || err != nil {
			t.Fatalf("TryRead(20-octet room) = %d, %v; want 0, nil", n, err)
		}
		if time.Now().After(deadline) {
			t.Fatal("no RX error for a frame longer than the buffer")
		}
		time.Sleep(time.Millisecond)
	}
}

// TestIntegrationWithoutIPv6: a device Create makes comes up with the
// kernel's IPv6 off (no link-local address); one it attaches to keeps
// what its owner set.
func TestIntegrationWithoutIPv6(t *testing.T) {
	netnstest.Enter(t)
	p := create(t, "govrf6", Config{})
	if v := sysctl6(t, p.Name()); v != "1" {
		t.Errorf("disable_ipv6 on a device Create made = %s, want 1", v)
	}
	if out := netnstest.IP(t, "-6", "addr", "show", "dev", p.Name()); strings.Contains(out, "fe80") {
		t.Errorf("the new device has IPv6 addresses:\n%s", out)
	}
	netnstest.IP(t, "tuntap", "add", "mode", "tap", "name", "govrfo")
	q := create(t, "govrfo", Config{})
	if v := sysctl6(t, q.Name()); v != "0" {
		t.Errorf("disable_ipv6 on a device Create attached to = %s, want its own 0", v)
	}
}

// sysctl6 reads the disable_ipv6 of device name.
func sysctl6(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("/proc/sys/net/ipv6/conf/" + name + "/disable_ipv6")
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

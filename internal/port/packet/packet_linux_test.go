package packet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/netnstest"
	"github.com/govrf/govrf/internal/port"
)

const (
	offset    = 16     // headroom every test buffer keeps
	testType  = 0x88b5 // IEEE 802 local experimental EtherType
	bufLen    = 2048
	waitLimit = 2 * time.Second
)

var (
	macA = header.MAC{0x02, 0, 0, 0, 0, 0xa}
	macB = header.MAC{0x02, 0, 0, 0, 0, 0xb}
)

// vethPair makes the veth pair va–vb in a fresh namespace, opens a port
// on each end, each with its own MAC and quiesced, and brings the links
// up.
func vethPair(t *testing.T) (a, b *Port) {
	t.Helper()
	netnstest.Enter(t)
	netnstest.IP(t, "link", "add", "va", "type", "veth", "peer", "name", "vb")
	a, b = open(t, "va", Config{MAC: macA, Quiesce: true}), open(t, "vb", Config{MAC: macB, Quiesce: true})
	netnstest.IP(t, "link", "set", "va", "up")
	netnstest.IP(t, "link", "set", "vb", "up")
	waitActive(t, "va", "vb")
	return a, b
}

// waitActive waits until each link's operational state is up. Until
// linkwatch has seen the carrier, the transmit queues keep noop_qdisc
// (dev_activate attaches the real one in the same linkwatch step that
// sets the operstate), and whatever goes through the qdisc is dropped.
func waitActive(t *testing.T, links ...string) {
	t.Helper()
	for _, l := range links {
		for deadline := time.Now().Add(waitLimit); ; time.Sleep(time.Millisecond) {
			out, err := exec.Command("ip", "-j", "link", "show", "dev", l).CombinedOutput()
			if err != nil {
				t.Fatalf("ip -j link show dev %s: %v: %s", l, err, out)
			}
			if strings.Contains(string(out), `"operstate":"UP"`) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s is not up: %s", l, out)
			}
		}
	}
}

func open(t *testing.T, ifname string, cfg Config) *Port {
	t.Helper()
	p, err := Open(ifname, cfg)
	if err != nil {
		t.Fatalf("Open(%q, %+v) = %v", ifname, cfg, err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// frame returns a test frame to dst with a payload naming i, after tags.
func frame(dst, src header.MAC, i int, tags ...uint16) []byte {
	f := append(append([]byte(nil), dst[:]...), src[:]...)
	for _, tag := range tags {
		f = binary.BigEndian.AppendUint16(f, tag)
	}
	f = binary.BigEndian.AppendUint16(f, testType)
	return fmt.Appendf(f, "govrf test frame %d", i)
}

func buffers(n int, frames ...[]byte) [][]byte {
	bufs := make([][]byte, max(n, len(frames)))
	for i := range bufs {
		bufs[i] = make([]byte, bufLen)
	}
	for i, f := range frames {
		bufs[i] = append(make([]byte, offset), f...)
	}
	return bufs
}

// isTest reports whether f is a test frame, tagged or not: the kernel may
// still send something of its own while a link comes up.
func isTest(f []byte) bool {
	e := header.Ethernet(f)
	return len(f) >= e.HeaderLen() && binary.BigEndian.Uint16(f[e.HeaderLen()-2:]) == testType
}

// collect reads with TryRead until want test frames have arrived or the
// time is up, and returns them and the largest number one call returned.
func collect(t *testing.T, p port.Poller, want int, limit time.Duration) (frames [][]byte, maxBatch int) {
	t.Helper()
	bufs, sizes := buffers(p.BatchSize()), make([]int, p.BatchSize())
	deadline := time.Now().Add(limit)
	for len(frames) < want && time.Now().Before(deadline) {
		n, err := p.TryRead(bufs, sizes, offset)
		if err != nil {
			t.Fatalf("TryRead() = %v", err)
		}
		maxBatch = max(maxBatch, n)
		for i := range n {
			if f := bufs[i][offset : offset+sizes[i]]; isTest(f) {
				frames = append(frames, bytes.Clone(f))
			}
		}
		if n == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	return frames, maxBatch
}

func TestIntegrationBatch(t *testing.T) {
	a, b := vethPair(t)
	var sent [][]byte
	for i := range 8 {
		sent = append(sent, frame(a.MAC(), b.MAC(), i))
	}
	if n, err := b.Write(buffers(0, sent...), offset); n != len(sent) || err != nil {
		t.Fatalf("Write(%d frames) = %d, %v", len(sent), n, err)
	}
	time.Sleep(20 * time.Millisecond) // let all of them queue
	got, maxBatch := collect(t, a, len(sent), waitLimit)
	if len(got) != len(sent) {
		t.Fatalf("received %d frames, want %d", len(got), len(sent))
	}
	for i := range sent {
		if !bytes.Equal(got[i], sent[i]) {
			t.Errorf("frame %d = % x, want % x", i, got[i], sent[i])
		}
	}
	if maxBatch < 2 {
		t.Errorf("largest batch = %d frames, want several", maxBatch)
	}
	st := a.Stats()
	if st.RxPackets < uint64(len(sent)) || st.RxBytes == 0 {
		t.Errorf("receiver Stats() = %+v, want at least %d RxPackets", st, len(sent))
	}
	if st := b.Stats(); st.TxPackets != uint64(len(sent)) || st.TxDropped != 0 {
		t.Errorf("sender Stats() = %+v, want %d TxPackets", st, len(sent))
	}
	// A port does not read back what it wrote.
	if got, _ := collect(t, b, 1, 50*time.Millisecond); len(got) != 0 {
		t.Errorf("sender read back %d of its own frames", len(got))
	}
}

func TestIntegrationWriteTooLong(t *testing.T) {
	a, _ := vethPair(t)
	long := frame(macB, a.MAC(), 0)
	long = append(long, make([]byte, a.MTU()+header.VLANTagLen+header.EthernetLen+1-len(long))...)
	a.Write(buffers(0, long), offset)
	if st := a.Stats(); st.TxDropped != 1 || st.TxPackets != 0 {
		t.Errorf("after writing a %d-octet frame at MTU %d: Stats() = %+v, want 1 TxDropped", len(long), a.MTU(), st)
	}
}

// TestIntegrationVLAN checks I6: a tag the kernel moved into auxdata is
// back in the frame the port delivers, whether the sender wrote it into
// the frame or a VLAN device put it in the skb.
func TestIntegrationVLAN(t *testing.T) {
	a, b := vethPair(t)
	type test struct {
		name string
		from *Port
		sent []byte
		want []byte
	}
	tests := []test{
		// veth's receive path moves the tag into the skb
		// (skb_vlan_untag) before packet taps see the frame.
		{"tag in frame", b, frame(macA, macB, 1, 0x8100, 0x2014), frame(macA, macB, 1, 0x8100, 0x2014)},
		{"802.1ad outer tag", b, frame(macA, macB, 3, 0x88a8, 5, 0x8100, 7), frame(macA, macB, 3, 0x88a8, 5, 0x8100, 7)},
	}
	if _, err := netnstest.TryIP("link", "add", "link", "vb", "name", "vb.10", "type", "vlan", "id", "10"); err != nil {
		t.Logf("no VLAN devices in this kernel, skipping that case: %v", err)
	} else {
		netnstest.IP(t, "link", "set", "vb.10", "up")
		vlanDev := open(t, "vb.10", Config{MAC: macB, Quiesce: true})
		tests = append(tests, test{"tag from vlan device", vlanDev, frame(macA, macB, 2), frame(macA, macB, 2, 0x8100, 10)})
	}
	for _, tt := range tests {
		tt.from.Write(buffers(0, tt.sent), offset)
		got, _ := collect(t, a, 1, waitLimit)
		if len(got) != 1 || !bytes.Equal(got[0], tt.want) {
			t.Errorf("%s: received %x, want [% x]", tt.name, got, tt.want)
		}
	}

	// A tagged frame whose tag does not fit the buffer is an error, never
	// an untagged frame.
	sent := frame(macA, macB, 4, 0x8100, 10)
	b.Write(buffers(0, sent), offset)
	time.Sleep(20 * time.Millisecond)
	before := a.Stats().RxErrors
	short := [][]byte{make([]byte, offset+len(sent)-1)}
	sizes := make([]int, 1)
	if n, err := a.TryRead(short, sizes, offset); n != 0 || err != nil {
		t.Errorf("TryRead(%d-octet room) for a %d-octet tagged frame = %d, %v; want 0, nil",
			len(short[0])-offset, len(sent), n, err)
	}
	if got := a.Stats().RxErrors; got != before+1 {
		t.Errorf("RxErrors = %d, want %d", got, before+1)
	}
}

// TestIntegrationCloseUnblocksRead: a reader blocked in Read returns
// ErrClosed once the port closes. Frames the kernel happens to deliver
// first are read and passed over: only the error ends the reader.
func TestIntegrationCloseUnblocksRead(t *testing.T) {
	a, _ := vethPair(t)
	done := make(chan error, 1)
	go func() {
		bufs, sizes := buffers(a.BatchSize()), make([]int, a.BatchSize())
		for {
			if _, err := a.Read(bufs, sizes, offset); err != nil {
				done <- err
				return
			}
		}
	}()
	time.Sleep(20 * time.Millisecond)
	if err := a.Close(); err != nil {
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
	if _, err := a.Write(buffers(1), offset); !errors.Is(err, port.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
}

func TestIntegrationOpen(t *testing.T) {
	netnstest.Enter(t)
	netnstest.IP(t, "link", "add", "va", "mtu", "1400", "type", "veth", "peer", "name", "vb")
	netnstest.IP(t, "addr", "add", "192.0.2.1/24", "dev", "va")
	if _, err := Open("va", Config{}); !errors.Is(err, ErrAddressed) {
		t.Errorf("Open(addressed va, Config{}) = %v, want ErrAddressed", err)
	}
	if _, err := Quiesce("va"); !errors.Is(err, ErrAddressed) {
		t.Errorf("Quiesce(addressed va) = %v, want ErrAddressed", err)
	}
	p := open(t, "va", Config{Force: true})
	ifi, _ := net.InterfaceByName("va")
	if p.MTU() != 1400 || p.MAC() != header.MAC(ifi.HardwareAddr) || p.BatchSize() != DefaultBatchSize || p.Name() != "va" {
		t.Errorf("Open(va) = MTU %d, MAC %v, batch %d, name %q; want 1400, %v, %d, va",
			p.MTU(), p.MAC(), p.BatchSize(), p.Name(), ifi.HardwareAddr, DefaultBatchSize)
	}
	// A membership raises the promiscuity count, which only -d shows.
	if !strings.Contains(netnstest.IP(t, "-d", "link", "show", "va"), "promiscuity 1") {
		t.Errorf("va is not promiscuous while the port is open")
	}
	// Room for a burst of super-frames, past rmem_max: the kernel
	// reports the doubled size.
	if got, err := unix.GetsockoptInt(p.fd, unix.SOL_SOCKET, unix.SO_RCVBUF); err != nil || got < 2*rcvBuf {
		t.Errorf("SO_RCVBUF = %d, %v; want %d", got, err, 2*rcvBuf)
	}
	if _, err := Open("nosuch0", Config{}); err == nil {
		t.Errorf("Open(nosuch0) = nil error")
	}
}

func TestIntegrationQuiesce(t *testing.T) {
	netnstest.Enter(t)
	netnstest.IP(t, "link", "add", "va", "type", "veth", "peer", "name", "vb")
	files := map[string]string{
		"/proc/sys/net/ipv6/conf/va/disable_ipv6": "1",
		"/proc/sys/net/ipv4/conf/va/arp_ignore":   "8",
		"/proc/sys/net/ipv4/conf/va/arp_announce": "2",
	}
	before := sysctls(t, files)
	restore, err := Quiesce("va")
	if err != nil {
		t.Fatalf("Quiesce(va) = %v", err)
	}
	if got := sysctls(t, files); !mapsEqual(got, files) {
		t.Errorf("after Quiesce(va): %v, want %v", got, files)
	}
	if err := restore(); err != nil {
		t.Fatalf("restore() = %v", err)
	}
	if got := sysctls(t, files); !mapsEqual(got, before) {
		t.Errorf("after restore(): %v, want %v", got, before)
	}

	// Settings go with the interface: a vanished va is no error, and a
	// new va in place of the one quiesced keeps its own.
	if restore, err = Quiesce("va"); err != nil {
		t.Fatalf("Quiesce(va) = %v", err)
	}
	netnstest.IP(t, "link", "del", "va")
	if err := restore(); err != nil {
		t.Errorf("restore() of a deleted va = %v, want nil", err)
	}
	netnstest.IP(t, "link", "add", "va", "type", "veth", "peer", "name", "vb")
	if restore, err = Quiesce("va"); err != nil {
		t.Fatalf("Quiesce(va) = %v", err)
	}
	netnstest.IP(t, "link", "del", "va")
	netnstest.IP(t, "link", "add", "va", "type", "veth", "peer", "name", "vb")
	// The new va's own setting, which the old one's restore must not undo.
	if err := os.WriteFile("/proc/sys/net/ipv4/conf/va/arp_ignore", []byte("2"), 0); err != nil {
		t.Fatal(err)
	}
	fresh := sysctls(t, files)
	if err := restore(); err != nil {
		t.Errorf("restore() onto a new va = %v, want nil", err)
	}
	if got := sysctls(t, files); !mapsEqual(got, fresh) {
		t.Errorf("restore() wrote onto the new va: %v, want %v", got, fresh)
	}
}

func sysctls(t *testing.T, files map[string]string) map[string]string {
	t.Helper()
	m := make(map[string]string)
	for path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		m[path] = strings.TrimSpace(string(b))
	}
	return m
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestIntegrationReadWaits(t *testing.T) {
	a, b := vethPair(t)
	sent := frame(a.MAC(), b.MAC(), 1)
	got := make(chan []byte, 1)
	go func() {
		bufs, sizes := buffers(a.BatchSize()), make([]int, a.BatchSize())
		for {
			n, err := a.Read(bufs, sizes, offset)
			if err != nil {
				got <- nil
				return
			}
			for i := range n {
				if f := bufs[i][offset : offset+sizes[i]]; isTest(f) {
					got <- bytes.Clone(f)
					return
				}
			}
		}
	}()
	time.Sleep(20 * time.Millisecond)
	b.Write(buffers(0, sent), offset)
	select {
	case f := <-got:
		if !bytes.Equal(f, sent) {
			t.Errorf("Read() = % x, want % x", f, sent)
		}
	case <-time.After(waitLimit):
		t.Fatal("Read did not return the frame")
	}
}

func TestIntegrationAllocs(t *testing.T) {
	a, b := vethPair(t)
	out := buffers(0, frame(a.MAC(), b.MAC(), 1), frame(a.MAC(), b.MAC(), 2))
	in, sizes := buffers(a.BatchSize()), make([]int, a.BatchSize())
	allocs := testing.AllocsPerRun(100, func() {
		b.Write(out, offset)
		a.TryRead(in, sizes, offset)
	})
	if allocs != 0 {
		t.Errorf("Write and TryRead allocate %v times per batch, want 0", allocs)
	}
}

// memJournal is a Journal in memory.
type memJournal map[string]map[string]string

func journalKey(ifname string, ifindex int) string { return fmt.Sprintf("%s/%d", ifname, ifindex) }

func (j memJournal) Originals(ifname string, ifindex int) (map[string]string, bool) {
	m, ok := j[journalKey(ifname, ifindex)]
	return m, ok
}

func (j memJournal) Record(ifname string, ifindex int, settings map[string]string) error {
	j[journalKey(ifname, ifindex)] = settings
	return nil
}

func (j memJournal) Forget(ifname string, ifindex int) error {
	delete(j, journalKey(ifname, ifindex))
	return nil
}

// TestIntegrationQuiesceJournal quiesces va with a journal and "dies"
// without restoring; quiescing it again, as a restarted owner would,
// takes the originals from the journal rather than from va, so that the
// final restore gives va its true originals back. Restore gives back a
// record nobody takes up.
func TestIntegrationQuiesceJournal(t *testing.T) {
	netnstest.Enter(t)
	netnstest.IP(t, "link", "add", "va", "type", "veth", "peer", "name", "vb")
	files := map[string]string{
		"/proc/sys/net/ipv6/conf/va/disable_ipv6": "1",
		"/proc/sys/net/ipv4/conf/va/arp_ignore":   "8",
		"/proc/sys/net/ipv4/conf/va/arp_announce": "2",
	}
	if err := os.WriteFile("/proc/sys/net/ipv4/conf/va/arp_ignore", []byte("1"), 0); err != nil {
		t.Fatal(err)
	}
	before := sysctls(t, files)
	ifi, err := net.InterfaceByName("va")
	if err != nil {
		t.Fatal(err)
	}
	j := memJournal{}
	if _, err := quiesce("va", ifi.Index, j); err != nil { // then killed
		t.Fatalf("quiesce(va) = %v", err)
	}
	if got, ok := j.Originals("va", ifi.Index); !ok || got["ipv4/conf/arp_ignore"] != "1" || got["ipv6/conf/disable_ipv6"] != "0" {
		t.Errorf("journal after quiesce(va) = %v, want the originals", got)
	}
	restore, err := quiesce("va", ifi.Index, j)
	if err != nil {
		t.Fatalf("quiesce(va) again = %v", err)
	}
	if got := sysctls(t, files); !mapsEqual(got, files) {
		t.Errorf("after quiesce(va) again: %v, want %v", got, files)
	}
	if err := restore(); err != nil {
		t.Fatalf("restore() = %v", err)
	}
	if got := sysctls(t, files); !mapsEqual(got, before) {
		t.Errorf("after restore(): %v, want the originals %v", got, before)
	}
	if len(j) != 0 {
		t.Errorf("journal after restore() = %v, want it empty", j)
	}

	if _, err := quiesce("va", ifi.Index, j); err != nil { // killed again
		t.Fatalf("quiesce(va) = %v", err)
	}
	if err := Restore("va", ifi.Index, j[journalKey("va", ifi.Index)]); err != nil {
		t.Fatalf("Restore(va) = %v", err)
	}
	if got := sysctls(t, files); !mapsEqual(got, before) {
		t.Errorf("after Restore(va): %v, want the originals %v", got, before)
	}
}

// TestIntegrationInterfaceState reads a veth end's state as ip shows it
// in each case, and brings it up and down.
func TestIntegrationInterfaceState(t *testing.T) {
	netnstest.Enter(t)
	netnstest.IP(t, "link", "add", "va", "type", "veth", "peer", "name", "vb")
	ifi, err := net.InterfaceByName("va")
	if err != nil {
		t.Fatal(err)
	}
	check := func(when string, want State) {
		t.Helper()
		var got State
		for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if got, err = InterfaceState(ifi.Index); err != nil {
				t.Fatalf("%s: InterfaceState(va) = %v", when, err)
			}
			if got == want || time.Now().After(deadline) {
				break
			}
		}
		if got != want {
			t.Errorf("%s: InterfaceState(va) = %+v, want %+v", when, got, want)
		}
	}
	check("both down", State{OperState: "DOWN"})
	if err := SetInterfaceUp(ifi.Index, true); err != nil {
		t.Fatalf("SetInterfaceUp(va, true) = %v", err)
	}
	check("va up, vb down", State{Up: true, OperState: "LOWERLAYERDOWN"})
	netnstest.IP(t, "link", "set", "vb", "up")
	check("both up", State{Up: true, LowerUp: true, OperState: "UP"})
	if err := SetInterfaceUp(ifi.Index, false); err != nil {
		t.Fatalf("SetInterfaceUp(va, false) = %v", err)
	}
	check("va down, vb up", State{OperState: "DOWN"})
	if _, err := InterfaceState(1 << 30); err == nil {
		t.Errorf("InterfaceState of no interface = nil error")
	}
	if err := SetInterfaceUp(1<<30, true); err == nil {
		t.Errorf("SetInterfaceUp of no interface = nil error")
	}
}

package e2e

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// capturing starts `govrf capture ARGS` against the topology's daemon and
// returns it once it says what it captures, with the rest of its
// standard error to read when it ends.
func (tp *topo) capturing(args ...string) (*exec.Cmd, *bufio.Reader) {
	tp.t.Helper()
	cmd := exec.Command(filepath.Join(binaries(tp.t), "govrf"), append([]string{"-socket", tp.sock, "capture"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		tp.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tp.t.Fatal(err)
	}
	tp.t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	lines := bufio.NewReader(stderr)
	if first, err := lines.ReadString('\n'); err != nil || !strings.HasPrefix(first, "capturing in VRF ") {
		tp.t.Fatalf("govrf capture %v began with %q, %v", args, first, err)
	}
	return cmd, lines
}

// ended waits for a capture to exit by itself and returns what it
// printed last.
func ended(t *testing.T, cmd *exec.Cmd, lines *bufio.Reader) string {
	t.Helper()
	rest, _ := io.ReadAll(lines)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("govrf capture: %v\n%s", err, rest)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("govrf capture did not end\n%s", rest)
	}
	return string(rest)
}

// captured is a frame of a capture file: the port, the direction, and
// the frame decoded.
type captured struct {
	dev, dir string
	pkt      gopacket.Packet
}

// readCapture reads a pcapng file with gopacket.
func readCapture(t *testing.T, file string) []captured {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
	if err != nil {
		t.Fatalf("reading the capture with gopacket: %v", err)
	}
	var out []captured
	for {
		data, ci, opts, err := r.ReadPacketDataWithOptions()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("reading the capture with gopacket: %v", err)
		}
		intf, err := r.Interface(ci.InterfaceIndex)
		if err != nil {
			t.Fatal(err)
		}
		c := captured{dev: intf.Name, pkt: gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)}
		if opts.Flags != nil {
			c.dir = map[pcapgo.NgEpbFlag]string{pcapgo.NgEpbFlagDirectionInbound: "in", pcapgo.NgEpbFlagDirectionOutbound: "out"}[opts.Flags.Direction]
		}
		out = append(out, c)
	}
}

// TestIntegrationCaptureVRF runs `govrf capture vrf a -w FILE` while A1
// and B1 each ping across their company once (the same addresses, told
// apart by their payload patterns), then interrupts it: the file holds
// A1's echo request and reply as they entered and left VRF a's ports,
// each port an interface of its own with the direction in the flags,
// and nothing of company B; gopacket and tcpdump both read it. Then
// `capture dev ra1 count 1` ends by itself after one frame.
func TestIntegrationCaptureVRF(t *testing.T) {
	tp := newTopo(t)
	tp.warm()
	file := filepath.Join(t.TempDir(), "a.pcapng")
	cmd, lines := tp.capturing("vrf", "a", "-w", file)
	tp.ping("B1", "-c", "1", "-W", "2", "-p", "b1b1", "192.168.2.10")
	if out, ok := tp.ping("A1", "-c", "1", "-W", "2", "-p", "a1a1", "192.168.2.10"); !ok {
		t.Fatalf("ping A1 → A2:\n%s", out)
	}
	time.Sleep(500 * time.Millisecond) // the last frames reach the client
	cmd.Process.Signal(syscall.SIGINT)
	if rest := ended(t, cmd, lines); !strings.Contains(rest, "frames captured, 0 dropped") {
		t.Errorf("govrf capture ended with %q, want its count", rest)
	}
	type rec struct{ dev, dir, icmp string }
	var got []rec
	for _, c := range readCapture(t, file) {
		icmp, _ := c.pkt.Layer(layers.LayerTypeICMPv4).(*layers.ICMPv4)
		switch {
		case icmp != nil && bytes.Contains(icmp.Payload, []byte{0xb1, 0xb1, 0xb1}):
			t.Errorf("the capture of VRF a holds company B's ping: %s %s %v", c.dev, c.dir, c.pkt)
		case icmp != nil && bytes.Contains(icmp.Payload, []byte{0xa1, 0xa1, 0xa1}):
			got = append(got, rec{c.dev, c.dir, icmp.TypeCode.String()})
		}
	}
	want := []rec{{"ra1", "in", "EchoRequest"}, {"ra2", "out", "EchoRequest"}, {"ra2", "in", "EchoReply"}, {"ra1", "out", "EchoReply"}}
	if len(got) != len(want) {
		t.Fatalf("A1's ping in the capture: %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("frame %d of A1's ping: %v, want %v", i, got[i], want[i])
		}
	}
	out, err := exec.Command("tcpdump", "-n", "-r", file).CombinedOutput()
	if err != nil || bytes.Count(out, []byte("ICMP echo")) < 4 {
		t.Errorf("tcpdump -r of the capture: %v\n%s\nwant A1's ping", err, out)
	}

	one := filepath.Join(t.TempDir(), "one.pcapng")
	cmd, lines = tp.capturing("dev", "ra1", "count", "1", "-w", one)
	tp.ping("A1", "-c", "1", "-W", "2", "192.168.2.10")
	if rest := ended(t, cmd, lines); !strings.Contains(rest, "1 frames captured") {
		t.Errorf("govrf capture count 1 ended with %q", rest)
	}
	if got := readCapture(t, one); len(got) != 1 || got[0].dev != "ra1" {
		t.Errorf("capture dev ra1 count 1 wrote %d frames (%v), want one of ra1", len(got), got)
	}
}

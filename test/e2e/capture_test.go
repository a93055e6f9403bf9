package e2e

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// needTool skips the test when the program is missing, unless CI=true,
// where scripts/test.sh should have installed it and the test fails.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed", name)
		}
		t.Skipf("needs %s", name)
	}
}

// capture is tcpdump running on a host's eth0, writing pcap to out.
type capture struct {
	host   string
	cmd    *exec.Cmd
	out    bytes.Buffer
	stderr bytes.Buffer
	done   chan struct{}
}

// startCapture runs tcpdump on host's eth0 with filter and returns once
// it says it is listening, so that nothing sent afterwards escapes it.
// --immediate-mode hands every frame to tcpdump as it arrives (TPACKET_V3
// would otherwise hold it in a block that a SIGINT abandons), -U writes
// it at once, -w - to stdout as pcap.
func (tp *topo) startCapture(host, filter string) *capture {
	tp.t.Helper()
	return tp.startCaptureOn(host, "eth0", filter)
}

// startCaptureOn is startCapture on host's interface dev.
func (tp *topo) startCaptureOn(host, dev, filter string) *capture {
	tp.t.Helper()
	c := &capture{host: host, done: make(chan struct{})}
	c.cmd = tp.in(host, "tcpdump", "-i", dev, "-n", "--immediate-mode", "-U", "-w", "-", filter)
	c.cmd.Stdout = &c.out
	stderr, err := c.cmd.StderrPipe()
	if err != nil {
		tp.t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		tp.t.Fatalf("starting tcpdump in %s: %v", host, err)
	}
	listening := make(chan bool, 1)
	go func() {
		r := bufio.NewReader(stderr)
		said := false
		for {
			line, err := r.ReadString('\n')
			c.stderr.WriteString(line)
			if !said && strings.Contains(line, "listening on") {
				said = true
				listening <- true
			}
			if err != nil {
				break
			}
		}
		if !said {
			listening <- false
		}
		c.cmd.Wait()
		close(c.done)
	}()
	tp.t.Cleanup(func() {
		c.cmd.Process.Kill()
		<-c.done
	})
	select {
	case ok := <-listening:
		if !ok {
			<-c.done
			tp.t.Fatalf("tcpdump in %s exited: %s", host, c.stderr.String())
		}
	case <-time.After(5 * time.Second):
		tp.t.Fatalf("tcpdump in %s did not start listening within 5 s", host)
	}
	return c
}

// stop ends tcpdump with SIGINT, which flushes what it captured, and
// returns the frames.
func (c *capture) stop(t *testing.T) [][]byte {
	t.Helper()
	c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.done:
	case <-time.After(5 * time.Second):
		t.Fatalf("tcpdump in %s did not exit within 5 s of SIGINT", c.host)
	}
	frames, err := readPcap(c.out.Bytes())
	if err != nil {
		t.Fatalf("reading tcpdump's capture in %s: %v\n%s", c.host, err, c.stderr.String())
	}
	return frames
}

// readPcap returns the frames of a pcap file (the classic format
// tcpdump -w writes, in either byte order and timestamp precision).
func readPcap(b []byte) ([][]byte, error) {
	if len(b) < 24 {
		return nil, fmt.Errorf("%d octets, shorter than a pcap header", len(b))
	}
	var order binary.ByteOrder
	switch magic := binary.LittleEndian.Uint32(b); magic {
	case 0xa1b2c3d4, 0xa1b23c4d:
		order = binary.LittleEndian
	case 0xd4c3b2a1, 0x4d3cb2a1:
		order = binary.BigEndian
	default:
		return nil, fmt.Errorf("magic %#x is not pcap's", magic)
	}
	if lt := order.Uint32(b[20:]); lt != 1 {
		return nil, fmt.Errorf("link type %d, want Ethernet (1)", lt)
	}
	var frames [][]byte
	for b = b[24:]; len(b) > 0; {
		if len(b) < 16 {
			return nil, fmt.Errorf("a record header cut short")
		}
		n := int(order.Uint32(b[8:]))
		if len(b) < 16+n {
			return nil, fmt.Errorf("a record of %d octets cut short", n)
		}
		frames = append(frames, b[16:16+n])
		b = b[16+n:]
	}
	return frames, nil
}

// echoFilter selects ICMP and ICMPv6 echo requests and replies.
const echoFilter = "icmp[icmptype] == icmp-echo or icmp[icmptype] == icmp-echoreply or (icmp6 and (ip6[40] == 128 or ip6[40] == 129))"

// echoMark returns the pattern octet that fills the end of an echo
// request or reply in frame (ping -p), and whether frame is one; v6
// says which family.
func echoMark(f []byte) (mark byte, v6, ok bool) {
	if len(f) < 14 {
		return 0, false, false
	}
	var icmp []byte
	switch binary.BigEndian.Uint16(f[12:]) {
	case 0x0800:
		ip := f[14:]
		if len(ip) < 20 || ip[9] != 1 || len(ip) < int(ip[0]&0xf)*4 {
			return 0, false, false
		}
		icmp = ip[int(ip[0]&0xf)*4:]
		if len(icmp) < 8 || icmp[0] != 8 && icmp[0] != 0 {
			return 0, false, false
		}
	case 0x86dd:
		ip := f[14:]
		if len(ip) < 40 || ip[6] != 58 {
			return 0, false, false
		}
		icmp, v6 = ip[40:], true
		if len(icmp) < 8 || icmp[0] != 128 && icmp[0] != 129 {
			return 0, false, false
		}
	default:
		return 0, false, false
	}
	// ping's data is a 16-octet timestamp, then the pattern.
	tail := icmp[8+16:]
	if len(tail) == 0 {
		return 0, v6, true
	}
	for _, o := range tail {
		if o != tail[0] {
			return 0, v6, true
		}
	}
	return tail[0], v6, true
}

// hostMAC returns the MAC address of host's eth0.
func (tp *topo) hostMAC(host string) string {
	tp.t.Helper()
	out, err := tp.in(host, "cat", "/sys/class/net/eth0/address").Output()
	if err != nil {
		tp.t.Fatalf("reading %s's MAC address: %v", host, err)
	}
	return strings.TrimSpace(string(out))
}

// portMACs returns govrf's MAC address of each link.
func (tp *topo) portMACs() map[string]string {
	tp.t.Helper()
	var links []struct{ Ifname, Address string }
	if err := json.Unmarshal([]byte(tp.govrf("-j link show")), &links); err != nil {
		tp.t.Fatalf("govrf -j link show: %v", err)
	}
	macs := map[string]string{}
	for _, l := range links {
		macs[l.Ifname] = l.Address
	}
	return macs
}

// company is one side of the seed topology as a capture sees it: the
// addresses being the same on both sides, its frames are told by MAC
// address (its hosts' and govrf's ports'), its echoes also by the
// pattern its pings fill them with (ping -p).
type company struct {
	name string
	macs map[string]bool
	mark byte
}

// tally counts the echoes of own among frames captured on host, IPv4 and
// IPv6, and fails the test for every frame of foreign.
func tally(t *testing.T, host string, frames [][]byte, own, foreign company) (v4, v6 int) {
	t.Helper()
	for _, f := range frames {
		if len(f) < 14 {
			continue
		}
		dst, src := macString(f[0:6]), macString(f[6:12])
		if foreign.macs[src] || foreign.macs[dst] {
			t.Errorf("%s captured a frame of company %s: %s → %s, EtherType %#04x", host, foreign.name, src, dst, binary.BigEndian.Uint16(f[12:]))
			continue
		}
		switch m, v6Echo, ok := echoMark(f); {
		case !ok:
		case m == foreign.mark:
			t.Errorf("%s captured an echo of company %s: %s → %s, IPv6 %v", host, foreign.name, src, dst, v6Echo)
		case m == own.mark && v6Echo:
			v6++
		case m == own.mark:
			v4++
		}
	}
	return v4, v6
}

// TestIntegrationCaptureIsolation runs tcpdump on every host while A1
// pings A2 and B1 pings B2, IPv4 and IPv6 at once, to the same
// addresses. Each host must capture its own company's echoes, every
// one of them, and not one frame of the other company's: not an echo,
// not a neighbour message, not a multicast. (The hosts' neighbour
// traffic with govrf is their own company's.) Each VRF's neighbour table
// must then hold its own hosts' MACs only.
func TestIntegrationCaptureIsolation(t *testing.T) {
	needTool(t, "tcpdump")
	tp := newTopo(t)
	tp.warm()
	ports := tp.portMACs()
	cos := map[string]*company{"A": {name: "A", macs: map[string]bool{}, mark: 0xa1}, "B": {name: "B", macs: map[string]bool{}, mark: 0xb2}}
	for _, s := range sites {
		co := cos[s.name[:1]]
		co.macs[tp.hostMAC(s.name)] = true
		co.macs[ports[s.port]] = true
	}
	other := map[string]string{"A": "B", "B": "A"}
	caps := map[string]*capture{}
	for _, s := range sites {
		var ether []string
		for m := range cos[other[s.name[:1]]].macs {
			ether = append(ether, "ether host "+m)
		}
		caps[s.name] = tp.startCapture(s.name, echoFilter+" or "+strings.Join(ether, " or "))
	}

	const count = 5
	var wg sync.WaitGroup
	for _, from := range []string{"A1", "B1"} {
		for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				p := fmt.Sprintf("%x", cos[from[:1]].mark)
				if out, ok := tp.ping(from, "-c", fmt.Sprint(count), "-i", "0.2", "-W", "2", "-p", p, dst); !ok {
					t.Errorf("ping -p %s %s from %s failed:\n%s", p, dst, from, out)
				}
			}()
		}
	}
	wg.Wait()

	for _, s := range sites {
		own, foreign := cos[s.name[:1]], cos[other[s.name[:1]]]
		v4, v6 := tally(t, s.name, caps[s.name].stop(t), *own, *foreign)
		// Requests and replies, both families.
		if got, want := [2]int{v4, v6}, [2]int{2 * count, 2 * count}; got != want {
			t.Errorf("%s captured (IPv4, IPv6) %v echoes of company %s, want %v", s.name, got, own.name, want)
		}
	}

	for _, vrf := range []string{"a", "b"} {
		co := cos[strings.ToUpper(vrf)]
		var entries []struct{ Dst, Dev, Lladdr string }
		out := tp.govrf("-j neigh show vrf " + vrf)
		if err := json.Unmarshal([]byte(out), &entries); err != nil {
			t.Fatalf("govrf -j neigh show vrf %s: %v\n%s", vrf, err, out)
		}
		seen := map[string]bool{}
		for _, e := range entries {
			if e.Lladdr != "" && !co.macs[e.Lladdr] {
				t.Errorf("neigh show vrf %s lists %s lladdr %s dev %s, not a host of company %s", vrf, e.Dst, e.Lladdr, e.Dev, co.name)
			}
			seen[e.Dst] = true
		}
		for _, dst := range []string{"192.168.1.10", "192.168.2.10", "2001:db8:1::10", "2001:db8:2::10"} {
			if !seen[dst] {
				t.Errorf("neigh show vrf %s lacks %s:\n%s", vrf, dst, out)
			}
		}
	}
}

// macString formats a MAC address as the kernel and govrf print it.
func macString(b []byte) string {
	return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5])
}

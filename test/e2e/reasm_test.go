package e2e

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/netnstest"
)

// ncListen runs `nc -u -l` on port (IPv6 if v6) in VRF vrf's host stack
// with `govrf vrf exec` and returns what it prints: the datagrams it
// receives.
func (tp *topo) ncListen(vrf string, v6 bool, port string) *netnstest.Buffer {
	tp.t.Helper()
	args := []string{"vrf", "exec", vrf, "--", "nc", "-u", "-l"}
	if v6 {
		args = append(args, "-6")
	}
	nc := tp.client(append(args, port)...)
	out := &netnstest.Buffer{}
	nc.Stdout, nc.Stderr = out, os.Stderr
	if err := nc.Start(); err != nil {
		tp.t.Fatal(err)
	}
	tp.t.Cleanup(func() { nc.Process.Kill(); nc.Wait() })
	return out
}

// sendTo sends msg from host to raddr over UDP, from one socket, until
// out holds it (the listener may not be up yet), for 5 s at most.
func (tp *topo) sendTo(host, raddr string, msg []byte, out *netnstest.Buffer) error {
	tp.t.Helper()
	c, err := tp.dialFrom(host, "udp", "", raddr)
	if err != nil {
		return err
	}
	defer c.Close()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		// Until the listener is up, port unreachable comes back, and the
		// next write reports it.
		if _, err := c.Write(msg); err != nil && !errors.Is(err, unix.ECONNREFUSED) {
			return err
		}
		time.Sleep(200 * time.Millisecond)
		if got := out.Bytes(); len(got) > 0 {
			if !bytes.HasPrefix(got, msg) {
				return fmt.Errorf("the listener got %d octets that are not the datagram", len(got))
			}
			return nil
		}
	}
	return fmt.Errorf("no datagram of %d octets reached the listener", len(msg))
}

// udpEchoPy is a UDP echo server for any size of datagram, run with
// /usr/bin/python3 -c under `govrf vrf exec`: family ("4" or "6") and
// port as arguments; it prints "ready" once bound.
const udpEchoPy = `import socket, sys
s = socket.socket(socket.AF_INET6 if sys.argv[1] == "6" else socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("", int(sys.argv[2])))
print("ready", flush=True)
while True:
    d, a = s.recvfrom(65535)
    s.sendto(d, a)
`

// bigEcho runs udpEchoPy on port in VRF vrf's host stack.
func (tp *topo) bigEcho(vrf string, v6 bool, port string) {
	tp.t.Helper()
	fam := "4"
	if v6 {
		fam = "6"
	}
	srv := tp.client("vrf", "exec", vrf, "--", "/usr/bin/python3", "-c", udpEchoPy, fam, port)
	out := &netnstest.Buffer{}
	srv.Stdout, srv.Stderr = out, os.Stderr
	if err := srv.Start(); err != nil {
		tp.t.Fatal(err)
	}
	tp.t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	for deadline := time.Now().Add(5 * time.Second); !bytes.Contains(out.Bytes(), []byte("ready")); {
		if time.Now().After(deadline) {
			tp.t.Fatalf("the UDP echo server under vrf exec %s did not start", vrf)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestIntegrationReassembly: fragmented datagrams to the router's own
// addresses are reassembled in their VRF, as Linux reassembles them: a
// 3000-octet ping to the router answered from A1 and from B1 (identical
// addresses, two VRFs) in both families, without and with a host stack;
// a 3000-octet UDP datagram reaches `nc -u -l` under `govrf vrf exec a`,
// and, with udp_l3mdev_accept, a listener of the default VRF, whose
// 3000-octet answer, fragmented by the default stack, comes back by VRF a.
func TestIntegrationReassembly(t *testing.T) {
	tp := newTopo(t)
	tp.warm()
	pingBig := func(phase string) {
		for _, h := range []string{"A1", "B1"} {
			for _, dst := range []string{"192.168.1.1", "2001:db8:1::1"} {
				out, err := tp.in(h, "ping", "-c", "3", "-i", "0.2", "-s", "3000", "-W", "2", dst).CombinedOutput()
				if err != nil || !strings.Contains(string(out), " 3 received") {
					t.Errorf("%s: %s ping -s 3000 %s: %v\n%s", phase, h, dst, err, out)
				}
			}
		}
	}
	pingBig("no host stack for a or b")

	msg := bytes.Repeat([]byte("0123456789abcdef"), 188)[:3000]
	for _, c := range []struct {
		v6     bool
		port   string
		server string
	}{{false, "5001", "192.168.1.1:5001"}, {true, "5002", "[2001:db8:1::1]:5002"}} {
		out := tp.ncListen("a", c.v6, c.port)
		if err := tp.sendTo("A1", c.server, msg, out); err != nil {
			t.Errorf("A1 → udp %s under vrf exec a: %v", c.server, err)
		}
	}
	pingBig("a host stack for a")

	tp.configure("sysctl -w net.ipv4.udp_l3mdev_accept=1")
	for _, c := range []struct {
		v6     bool
		port   string
		server string
	}{{false, "5003", "192.168.1.1:5003"}, {true, "5004", "[2001:db8:1::1]:5004"}} {
		out := tp.ncListen("default", c.v6, c.port)
		if err := tp.sendTo("A1", c.server, msg, out); err != nil {
			t.Errorf("A1 → udp %s, udp_l3mdev_accept=1, listener of the default VRF: %v", c.server, err)
		}
	}
	for _, c := range []struct {
		v6     bool
		port   string
		server string
	}{{false, "5005", "192.168.1.1:5005"}, {true, "5006", "[2001:db8:1::1]:5006"}} {
		tp.bigEcho("default", c.v6, c.port)
		u, err := tp.dialFrom("A1", "udp", "", c.server)
		if err != nil {
			t.Fatal(err)
		}
		defer u.Close()
		buf := make([]byte, 4096)
		n := 0
		for range 3 {
			u.SetDeadline(time.Now().Add(time.Second))
			if _, err = u.Write(msg); err == nil {
				n, err = u.Read(buf)
			}
			if err == nil {
				break
			}
		}
		if err != nil || !bytes.Equal(buf[:n], msg) {
			t.Errorf("A1 → udp %s, udp_l3mdev_accept=1, echo of the default VRF: %d octets back, %v; want the 3000 sent", c.server, n, err)
		}
	}
}

package e2e

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// echoEnv makes the test binary an echo server (TestMain) on the port it
// names, TCP and UDP, every family: each TCP line and each datagram goes
// back to its sender. It prints "ready" once it listens.
const echoEnv = "GOVRF_E2E_ECHO"

// echoServe runs the echo server until killed, and returns an exit code
// if it cannot listen.
func echoServe(port string) int {
	ln, err := net.Listen("tcp", ":"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	pc, err := net.ListenPacket("udp", ":"+port)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("ready")
	go func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			pc.WriteTo(buf[:n], from)
		}
	}()
	for {
		c, err := ln.Accept()
		if err != nil {
			return 1
		}
		go func() {
			defer c.Close()
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return
				}
				c.Write([]byte(line))
			}
		}()
	}
}

// startEcho runs the echo server on port in VRF vrf's host stack with
// `govrf vrf exec` and waits until it listens.
func (tp *topo) startEcho(vrf, port string) {
	tp.t.Helper()
	self, err := os.Executable()
	if err != nil {
		tp.t.Fatal(err)
	}
	// The client must not be the server: env(1) gives the variable to
	// the command alone.
	srv := tp.client("vrf", "exec", vrf, "--", "env", echoEnv+"="+port, self)
	out, err := srv.StdoutPipe()
	if err != nil {
		tp.t.Fatal(err)
	}
	srv.Stderr = os.Stderr
	if err := srv.Start(); err != nil {
		tp.t.Fatal(err)
	}
	tp.t.Cleanup(func() { srv.Process.Kill(); srv.Wait() })
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line
		io.Copy(io.Discard, out)
	}()
	select {
	case line := <-ready:
		if line != "ready\n" {
			tp.t.Fatalf("echo server under vrf exec %s said %q, want ready", vrf, line)
		}
	case <-time.After(5 * time.Second):
		tp.t.Fatalf("echo server under vrf exec %s did not start", vrf)
	}
}

// dialFrom connects from host over network, from local address laddr
// (empty: any) to raddr.
func (tp *topo) dialFrom(host, network, laddr, raddr string) (net.Conn, error) {
	d := net.Dialer{Timeout: 2 * time.Second}
	var err error
	if laddr != "" {
		switch network {
		case "tcp":
			d.LocalAddr, err = net.ResolveTCPAddr(network, laddr)
		case "udp":
			d.LocalAddr, err = net.ResolveUDPAddr(network, laddr)
		}
		if err != nil {
			return nil, err
		}
	}
	var c net.Conn
	tp.inNS(host, func() { c, err = d.Dial(network, raddr) })
	return c, err
}

// exchange writes msg on c and returns what comes back.
func exchange(c net.Conn, msg string) (string, error) {
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte(msg)); err != nil {
		return "", err
	}
	buf := make([]byte, 512)
	n, err := c.Read(buf)
	return string(buf[:n]), err
}

// TestIntegrationAccept: with tcp_l3mdev_accept and udp_l3mdev_accept,
// one server in the default VRF serves A1 and B1 at the same time from
// identical addresses and ports, in both families, each answer reaching
// its own host; with 0 it serves neither, whose VRFs' own stacks refuse.
func TestIntegrationAccept(t *testing.T) {
	tp := newTopo(t)
	tp.warm()
	tp.startEcho("default", "5000")

	targets := []struct{ family, server, client string }{
		{"IPv4", "192.168.1.1:5000", "192.168.1.10"},
		{"IPv6", "[2001:db8:1::1]:5000", "2001:db8:1::10"},
	}
	refused := func(phase string) {
		for _, h := range []string{"A1", "B1"} {
			for _, tg := range targets {
				if c, err := tp.dialFrom(h, "tcp", "", tg.server); !errors.Is(err, unix.ECONNREFUSED) {
					t.Errorf("%s: %s → tcp %s: %v, want connection refused", phase, h, tg.server, err)
					if c != nil {
						c.Close()
					}
				}
				u, err := tp.dialFrom(h, "udp", "", tg.server)
				if err != nil {
					t.Fatal(err)
				}
				if _, err := exchange(u, "x"); !errors.Is(err, unix.ECONNREFUSED) {
					t.Errorf("%s: %s → udp %s: %v, want connection refused (port unreachable)", phase, h, tg.server, err)
				}
				u.Close()
			}
		}
	}
	refused("l3mdev_accept 0")

	tp.configure("sysctl -w net.ipv4.tcp_l3mdev_accept=1", "sysctl -w net.ipv4.udp_l3mdev_accept=1")
	port := 40000
	for _, tg := range targets {
		for _, network := range []string{"tcp", "udp"} {
			port++
			local := net.JoinHostPort(tg.client, fmt.Sprint(port))
			// Both connections open before either speaks.
			conns := map[string]net.Conn{}
			for _, h := range []string{"A1", "B1"} {
				c, err := tp.dialFrom(h, network, local, tg.server)
				if err != nil {
					t.Fatalf("%s → %s %s from %s: %v", h, network, tg.server, local, err)
				}
				defer c.Close()
				conns[h] = c
			}
			var wg sync.WaitGroup
			for h, c := range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					msg := fmt.Sprintf("%s over %s %s\n", h, tg.family, network)
					if got, err := exchange(c, msg); err != nil || got != msg {
						t.Errorf("%s → %s %s from %s: echo %q, %v; want %q", h, network, tg.server, local, got, err, msg)
					}
				}()
			}
			wg.Wait()
		}
	}

	tp.configure("sysctl -w net.ipv4.tcp_l3mdev_accept=0", "sysctl -w net.ipv4.udp_l3mdev_accept=0")
	refused("l3mdev_accept back to 0")
	if out := tp.must("nsenter", "--net="+filepath.Join(tp.netnsDir, "govrf-default"), "ip", "addr"); strings.Contains(out, "192.168.1.1") {
		t.Errorf("the default stack still carries VRF addresses with l3mdev_accept 0:\n%s", out)
	}
}

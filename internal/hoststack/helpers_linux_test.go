package hoststack

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/netip"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/header"
)

const waitLimit = 2 * time.Second

// needRoot skips a privileged test when not root, unless CI=true, where
// it fails.
func needRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("integration test needs root")
		}
		t.Skip("integration test needs root")
	}
}

// testVRF returns a VRF name no other test run uses: every run shares
// /run/netns.
func testVRF() string {
	b := make([]byte, 3)
	rand.Read(b)
	return "hs" + hex.EncodeToString(b)
}

// create makes a stack for a fresh VRF and removes it when the test ends.
func create(t testing.TB, cfg Config) *Stack {
	t.Helper()
	needRoot(t)
	if cfg.VRF == "" {
		cfg.VRF = testVRF()
	}
	s, err := Create(cfg)
	if err != nil {
		if errors.Is(err, unix.EPERM) && os.Getenv("CI") != "true" {
			t.Skipf("Create(%+v) = %v", cfg, err)
		}
		t.Fatalf("Create(%+v) = %v", cfg, err)
	}
	t.Cleanup(func() {
		s.Close()
		if _, err := os.Stat(s.Path()); err == nil { // replaced by a test
			ip(t, "netns", "del", s.Name())
		}
	})
	return s
}

// mustSync calls s.Sync and fails the test on an error.
func mustSync(t testing.TB, s *Stack, addrs []netip.Prefix, routes []Route) {
	t.Helper()
	if err := s.Sync(addrs, routes); err != nil {
		t.Fatalf("Sync(%v, %v) = %v", addrs, routes, err)
	}
}

// ip runs ip(8) and returns its output; a failure fails the test.
func ip(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// inNS runs f on a thread of its own in the namespace at path and waits
// for it. Sockets f opens stay in the namespace.
func inNS(t *testing.T, path string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: Go discards the thread
		if err := setns(path); err != nil {
			t.Errorf("setns(%s) = %v", path, err)
			return
		}
		f()
	}()
	<-done
}

// readMatching reads from s until a packet satisfies match and returns
// it, failing the test after waitLimit.
func readMatching(t *testing.T, s *Stack, match func([]byte) bool) []byte {
	t.Helper()
	bufs, sizes := [][]byte{make([]byte, 2048)}, []int{0}
	for deadline := time.Now().Add(waitLimit); time.Now().Before(deadline); {
		n, err := s.TryReadBatch(bufs, sizes, 0)
		if err != nil {
			t.Fatalf("TryReadBatch() = %v", err)
		}
		if n == 0 {
			time.Sleep(time.Millisecond)
			continue
		}
		if pkt := bufs[0][:sizes[0]]; match(pkt) {
			return pkt
		}
	}
	t.Fatalf("no matching packet within %v", waitLimit)
	return nil
}

// udpPacket builds an IPv4 or IPv6 packet carrying a UDP datagram.
func udpPacket(src, dst netip.AddrPort, payload string) []byte {
	u := make(header.UDP, header.UDPLen+len(payload))
	u.SetSrcPort(src.Port())
	u.SetDstPort(dst.Port())
	u.SetLength(uint16(len(u)))
	copy(u.Payload(), payload)
	u.SetChecksum(u.CalculateChecksum(src.Addr(), dst.Addr()))
	return ipPacket(src.Addr(), dst.Addr(), header.ProtoUDP, u)
}

// ipPacket puts l4 behind an IPv4 or IPv6 header.
func ipPacket(src, dst netip.Addr, proto uint8, l4 []byte) []byte {
	if src.Is4() {
		h := make(header.IPv4, header.IPv4MinLen)
		h.Encode(&header.IPv4Fields{TotalLength: uint16(len(h) + len(l4)), TTL: 64, Protocol: proto, Src: src, Dst: dst})
		return append(h, l4...)
	}
	h := make(header.IPv6, header.IPv6Len)
	h.Encode(&header.IPv6Fields{PayloadLength: uint16(len(l4)), NextHeader: proto, HopLimit: 64, Src: src, Dst: dst})
	return append(h, l4...)
}

// udpOf returns the addresses and payload of pkt if it is a UDP packet.
func udpOf(pkt []byte) (src, dst netip.AddrPort, payload string, ok bool) {
	var l4 []byte
	var s, d netip.Addr
	switch {
	case len(pkt) >= header.IPv4MinLen && pkt[0]>>4 == 4 && header.IPv4(pkt).Protocol() == header.ProtoUDP:
		h := header.IPv4(pkt)
		s, d, l4 = h.Src(), h.Dst(), h.Payload()
	case len(pkt) >= header.IPv6Len && pkt[0]>>4 == 6 && header.IPv6(pkt).NextHeader() == header.ProtoUDP:
		h := header.IPv6(pkt)
		s, d, l4 = h.Src(), h.Dst(), pkt[header.IPv6Len:]
	default:
		return src, dst, "", false
	}
	u := header.UDP(l4)
	if u.Validate() != header.ReasonNone {
		return src, dst, "", false
	}
	return netip.AddrPortFrom(s, u.SrcPort()), netip.AddrPortFrom(d, u.DstPort()), string(u.Payload()), true
}

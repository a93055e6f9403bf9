package packet

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/netnstest"
	"github.com/govrf/govrf/internal/port"
)

// TestIntegrationForwardTCP runs a TCP stream between two namespaces
// through two ports that forward each other's frames, as a bridge
// would: the reader cuts the sender's super-frames, the writer merges
// the segments again. The stream must arrive whole and in order, in far
// fewer messages than segments. Without offloads, the last hop has no
// TSO and no checksum offload and the receiving end no receive checksum
// offload: the kernel refuses the writer's super-frames, the writer
// falls back to sending segments, and the receiving TCP checks every
// checksum.
func TestIntegrationForwardTCP(t *testing.T) {
	for _, tt := range []struct {
		name       string
		v6         bool
		noOffloads bool
	}{
		{"ipv4", false, false},
		{"ipv6", true, false},
		{"ipv4 no offloads", false, true},
		{"ipv6 no offloads", true, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			netnstest.Enter(t)
			tid1, run1 := peerNamespace(t)
			tid2, run2 := peerNamespace(t)
			addr1, addr2 := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
			if tt.v6 {
				addr1, addr2 = netip.MustParseAddr("2001:db8::1"), netip.MustParseAddr("2001:db8::2")
			}
			for i, tid := range []int{tid1, tid2} {
				n := strconv.Itoa(i + 1)
				netnstest.IP(t, "link", "add", "va"+n, "type", "veth", "peer", "name", "vb"+n)
				netnstest.IP(t, "link", "set", "vb"+n, "netns", strconv.Itoa(tid))
			}
			setup := func(dev string, a netip.Addr) func() error {
				return func() error {
					for _, c := range [][]string{{"link", "set", "lo", "up"}, {"link", "set", dev, "up"},
						{"addr", "add", netip.PrefixFrom(a, a.BitLen()-8).String(), "dev", dev, "nodad"}} {
						if _, err := netnstest.TryIP(c...); err != nil {
							return err
						}
					}
					return nil
				}
			}
			if err := errors.Join(run1(setup("vb1", addr1)), run2(setup("vb2", addr2))); err != nil {
				t.Fatal(err)
			}
			if tt.noOffloads {
				err := errors.Join(setOffload("va2", ethtoolSTSO, false), setOffload("va2", ethtoolSTXCSUM, false),
					run2(func() error { return setOffload("vb2", ethtoolSRXCSUM, false) }))
				if err != nil {
					t.Fatal(err)
				}
			}
			p1, p2 := open(t, "va1", Config{Quiesce: true}), open(t, "va2", Config{Quiesce: true})
			netnstest.IP(t, "link", "set", "va1", "up")
			netnstest.IP(t, "link", "set", "va2", "up")
			var wg sync.WaitGroup
			wg.Add(2)
			go func() { defer wg.Done(); forward(p1, p2) }()
			go func() { defer wg.Done(); forward(p2, p1) }()
			stopped := false
			stop := func() {
				if !stopped {
					stopped = true
					p1.Close()
					p2.Close()
					wg.Wait()
				}
			}
			defer stop()

			var ln net.Listener
			if err := run2(func() (err error) {
				ln, err = net.Listen("tcp", netip.AddrPortFrom(addr2, 0).String())
				return err
			}); err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			sent := make([]byte, 16<<20)
			for i := range sent {
				sent[i] = byte(i*7 + i>>10)
			}
			received := make(chan []byte, 1)
			go func() {
				var b bytes.Buffer
				if c, err := ln.Accept(); err == nil {
					c.SetReadDeadline(time.Now().Add(10 * waitLimit))
					io.Copy(&b, c)
					c.Close()
				}
				received <- b.Bytes()
			}()
			if err := run1(func() error {
				c, err := net.DialTimeout("tcp", ln.Addr().String(), waitLimit)
				if err != nil {
					return err
				}
				defer c.Close()
				c.SetWriteDeadline(time.Now().Add(10 * waitLimit))
				_, err = c.Write(sent)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			got := <-received
			stop()
			if !bytes.Equal(got, sent) {
				t.Fatalf("received %d octets, not the %d sent", len(got), len(sent))
			}
			st := p2.Stats()
			if st.TxErrors != 0 || st.TxDropped != 0 {
				t.Errorf("forwarding port Stats() = %+v, want no errors or drops", st)
			}
			// A 16 MiB stream is 11,000 segments and more.
			if merged := p2.tx.sent*8 < st.TxPackets; merged == tt.noOffloads {
				t.Errorf("%d frames forwarded in %d messages; want fewer than one in 8: %v", st.TxPackets, p2.tx.sent, !tt.noOffloads)
			}
			t.Logf("%d frames forwarded in %d messages, %d batches paused", st.TxPackets, p2.tx.sent, p2.tx.pause)
		})
	}
}

// forward copies the frames p reads to q until p is closed.
func forward(p, q port.Port) {
	bufs, sizes := buffers(p.BatchSize()), make([]int, p.BatchSize())
	out := make([][]byte, len(bufs))
	for {
		n, err := p.Read(bufs, sizes, offset)
		if err != nil {
			return
		}
		for i := range n {
			out[i] = bufs[i][:offset+sizes[i]]
		}
		if _, err := q.Write(out[:n], offset); err != nil {
			return
		}
	}
}

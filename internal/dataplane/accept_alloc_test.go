package dataplane

import (
	"net/netip"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/fib"
	"github.com/govrf/govrf/internal/header"
	"github.com/govrf/govrf/internal/neigh"
	"github.com/govrf/govrf/internal/port/mem"
)

// replayStack is a host stack that allocates nothing: it takes every
// packet without keeping it, and sends its batch each time it is armed.
type replayStack struct {
	batch     [][]byte
	armed     bool
	took      int
	listening bool
}

func (s *replayStack) Write(pkt []byte) (int, error) { s.took++; return len(pkt), nil }
func (s *replayStack) Close() error                  { return nil }
func (s *replayStack) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	return s.TryRead(bufs, sizes, offset)
}

func (s *replayStack) TryRead(bufs [][]byte, sizes []int, offset int) (int, error) {
	if !s.armed {
		return 0, nil
	}
	s.armed = false
	n := min(len(bufs), len(s.batch))
	for i := range n {
		sizes[i] = copy(bufs[i][offset:], s.batch[i])
	}
	return n, nil
}

func (s *replayStack) HasListener(uint8, netip.Addr, uint16) (bool, error) { return s.listening, nil }

// TestAcceptAllocs proves an accepted flow's packets cost no allocation
// once it is open, both ways, the rewritten client port included: VRFs a
// and b each send a segment of their flow to the default stack, which
// answers both.
func TestAcceptAllocs(t *testing.T) {
	for _, fam := range acceptFamilies {
		t.Run(fam.name, func(t *testing.T) {
			ctl := control.New()
			must := func(err error) {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
			}
			up := true
			for i, v := range []string{"a", "b"} {
				port := "r" + v + "1"
				must(ctl.AddLink(control.LinkSpec{Name: v, Kind: control.KindVRF, Table: fib.TableID(10 * (i + 1))}))
				must(ctl.SetLink(v, control.LinkChange{Up: &up}))
				must(ctl.AddLink(control.LinkSpec{Name: port, Kind: control.KindDummy}))
				must(ctl.SetLink(port, control.LinkChange{Master: &v, Up: &up}))
				must(ctl.AddAddr(port, control.Addr{Prefix: netip.PrefixFrom(ip(fam.router), 24+(ip(fam.router).BitLen()-32))}, false))
			}
			must(ctl.SetSysctl("net.ipv4.tcp_l3mdev_accept", "1"))
			clock := neigh.NewManualClock(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
			dp := New(ctl, clock, Config{})
			s := ctl.Snapshot()
			far := map[string]*mem.Port{}
			for _, name := range []string{"ra1", "rb1"} {
				l := s.LinkByName(name)
				near, f := mem.Pair(mem.Config{Name: name, MAC: header.MAC(l.MAC)}, mem.Config{Name: "far-" + name, MAC: sinkMAC})
				must(dp.Attach(l.Index, near))
				must(dp.Neighbors(l.Index).Add(neigh.Static{Addr: ip(fam.client), MAC: sinkMAC, State: neigh.StatePermanent}))
				far[name] = f
			}
			dflt := &replayStack{listening: true}
			must(dp.AttachStack(0, dflt))
			for _, v := range []string{"a", "b"} {
				must(dp.AttachStack(s.LinkByName(v).Index, &replayStack{}))
			}
			clock.Advance(time.Second)
			dp.Poll()

			client := netip.AddrPortFrom(ip(fam.client), 40000)
			server := netip.AddrPortFrom(ip(fam.router), 5000)
			frame := func(port string, pkt []byte) [][]byte {
				f := make([]byte, header.EthernetLen+len(pkt))
				et := uint16(header.EtherTypeIPv4)
				if ip(fam.client).Is6() {
					et = header.EtherTypeIPv6
				}
				header.Ethernet(f).Encode(header.MAC(s.LinkByName(port).MAC), sinkMAC, et)
				copy(f[header.EthernetLen:], pkt)
				return [][]byte{f}
			}
			for _, port := range []string{"ra1", "rb1"} {
				far[port].Write(frame(port, tcpPacket(client, server, 1, header.TCPFlagSYN)), 0)
				dp.Poll()
			}
			if n := dp.stack(0).accept.flows.len(); n != 2 || dflt.took != 2 {
				t.Fatalf("%d flows, %d packets into the default stack; want 2 and 2", n, dflt.took)
			}
			ack := map[string][][]byte{}
			for _, port := range []string{"ra1", "rb1"} {
				ack[port] = frame(port, tcpPacket(client, server, 2, header.TCPFlagACK))
			}
			dflt.batch = [][]byte{
				tcpPacket(server, client, 2, header.TCPFlagACK),
				tcpPacket(server, netip.AddrPortFrom(client.Addr(), 40001), 2, header.TCPFlagACK),
			}
			bufs, sizes := [][]byte{make([]byte, 2048), make([]byte, 2048)}, make([]int, 2)
			got := 0
			step := func() {
				for _, port := range []string{"ra1", "rb1"} {
					far[port].Write(ack[port], 0)
				}
				dflt.armed = true
				dp.Poll()
				for _, port := range []string{"ra1", "rb1"} {
					n, _ := far[port].TryRead(bufs, sizes, 0)
					got += n
				}
			}
			for _, port := range []string{"ra1", "rb1"} { // the ports' announcements
				for n := 1; n > 0; n, _ = far[port].TryRead(bufs, sizes, 0) {
				}
			}
			for range 2 * mem.DefaultQueueLen {
				step()
			}
			if took, want := dflt.took, 2+2*2*mem.DefaultQueueLen; took != want || got != 2*2*mem.DefaultQueueLen {
				t.Fatalf("warm-up: %d segments into the default stack, %d out of the ports; want %d and %d", took, got, want, 2*2*mem.DefaultQueueLen)
			}
			if a := testing.AllocsPerRun(100, step); a != 0 {
				t.Errorf("%v allocations per step of four segments, want 0", a)
			}
		})
	}
}

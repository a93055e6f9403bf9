package packet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/header"
)

// frameCheck checks every frame the port delivers: no longer than the
// link carries, and, for the test's flow, a transport checksum that
// verifies. It returns the flow's transport header and payload.
type frameCheck struct {
	maxLen int
	proto  uint8
	port   uint16 // destination port of the flow
}

func (c frameCheck) check(f []byte) (l4 []byte, err error) {
	if len(f) > c.maxLen {
		return nil, fmt.Errorf("a %d-octet frame, longer than the link's %d", len(f), c.maxLen)
	}
	e := header.Ethernet(f)
	if e.Validate() != header.ReasonNone {
		return nil, nil
	}
	var src, dst netip.Addr
	var proto uint8
	switch e.PayloadType() {
	case header.EtherTypeIPv4:
		ip := header.IPv4(e.Payload())
		if ip.Validate() != header.ReasonNone {
			return nil, nil
		}
		src, dst, proto, l4 = ip.Src(), ip.Dst(), ip.Protocol(), ip.Payload()
	case header.EtherTypeIPv6:
		ip := header.IPv6(e.Payload())
		if ip.Validate() != header.ReasonNone {
			return nil, nil
		}
		src, dst, proto, l4 = ip.Src(), ip.Dst(), ip.NextHeader(), ip.Payload()
	default:
		return nil, nil
	}
	if proto != c.proto || len(l4) < 4 || binary.BigEndian.Uint16(l4[2:]) != c.port {
		return nil, nil
	}
	if header.Checksum(l4, header.PseudoHeaderChecksum(proto, src, dst, uint32(len(l4)))) != 0xffff {
		return nil, fmt.Errorf("a frame whose checksum does not verify: % x", f[:min(len(f), 80)])
	}
	return l4, nil
}

// TestIntegrationSuperFrames sends 1 MiB over TCP from a peer namespace
// across a veth, whose TSO hands the port's end super-frames: the reader
// must get wire-sized segments with valid checksums carrying the stream
// in order, with no RX error, whether its batch holds a whole super-frame
// or two buffers, so that the rest waits for the next read.
func TestIntegrationSuperFrames(t *testing.T) {
	for _, tt := range []struct {
		name  string
		v6    bool
		vlan  bool
		gro   bool // the sender segments, the port's end merges (GRO)
		batch int
	}{
		{"ipv4", false, false, false, 64},
		{"ipv6", true, false, false, 64},
		{"ipv4 vlan", false, true, false, 64},
		{"ipv4 carry-over", false, false, false, 2},
		{"ipv6 vlan carry-over", true, true, false, 2},
		{"ipv4 gro", false, false, true, 64},
		{"ipv6 gro carry-over", true, false, true, 2},
	} {
		t.Run(tt.name, func(t *testing.T) {
			local, _, run := vethAcross(t, tt.v6, tt.vlan)
			if tt.gro {
				// veth merges what it receives only with GRO on,
				// which gives it a NAPI context (veth_set_features).
				if err := run(func() error {
					return errors.Join(setOffload("vb", ethtoolSTSO, false), setOffload("vb", ethtoolSGSO, false))
				}); err != nil {
					t.Fatal(err)
				}
				if err := setOffload("va", ethtoolSGRO, true); err != nil {
					t.Fatal(err)
				}
			}
			p := open(t, "va", Config{Force: true})
			longest := witness(t, "va")
			ln, err := net.Listen("tcp", netip.AddrPortFrom(local.addr, 0).String())
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				if c, err := ln.Accept(); err == nil {
					io.Copy(io.Discard, c)
					c.Close()
				}
			}()
			var conn net.Conn
			if err := run(func() (err error) {
				conn, err = net.DialTimeout("tcp", ln.Addr().String(), waitLimit)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			defer conn.Close()

			c := frameCheck{maxLen: p.MTU() + header.EthernetLen, proto: header.ProtoTCP, port: uint16(ln.Addr().(*net.TCPAddr).Port)}
			if tt.vlan {
				c.maxLen += header.VLANTagLen
			}
			s := &stream{check: c}
			for i := range 1 << 20 {
				s.sent = append(s.sent, byte(i*7+i>>10))
			}
			bufs, sizes := buffers(tt.batch), make([]int, tt.batch)
			// Pace the sender by the reader, so the socket's queue does
			// not overflow while the test reads frame by frame.
			const chunk = 32 << 10
			for off := 0; off < len(s.sent); off += chunk {
				if _, err := conn.Write(s.sent[off : off+chunk]); err != nil {
					t.Fatal(err)
				}
				if err := s.read(p, bufs, sizes, off+chunk); err != nil {
					t.Fatalf("after writing %d octets: %v", off+chunk, err)
				}
			}
			if st := p.Stats(); st.RxErrors != 0 {
				t.Errorf("Stats() = %+v, want no RxErrors", st)
			}
			if l := longest(); l <= c.maxLen {
				t.Errorf("the longest frame on va was %d octets: the kernel sent no super-frame", l)
			}
			t.Logf("%d frames, the largest batch %d", s.frames, s.maxBatch)
		})
	}
}

// stream follows the test's TCP flow through the frames a port delivers.
type stream struct {
	check    frameCheck
	sent     []byte
	isn      uint32 // the SYN's sequence number
	syn      bool
	got      int // octets received in order
	frames   int
	maxBatch int
}

// read reads from p until want octets of the stream have arrived, or the
// time is up.
func (s *stream) read(p *Port, bufs [][]byte, sizes []int, want int) error {
	deadline := time.Now().Add(waitLimit)
	for s.got < want {
		if time.Now().After(deadline) {
			return fmt.Errorf("%d octets received in order, want %d; Stats() = %+v", s.got, want, p.Stats())
		}
		n, err := p.TryRead(bufs, sizes, offset)
		if err != nil {
			return err
		}
		s.maxBatch = max(s.maxBatch, n)
		for i := range n {
			if err := s.observe(bufs[i][offset : offset+sizes[i]]); err != nil {
				return err
			}
		}
		if n == 0 {
			time.Sleep(100 * time.Microsecond)
		}
	}
	return nil
}

func (s *stream) observe(f []byte) error {
	l4, err := s.check.check(f)
	if l4 == nil || err != nil {
		return err
	}
	s.frames++
	th := header.TCP(l4)
	if th.Validate() != header.ReasonNone {
		return fmt.Errorf("a malformed TCP segment: % x", l4)
	}
	if th.Flags()&header.TCPFlagSYN != 0 {
		s.isn, s.syn = th.Seq(), true
		return nil
	}
	data := th.Payload()
	if !s.syn || len(data) == 0 {
		return nil
	}
	// A segment starting past what arrived means one was lost or
	// reordered; an earlier start is a retransmission.
	at := int(th.Seq() - s.isn - 1)
	switch {
	case at > s.got:
		return fmt.Errorf("a segment at stream offset %d, after %d octets in order", at, s.got)
	case at+len(data) > len(s.sent):
		return fmt.Errorf("a segment at stream offset %d of %d octets, past the %d sent", at, len(data), len(s.sent))
	case !bytes.Equal(data, s.sent[at:at+len(data)]):
		return fmt.Errorf("the segment at stream offset %d differs from what was sent", at)
	}
	s.got = max(s.got, at+len(data))
	return nil
}

// TestIntegrationUDPSegmentation sends one UDP_SEGMENT write from a peer
// namespace: the port must read it as the datagrams it stands for.
func TestIntegrationUDPSegmentation(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		t.Run(fmt.Sprintf("v6=%v", v6), func(t *testing.T) {
			local, _, run := vethAcross(t, v6, false)
			p := open(t, "va", Config{Force: true})
			longest := witness(t, "va")
			const segment, dstPort = 1000, 9
			sent := make([]byte, 8*segment+123)
			for i := range sent {
				sent[i] = byte(i * 13)
			}
			if err := run(func() error {
				conn, err := net.Dial("udp", netip.AddrPortFrom(local.addr, dstPort).String())
				if err != nil {
					return err
				}
				defer conn.Close()
				raw, err := conn.(*net.UDPConn).SyscallConn()
				if err != nil {
					return err
				}
				var serr error
				if err := raw.Control(func(fd uintptr) {
					serr = unix.SetsockoptInt(int(fd), unix.SOL_UDP, unix.UDP_SEGMENT, segment)
				}); err != nil {
					return err
				}
				if serr != nil {
					return fmt.Errorf("setsockopt UDP_SEGMENT: %w", serr)
				}
				_, err = conn.Write(sent)
				return err
			}); err != nil {
				t.Fatal(err)
			}

			c := frameCheck{maxLen: p.MTU() + header.EthernetLen, proto: header.ProtoUDP, port: dstPort}
			bufs, sizes := buffers(4), make([]int, 4)
			var got []byte
			datagrams := 0
			for deadline := time.Now().Add(waitLimit); len(got) < len(sent) && time.Now().Before(deadline); {
				n, err := p.TryRead(bufs, sizes, offset)
				if err != nil {
					t.Fatal(err)
				}
				for i := range n {
					l4, err := c.check(bufs[i][offset : offset+sizes[i]])
					if err != nil {
						t.Fatal(err)
					}
					if l4 != nil {
						datagrams++
						got = append(got, header.UDP(l4).Payload()...)
					}
				}
				if n == 0 {
					time.Sleep(100 * time.Microsecond)
				}
			}
			if want := (len(sent) + segment - 1) / segment; datagrams != want || !bytes.Equal(got, sent) {
				t.Errorf("read %d datagrams carrying %d octets, want %d carrying the %d sent", datagrams, len(got), want, len(sent))
			}
			if st := p.Stats(); st.RxErrors != 0 {
				t.Errorf("Stats() = %+v, want no RxErrors", st)
			}
			if l := longest(); l <= c.maxLen {
				t.Errorf("the longest frame on va was %d octets: the kernel sent no super-frame", l)
			}
		})
	}
}

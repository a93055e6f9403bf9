package packet

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/gso"
	"github.com/govrf/govrf/internal/header"
)

// The tests here hand the port frames of their own making, super-frames
// and tagged frames among them, through a second packet socket on the
// peer end that sends them with a vnet header: veth carries a super-frame
// across whole, and moves an 802.1Q tag out of the frame into auxdata, as
// a sender behind a VLAN device would, without needing one.

const injectPort = 2000 // TCP destination port of the injected frames

// injector returns a function that sends a frame with its vnet header on
// ifname.
func injector(t *testing.T, ifname string) func(h gso.Hdr, frame []byte) {
	t.Helper()
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		t.Fatal(err)
	}
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VNET_HDR, 1); err != nil {
		t.Fatal(err)
	}
	return func(h gso.Hdr, frame []byte) {
		t.Helper()
		b := []byte{h.Flags, h.GSOType}
		for _, v := range []uint16{h.HeaderLen, h.GSOSize, h.CsumStart, h.CsumOffset} {
			b = binary.NativeEndian.AppendUint16(b, v)
		}
		sa := &unix.SockaddrLinklayer{Protocol: htons(binary.BigEndian.Uint16(frame[12:])), Ifindex: ifi.Index}
		if err := unix.Sendto(fd, append(b, frame...), 0, sa); err != nil {
			t.Fatalf("sendto(%d-octet frame, %+v) = %v", len(frame), h, err)
		}
	}
}

// streamByte is the octet at sequence number x of the injected streams.
func streamByte(x uint32) byte { return byte(x*7 + x>>8) }

// tcpFrame returns an IPv4 TCP frame from macB to macA, after tags,
// carrying n octets of the stream from sequence number seq, its checksum
// left to hardware as a veth peer leaves it, and the vnet header saying
// so; mss > 0 makes it a super-frame of mss-octet segments.
func tcpFrame(seq uint32, n, mss int, ipOpts []byte, tags ...uint16) (gso.Hdr, []byte) {
	f := append(append([]byte(nil), macA[:]...), macB[:]...)
	for _, tag := range tags {
		f = binary.BigEndian.AppendUint16(f, tag)
	}
	f = binary.BigEndian.AppendUint16(f, header.EtherTypeIPv4)
	src, dst := netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("192.0.2.1")
	ip := header.IPv4(make([]byte, header.IPv4MinLen+len(ipOpts)))
	ip.Encode(&header.IPv4Fields{ID: 1, Flags: header.IPv4FlagDF, TTL: 64, Protocol: header.ProtoTCP, Src: src, Dst: dst})
	ip[0] = 4<<4 | byte(len(ip)/4)
	copy(ip[header.IPv4MinLen:], ipOpts)
	ip.SetTotalLength(uint16(len(ip) + header.TCPMinLen + n))
	ip.SetHeaderChecksum(ip.CalculateChecksum())
	l4 := len(f) + len(ip)
	f = append(f, ip...)
	tcp := header.TCP(make([]byte, header.TCPMinLen, header.TCPMinLen+n))
	binary.BigEndian.PutUint16(tcp[0:], 40000)
	binary.BigEndian.PutUint16(tcp[2:], injectPort)
	binary.BigEndian.PutUint32(tcp[4:], seq)
	tcp[12] = header.TCPMinLen / 4 << 4
	tcp[13] = byte(header.TCPFlagACK | header.TCPFlagPSH)
	for i := range n {
		tcp = append(tcp, streamByte(seq+uint32(i)))
	}
	tcp.SetChecksum(header.PseudoHeaderChecksum(header.ProtoTCP, src, dst, uint32(len(tcp))))
	h := gso.Hdr{Flags: gso.FlagNeedsCsum, CsumStart: uint16(l4), CsumOffset: 16}
	if mss > 0 {
		h.GSOType, h.GSOSize, h.HeaderLen = gso.GSOTCPv4, uint16(mss), uint16(l4+header.TCPMinLen)
	}
	return h, append(f, tcp...)
}

// segment is what the reader got of an injected stream: where, how much,
// and under which VLAN.
type segment struct {
	seq    uint32
	n      int
	vlan   uint16
	tagged bool
}

// injected checks a frame the port delivered and returns the segment of
// an injected stream it carries, or false for another frame.
func injected(p *Port, f []byte) (segment, bool, error) {
	c := frameCheck{maxLen: p.MTU() + header.EthernetLen + header.VLANTagLen, proto: header.ProtoTCP, port: injectPort}
	l4, err := c.check(f)
	if l4 == nil || err != nil {
		return segment{}, false, err
	}
	th := header.TCP(l4)
	s := segment{seq: th.Seq(), n: len(th.Payload())}
	s.vlan, s.tagged = header.Ethernet(f).VLAN()
	for i, b := range th.Payload() {
		if b != streamByte(s.seq+uint32(i)) {
			return s, true, fmt.Errorf("segment at seq %d: octet %d is %#x, want %#x", s.seq, i, b, streamByte(s.seq+uint32(i)))
		}
	}
	return s, true, nil
}

// readSegments reads from p with batches of batch buffers of room
// octets until want segments of injected streams have arrived. After the
// first read it reads with Read, which must not wait while frames are
// held.
func readSegments(t *testing.T, p *Port, batch, room, want int) []segment {
	t.Helper()
	bufs, sizes := make([][]byte, batch), make([]int, batch)
	for i := range bufs {
		bufs[i] = make([]byte, offset+room)
	}
	var got []segment
	for first := true; len(got) < want; first = false {
		var n int
		var err error
		if first {
			n, err = p.TryRead(bufs, sizes, offset)
		} else {
			done := make(chan struct{})
			go func() { n, err = p.Read(bufs, sizes, offset); close(done) }()
			select {
			case <-done:
			case <-time.After(waitLimit):
				p.Close()
				<-done
				t.Fatalf("Read blocked after %d of %d segments", len(got), want)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			s, ok, err := injected(p, bufs[i][offset:offset+sizes[i]])
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				got = append(got, s)
			}
		}
	}
	return got
}

func TestIntegrationInjected(t *testing.T) {
	lsrr := []byte{header.IPv4OptLSRR, 7, 4, 192, 0, 2, 9, header.IPv4OptEOL}
	tests := []struct {
		name   string
		mss    int
		ipOpts []byte
		tags   []uint16
		room   int       // of the reader's buffers
		want   []segment // of a 5000-octet stream at seq 0
		errors uint64
	}{
		{"super-frame", 1000, nil, nil, bufLen, []segment{{0, 1000, 0, false}, {1000, 1000, 0, false}, {2000, 1000, 0, false}, {3000, 1000, 0, false}, {4000, 1000, 0, false}}, 0},
		{"tagged super-frame", 1400, nil, []uint16{header.EtherTypeVLAN, 10}, bufLen, []segment{{0, 1400, 10, true}, {1400, 1400, 10, true}, {2800, 1400, 10, true}, {4200, 800, 10, true}}, 0},
		{"source-routed super-frame", 1000, lsrr, nil, bufLen, nil, 1},
		{"segments longer than the buffers", 1000, nil, nil, 600, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, _ := vethPair(t)
			inject := injector(t, "vb")
			inject(tcpFrame(0, 5000, tt.mss, tt.ipOpts, tt.tags...))
			inject(tcpFrame(9000, 100, 0, nil)) // a marker behind it
			got := readSegments(t, a, a.BatchSize(), tt.room, len(tt.want)+1)
			if want := append(tt.want, segment{9000, 100, 0, false}); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("read segments\n%v\nwant\n%v", got, want)
			}
			if st := a.Stats(); st.RxErrors != tt.errors {
				t.Errorf("Stats() = %+v, want %d RxErrors", st, tt.errors)
			}
		})
	}
}

// TestIntegrationCarryOver reads a batch that holds a super-frame between
// ordinary frames, tagged ones whose checksum was left to hardware among
// them, four buffers at a time: every frame must come out in order, the
// ones behind the super-frame over later reads that do not wait.
func TestIntegrationCarryOver(t *testing.T) {
	a, _ := vethPair(t)
	inject := injector(t, "vb")
	inject(tcpFrame(100_000, 300, 0, nil, header.EtherTypeVLAN, 7))
	inject(tcpFrame(0, 5000, 1448, nil))
	inject(tcpFrame(200_000, 300, 0, nil, header.EtherTypeVLAN, 7))
	inject(tcpFrame(300_000, 1400, 0, nil))
	inject(tcpFrame(10_000, 3000, 1448, nil, header.EtherTypeVLAN, 8))
	time.Sleep(20 * time.Millisecond) // let all of them queue, for one batch
	got := readSegments(t, a, 4, bufLen, 10)
	want := []segment{
		{100_000, 300, 7, true},
		{0, 1448, 0, false}, {1448, 1448, 0, false}, {2896, 1448, 0, false}, {4344, 656, 0, false},
		{200_000, 300, 7, true},
		{300_000, 1400, 0, false},
		{10_000, 1448, 8, true}, {11_448, 1448, 8, true}, {12_896, 104, 8, true},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("read segments\n%v\nwant\n%v", got, want)
	}
	if st := a.Stats(); st.RxErrors != 0 || st.RxPackets < uint64(len(want)) {
		t.Errorf("Stats() = %+v, want no RxErrors and at least %d RxPackets", st, len(want))
	}
}

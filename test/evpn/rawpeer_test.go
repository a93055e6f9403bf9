package evpn

import (
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// rawPeer is a BGP speaker of the test's own, byte by byte, for what no
// well-behaved implementation sends: an eBGP session with the EVPN
// family only, 4-octet ASNs, hold time 9 s, that announces hand-built
// type-5 routes, malformed ones among them, and notes whether the
// other side sends a NOTIFICATION or closes.
type rawPeer struct {
	lab  *lab
	as   uint32
	id   netip.Addr
	conn net.Conn
	wmu  sync.Mutex

	mu     sync.Mutex
	closed error  // why the session ended, nil while it lasts
	notify []byte // the NOTIFICATION received, code and subcode first
	done   chan struct{}
}

// BGP message types (RFC 4271 section 4.1).
const (
	bgpOpen         = 1
	bgpUpdate       = 2
	bgpNotification = 3
	bgpKeepalive    = 4
)

// dialBGP connects from namespace ns, whose address id is, to the BGP
// speaker at addr (port 179) and brings the session up as AS as,
// trying again for ten seconds: a speaker just started may refuse the
// connection, or close it before its OPEN while it learns its
// interfaces.
func (l *lab) dialBGP(ns string, id string, as uint32, addr string) *rawPeer {
	l.t.Helper()
	p := &rawPeer{lab: l, as: as, id: netip.MustParseAddr(id), done: make(chan struct{})}
	l.eventually(10*time.Second, "a BGP session with "+addr, func() string {
		c, err := dialIn("/run/netns/"+l.ns(ns), net.JoinHostPort(addr, "179"))
		if err != nil {
			return err.Error()
		}
		p.conn = c
		c.SetDeadline(time.Now().Add(5 * time.Second))
		p.write(bgpOpen, p.open())
		typ, body, err := readMsg(c)
		if err != nil || typ != bgpOpen {
			c.Close()
			return fmt.Sprintf("type %d instead of OPEN, %v % x", typ, err, body)
		}
		c.SetDeadline(time.Time{})
		return ""
	})
	p.write(bgpKeepalive, nil)
	go p.read()
	go p.keepalive()
	l.t.Cleanup(func() { p.conn.Close(); <-p.done })
	return p
}

// dialIn connects to addr over TCP from the network namespace at path:
// a goroutine locked to its thread enters the namespace, where the
// socket is made, and never unlocks, so that Go retires the thread.
func dialIn(path, addr string) (net.Conn, error) {
	type result struct {
		c   net.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			ch <- result{nil, err}
			return
		}
		defer unix.Close(fd)
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			ch <- result{nil, err}
			return
		}
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		ch <- result{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// open is the body of the OPEN message: version 4, AS_TRANS when the
// ASN needs four octets, hold time 9 s, the BGP identifier, and the
// capabilities multiprotocol L2VPN EVPN (AFI 25, SAFI 70, RFC 7432) and
// 4-octet AS (RFC 6793).
func (p *rawPeer) open() []byte {
	as2 := uint16(23456)
	if p.as <= 0xffff {
		as2 = uint16(p.as)
	}
	caps := []byte{2, 6, 1, 4, 0, 25, 0, 70, 2, 6, 65, 4}
	caps = binary.BigEndian.AppendUint32(caps, p.as)
	b := []byte{4}
	b = binary.BigEndian.AppendUint16(b, as2)
	b = binary.BigEndian.AppendUint16(b, 9)
	b = append(b, p.id.AsSlice()...)
	return append(append(b, byte(len(caps))), caps...)
}

// write sends one BGP message.
func (p *rawPeer) write(typ byte, body []byte) {
	msg := make([]byte, 16, 19+len(body))
	for i := range msg {
		msg[i] = 0xff
	}
	msg = binary.BigEndian.AppendUint16(msg, uint16(19+len(body)))
	msg = append(append(msg, typ), body...)
	p.wmu.Lock()
	defer p.wmu.Unlock()
	p.conn.SetWriteDeadline(time.Now().Add(2 * time.Second))
	p.conn.Write(msg)
}

// readMsg reads one BGP message.
func readMsg(r io.Reader) (byte, []byte, error) {
	var h [19]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return 0, nil, err
	}
	n := int(binary.BigEndian.Uint16(h[16:18]))
	if n < 19 || n > 65535 {
		return 0, nil, fmt.Errorf("BGP message length %d", n)
	}
	body := make([]byte, n-19)
	_, err := io.ReadFull(r, body)
	return h[18], body, err
}

// read takes the peer's messages until the session ends, keeping a
// NOTIFICATION.
func (p *rawPeer) read() {
	defer close(p.done)
	for {
		typ, body, err := readMsg(p.conn)
		if err != nil {
			p.mu.Lock()
			p.closed = err
			p.mu.Unlock()
			return
		}
		if typ == bgpNotification {
			p.mu.Lock()
			p.notify = body
			p.mu.Unlock()
		}
	}
}

// keepalive sends a KEEPALIVE every 3 s while the session lasts.
func (p *rawPeer) keepalive() {
	t := time.NewTicker(3 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-p.done:
			return
		case <-t.C:
			p.write(bgpKeepalive, nil)
		}
	}
}

// alive returns "" while the session lasts, else how it ended.
func (p *rawPeer) alive() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.notify != nil:
		return fmt.Sprintf("NOTIFICATION % x", p.notify)
	case p.closed != nil:
		return fmt.Sprintf("session closed: %v", p.closed)
	}
	return ""
}

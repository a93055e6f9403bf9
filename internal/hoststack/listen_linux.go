package hoststack

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// The parts of linux/inet_diag.h that HasListener uses; x/sys has none.
const (
	diagReqLen   = 56 // struct inet_diag_req_v2
	diagMsgLen   = 72 // struct inet_diag_msg
	diagBytecode = 1  // INET_DIAG_REQ_BYTECODE
	diagV6Only   = 11 // INET_DIAG_SKV6ONLY

	// Bytecode operations (inet_diag_bc_run): the local port is at
	// least, at most, the operand.
	bcSourceGE = 2 // INET_DIAG_BC_S_GE
	bcSourceLE = 3 // INET_DIAG_BC_S_LE

	tcpListen = 10 // TCP_LISTEN, a socket state
)

// diagTimeout bounds a wait for the kernel's answer to a socket dump.
const diagTimeout = time.Second

// diag is the NETLINK_SOCK_DIAG socket of a stack, opened inside its
// namespace: sock_diag dumps the sockets of the namespace the asking
// socket was made in (sock_net).
type diag struct {
	mu  sync.Mutex
	fd  int // -1 once closed
	seq uint32
	req []byte
	buf []byte
}

// openDiag opens the socket in the calling thread's namespace.
func openDiag() (*diag, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_SOCK_DIAG)
	if err != nil {
		return nil, fmt.Errorf("sock_diag: %w", err)
	}
	tv := unix.NsecToTimeval(diagTimeout.Nanoseconds())
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("sock_diag: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("sock_diag: %w", err)
	}
	return &diag{fd: fd, buf: make([]byte, 32<<10)}, nil
}

func (d *diag) close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fd < 0 {
		return nil
	}
	err := unix.Close(d.fd)
	d.fd = -1
	return err
}

// HasListener reports whether a socket in the namespace would take a new
// flow of proto (6 for TCP, 17 for UDP) to addr:port: a TCP socket
// listening on addr or on its family's wildcard address, or a UDP socket
// bound so, in any state. An IPv6 socket without IPV6_V6ONLY on :: or on
// addr's v4-mapped form takes IPv4 too (inet6_bind); a socket bound to a
// device other than the TUN device takes nothing that comes through it.
// It asks the kernel (NETLINK_SOCK_DIAG, one dump of the sockets on port
// per family), so the answer is as of the call.
func (s *Stack) HasListener(proto uint8, addr netip.Addr, port uint16) (bool, error) {
	if proto != unix.IPPROTO_TCP && proto != unix.IPPROTO_UDP {
		return false, fmt.Errorf("hoststack: listener of protocol %d: not TCP or UDP", proto)
	}
	q := listenQuery{proto: proto, addr: addr.Unmap(), port: port, tun: uint32(s.tunIndex)}
	families := []uint8{unix.AF_INET6}
	if q.addr.Is4() {
		families = []uint8{unix.AF_INET, unix.AF_INET6}
	}
	for _, f := range families {
		found, err := s.diag.dump(f, &q)
		if err != nil {
			return false, fmt.Errorf("hoststack: listeners of %s on %v: %w", s.name, netip.AddrPortFrom(addr, port), err)
		}
		if found {
			return true, nil
		}
	}
	return false, nil
}

// listenQuery is what HasListener looks for.
type listenQuery struct {
	proto uint8
	addr  netip.Addr
	port  uint16
	tun   uint32
}

// states are the socket states a listener of q's protocol is in.
func (q *listenQuery) states() uint32 {
	if q.proto == unix.IPPROTO_TCP {
		return 1 << tcpListen
	}
	return 0xfff // UDP: unconnected (TCP_CLOSE) or connected
}

// matches reports whether the socket a dump message describes takes q.
func (q *listenQuery) matches(m []byte) bool {
	family := m[0]
	ifindex := binary.NativeEndian.Uint32(m[40:44])
	if ifindex != 0 && ifindex != q.tun {
		return false
	}
	if family == unix.AF_INET {
		a := netip.AddrFrom4([4]byte(m[8:12]))
		return a.IsUnspecified() || a == q.addr
	}
	a := netip.AddrFrom16([16]byte(m[8:24]))
	if q.addr.Is6() {
		return a.IsUnspecified() || a == q.addr
	}
	return !v6Only(m[diagMsgLen:]) && (a.IsUnspecified() || a.Unmap() == q.addr)
}

// v6Only reads INET_DIAG_SKV6ONLY from a message's attributes; the
// kernel gives it for IPv6 sockets listening or unconnected.
func v6Only(attrs []byte) bool {
	for len(attrs) >= unix.SizeofRtAttr {
		l := int(binary.NativeEndian.Uint16(attrs[0:]))
		if l < unix.SizeofRtAttr || l > len(attrs) {
			return false
		}
		if binary.NativeEndian.Uint16(attrs[2:]) == diagV6Only && l > unix.SizeofRtAttr {
			return attrs[unix.SizeofRtAttr] != 0
		}
		attrs = attrs[min(rtaAlign(l), len(attrs)):]
	}
	return false
}

func rtaAlign(n int) int { return (n + unix.RTA_ALIGNTO - 1) &^ (unix.RTA_ALIGNTO - 1) }

// dump asks for the sockets of family and q's protocol on q's port and
// reports whether one matches q. It reads the dump to its end either
// way, so the next starts clean.
func (d *diag) dump(family uint8, q *listenQuery) (bool, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.fd < 0 {
		return false, ErrClosed
	}
	d.seq++
	d.req = d.request(d.req[:0], family, q)
	if err := unix.Sendto(d.fd, d.req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return false, err
	}
	found := false
	for {
		n, _, err := unix.Recvfrom(d.fd, d.buf, 0)
		if err != nil {
			return false, err
		}
		done, err := d.parse(d.buf[:n], q, &found)
		if done || err != nil {
			return found, err
		}
	}
}

// request builds a SOCK_DIAG_BY_FAMILY dump request with a bytecode
// filter keeping the sockets on q's port: the kernel runs it over each
// socket (inet_diag_bc_run) and takes those whose program ends exactly
// at its end; a failed comparison jumps 4 octets past it.
func (d *diag) request(b []byte, family uint8, q *listenQuery) []byte {
	const bcLen = 16
	total := unix.SizeofNlMsghdr + diagReqLen + unix.SizeofRtAttr + bcLen
	b = append(b, make([]byte, total)...)
	ne := binary.NativeEndian
	ne.PutUint32(b[0:], uint32(total))
	ne.PutUint16(b[4:], unix.SOCK_DIAG_BY_FAMILY)
	ne.PutUint16(b[6:], unix.NLM_F_REQUEST|unix.NLM_F_DUMP)
	ne.PutUint32(b[8:], d.seq)
	r := b[unix.SizeofNlMsghdr:]
	r[0], r[1] = family, q.proto
	ne.PutUint32(r[4:], q.states())
	// inet_diag_sockid is left zero: no cookie, no address filter.
	a := r[diagReqLen:]
	ne.PutUint16(a[0:], uint16(unix.SizeofRtAttr+bcLen))
	ne.PutUint16(a[2:], diagBytecode)
	bc := a[unix.SizeofRtAttr:]
	for i, op := range []uint8{bcSourceGE, bcSourceLE} {
		o := bc[8*i:]
		left := bcLen - 8*i
		o[0], o[1] = op, 8
		ne.PutUint16(o[2:], uint16(left+4))
		ne.PutUint16(o[6:], q.port)
	}
	return b
}

// parse reads the messages of one datagram of a dump; done at its end.
func (d *diag) parse(b []byte, q *listenQuery, found *bool) (done bool, err error) {
	ne := binary.NativeEndian
	for len(b) >= unix.SizeofNlMsghdr {
		l := int(ne.Uint32(b[0:]))
		if l < unix.SizeofNlMsghdr || l > len(b) {
			return true, errors.New("truncated netlink message")
		}
		typ, seq := ne.Uint16(b[4:]), ne.Uint32(b[8:])
		body := b[unix.SizeofNlMsghdr:l]
		b = b[min(rtaAlign(l), len(b)):]
		if seq != d.seq {
			continue // left from a dump that failed half-way
		}
		switch typ {
		case unix.NLMSG_DONE:
			return true, nil
		case unix.NLMSG_ERROR:
			if len(body) >= 4 {
				if e := int32(ne.Uint32(body)); e != 0 {
					return true, unix.Errno(-e)
				}
			}
			return true, nil
		case unix.SOCK_DIAG_BY_FAMILY:
			if len(body) >= diagMsgLen && q.matches(body) {
				*found = true
			}
		}
	}
	return false, nil
}

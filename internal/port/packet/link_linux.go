package packet

import (
	"encoding/binary"
	"fmt"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

// InterfaceState reads the state of the interface of index ifindex
// from the kernel (RTM_GETLINK): its flags and its operational state,
// as `ip link` shows them.
func InterfaceState(ifindex int) (State, error) {
	msgs, err := rtnl(unix.RTM_GETLINK, 0, ifindex, 0, 0)
	if err != nil {
		return State{}, fmt.Errorf("packet: interface %d: %w", ifindex, err)
	}
	for i := range msgs {
		m := &msgs[i]
		if m.Header.Type != unix.RTM_NEWLINK || len(m.Data) < unix.SizeofIfInfomsg {
			continue
		}
		// struct ifinfomsg: family, pad, type, index, flags, change.
		index, flags := int32(binary.NativeEndian.Uint32(m.Data[4:])), binary.NativeEndian.Uint32(m.Data[8:])
		if int(index) != ifindex {
			continue
		}
		st := State{Up: flags&unix.IFF_UP != 0, LowerUp: flags&unix.IFF_LOWER_UP != 0, OperState: "UNKNOWN"}
		attrs, err := syscall.ParseNetlinkRouteAttr(m)
		if err != nil {
			return State{}, fmt.Errorf("packet: interface %d: %w", ifindex, err)
		}
		for _, a := range attrs {
			if a.Attr.Type == unix.IFLA_OPERSTATE && len(a.Value) > 0 && int(a.Value[0]) < len(operStates) {
				st.OperState = operStates[a.Value[0]]
			}
		}
		return st, nil
	}
	return State{}, fmt.Errorf("packet: interface %d: no answer from the kernel", ifindex)
}

// operStates names the RFC 2863 states (IF_OPER_*) as ip does.
var operStates = []string{"UNKNOWN", "NOTPRESENT", "DOWN", "LOWERLAYERDOWN", "TESTING", "DORMANT", "UP"}

// SetInterfaceUp brings the interface of index ifindex up or down, as
// `ip link set dev IF up|down` does (RTM_NEWLINK changing IFF_UP only).
// It needs CAP_NET_ADMIN.
func SetInterfaceUp(ifindex int, up bool) error {
	var flags uint32
	if up {
		flags = unix.IFF_UP
	}
	if _, err := rtnl(unix.RTM_NEWLINK, unix.NLM_F_ACK, ifindex, flags, unix.IFF_UP); err != nil {
		return fmt.Errorf("packet: setting interface %d %s: %w", ifindex, map[bool]string{true: "up", false: "down"}[up], err)
	}
	return nil
}

var rtnlSeq atomic.Uint32

// rtnl sends one link request about interface ifindex to the kernel
// and returns its answer: the messages up to the acknowledgment, or the
// one answer to a request without NLM_F_ACK. A negative acknowledgment
// is returned as its errno.
func rtnl(typ uint16, extraFlags uint16, ifindex int, flags, change uint32) ([]syscall.NetlinkMessage, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("netlink socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("netlink bind: %w", err)
	}
	seq := rtnlSeq.Add(1)
	req := make([]byte, unix.SizeofNlMsghdr+unix.SizeofIfInfomsg)
	ne := binary.NativeEndian
	ne.PutUint32(req[0:], uint32(len(req)))
	ne.PutUint16(req[4:], typ)
	ne.PutUint16(req[6:], unix.NLM_F_REQUEST|extraFlags)
	ne.PutUint32(req[8:], seq)
	ifi := req[unix.SizeofNlMsghdr:]
	ifi[0] = unix.AF_UNSPEC
	ne.PutUint32(ifi[4:], uint32(int32(ifindex)))
	ne.PutUint32(ifi[8:], flags)
	ne.PutUint32(ifi[12:], change)
	if err := unix.Sendto(fd, req, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, fmt.Errorf("netlink send: %w", err)
	}
	var got []syscall.NetlinkMessage
	buf := make([]byte, 32<<10)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("netlink receive: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return nil, fmt.Errorf("netlink: %w", err)
		}
		for _, m := range msgs {
			if m.Header.Seq != seq {
				continue
			}
			if m.Header.Type == unix.NLMSG_ERROR {
				if len(m.Data) < 4 {
					return nil, fmt.Errorf("netlink: short error message")
				}
				if errno := -int32(ne.Uint32(m.Data)); errno != 0 {
					return nil, syscall.Errno(errno)
				}
				return got, nil
			}
			got = append(got, m)
			if extraFlags&unix.NLM_F_ACK == 0 {
				return got, nil
			}
		}
	}
}

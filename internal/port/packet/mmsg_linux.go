package packet

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

const sizeofAuxdata = int(unsafe.Sizeof(unix.TpacketAuxdata{}))

// ctrlLen is the room for one PACKET_AUXDATA control message.
var ctrlLen = unix.CmsgSpace(sizeofAuxdata)

// rxState is the reader's recvmmsg(2) vector, built once so that reading
// allocates nothing.
type rxState struct {
	msgs  []unix.Mmsghdr
	iovs  []unix.Iovec
	names []unix.RawSockaddrLinklayer
	ctrl  []byte
}

func (r *rxState) init(batch int) {
	r.msgs = make([]unix.Mmsghdr, batch)
	r.iovs = make([]unix.Iovec, batch)
	r.names = make([]unix.RawSockaddrLinklayer, batch)
	r.ctrl = make([]byte, batch*ctrlLen) // 8-aligned, as cmsgs must be
	for i := range r.msgs {
		h := &r.msgs[i].Hdr
		h.Iov = &r.iovs[i]
		h.SetIovlen(1)
		h.Name = (*byte)(unsafe.Pointer(&r.names[i]))
		h.Control = &r.ctrl[i*ctrlLen]
	}
}

// prepare points message i at buf and resets what the kernel overwrote.
func (r *rxState) prepare(i int, buf []byte) {
	r.iovs[i].Base = unsafe.SliceData(buf)
	r.iovs[i].SetLen(len(buf))
	h := &r.msgs[i].Hdr
	h.Namelen = unix.SizeofSockaddrLinklayer
	h.SetControllen(ctrlLen)
	h.Flags = 0
}

// csumNotReady reports whether frame i left its sender with the TCP/UDP
// checksum to be filled in by hardware (TP_STATUS_CSUMNOTREADY: a veth
// peer or a local socket with checksum offload).
func (r *rxState) csumNotReady(i int) bool {
	aux := r.auxdata(i)
	return aux != nil && aux.Status&unix.TP_STATUS_CSUMNOTREADY != 0
}

// vlan returns the tag the kernel moved out of frame i into its
// PACKET_AUXDATA control message, if it did.
func (r *rxState) vlan(i int) (tci, tpid uint16, ok bool) {
	aux := r.auxdata(i)
	if aux == nil || aux.Status&unix.TP_STATUS_VLAN_VALID == 0 {
		return 0, 0, false
	}
	if aux.Status&unix.TP_STATUS_VLAN_TPID_VALID != 0 {
		tpid = aux.Vlan_tpid
	}
	return aux.Vlan_tci, tpid, true
}

// auxdata returns frame i's PACKET_AUXDATA control message, or nil.
func (r *rxState) auxdata(i int) *unix.TpacketAuxdata {
	c := r.ctrl[i*ctrlLen : i*ctrlLen+int(r.msgs[i].Hdr.Controllen)]
	for len(c) >= unix.SizeofCmsghdr {
		h := (*unix.Cmsghdr)(unsafe.Pointer(&c[0]))
		l := int(h.Len)
		if l < unix.SizeofCmsghdr || l > len(c) {
			return nil
		}
		if h.Level == unix.SOL_PACKET && h.Type == unix.PACKET_AUXDATA && l >= unix.CmsgLen(sizeofAuxdata) {
			return (*unix.TpacketAuxdata)(unsafe.Pointer(&c[unix.CmsgLen(0)]))
		}
		c = c[min(unix.CmsgSpace(l-unix.CmsgLen(0)), len(c)):]
	}
	return nil
}

// txState is the writer's sendmmsg(2) vector.
type txState struct {
	msgs []unix.Mmsghdr
	iovs []unix.Iovec
}

func (t *txState) init(batch int) {
	t.msgs = make([]unix.Mmsghdr, batch)
	t.iovs = make([]unix.Iovec, batch)
	for i := range t.msgs {
		t.msgs[i].Hdr.Iov = &t.iovs[i]
		t.msgs[i].Hdr.SetIovlen(1)
	}
}

func (t *txState) set(i int, frame []byte) {
	t.iovs[i].Base = unsafe.SliceData(frame)
	t.iovs[i].SetLen(len(frame))
}

func recvmmsg(fd int, msgs []unix.Mmsghdr, flags int) (int, error) {
	n, _, errno := unix.Syscall6(unix.SYS_RECVMMSG, uintptr(fd),
		uintptr(unsafe.Pointer(unsafe.SliceData(msgs))), uintptr(len(msgs)), uintptr(flags), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

func sendmmsg(fd int, msgs []unix.Mmsghdr, flags int) (int, error) {
	n, _, errno := unix.Syscall6(unix.SYS_SENDMMSG, uintptr(fd),
		uintptr(unsafe.Pointer(unsafe.SliceData(msgs))), uintptr(len(msgs)), uintptr(flags), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(n), nil
}

package packet

import (
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/govrf/govrf/internal/gso"
	"github.com/govrf/govrf/internal/header"
)

const sizeofAuxdata = int(unsafe.Sizeof(unix.TpacketAuxdata{}))

// ctrlLen is the room for one PACKET_AUXDATA control message.
var ctrlLen = unix.CmsgSpace(sizeofAuxdata)

// Each received message lands in three pieces (iovecs): the vnet header
// in its slot of vnet, the frame in the caller's buffer, and what does not
// fit there in the message's spill slot. A super-frame thus survives a
// caller's buffer sized for the MTU, and an ordinary frame that fits is
// read straight into the caller's buffer, as it was without a vnet
// header.
//
// A spill slot begins with head octets of headroom, so that the caller's
// part of a frame can be copied in front of the rest, making the frame
// whole and contiguous in port memory, with VLANTagLen to spare for
// re-tagging it in front. That is why the caller's part is capped at
// roomCap: a frame longer than an ordinary one spills.
const (
	vnetLen = gso.HdrLen
	// spillLen holds the rest of the longest super-frame: a 64 KiB IP
	// packet, its Ethernet header and two tags.
	spillLen = 1<<16 + header.EthernetLen + header.MaxVLANTags*header.VLANTagLen
)

// rxState is the reader's recvmmsg(2) vector and the frames it carries
// from one read to the next, built once so that reading allocates
// nothing.
type rxState struct {
	msgs    []unix.Mmsghdr
	iovs    []unix.Iovec // three per message
	names   []unix.RawSockaddrLinklayer
	ctrl    []byte
	vnet    []byte // vnetLen per message
	spill   []byte // a slot of head+spillLen octets per message
	head    int    // headroom of a spill slot
	roomCap int    // the most of a caller's buffer the kernel gets

	// Frames of the last recvmmsg waiting in their spill slots, from
	// the first that did not fit its caller's buffer on: held[next:end],
	// behind the super-frame seg is cutting.
	held      []heldFrame
	next, end int
	seg       gso.Segmenter

	// offer is set while the last frame handed out is the first
	// segment of a super-frame that may leave whole (TakeSuper); super
	// is that super-frame.
	offer bool
	super gso.Super
}

// heldFrame is a received frame waiting in its spill slot, whole and
// re-tagged, for room in the reader's buffers.
type heldFrame struct {
	start, end int // in the slot
	h          gso.Hdr
	ok         bool // false for a frame dropped on arrival
}

// init builds the vector for batch messages of ordinary frames up to
// maxFrame octets.
func (r *rxState) init(batch, maxFrame int) {
	r.roomCap = maxFrame + header.VLANTagLen
	r.head = r.roomCap + header.VLANTagLen
	r.msgs = make([]unix.Mmsghdr, batch)
	r.iovs = make([]unix.Iovec, 3*batch)
	r.names = make([]unix.RawSockaddrLinklayer, batch)
	r.ctrl = make([]byte, batch*ctrlLen) // 8-aligned, as cmsgs must be
	r.vnet = make([]byte, batch*vnetLen)
	r.spill = make([]byte, batch*(r.head+spillLen))
	r.held = make([]heldFrame, batch)
	for i := range r.msgs {
		h := &r.msgs[i].Hdr
		h.Iov = &r.iovs[3*i]
		h.SetIovlen(3)
		h.Name = (*byte)(unsafe.Pointer(&r.names[i]))
		h.Control = &r.ctrl[i*ctrlLen]
		setIovec(&r.iovs[3*i], r.vnet[i*vnetLen:(i+1)*vnetLen])
		setIovec(&r.iovs[3*i+2], r.slot(i)[r.head:])
	}
}

// prepare points message i at the caller's buffer buf and resets what
// the kernel overwrote.
func (r *rxState) prepare(i int, buf []byte) {
	setIovec(&r.iovs[3*i+1], buf[:min(len(buf), r.roomCap)])
	h := &r.msgs[i].Hdr
	h.Namelen = unix.SizeofSockaddrLinklayer
	h.SetControllen(ctrlLen)
	h.Flags = 0
}

// roomLen returns the length of the caller's part of message i.
func (r *rxState) roomLen(i int) int { return int(r.iovs[3*i+1].Len) }

// slot returns message i's spill slot.
func (r *rxState) slot(i int) []byte {
	n := r.head + spillLen
	return r.spill[i*n : (i+1)*n]
}

// vnetHdr returns message i's vnet header.
func (r *rxState) vnetHdr(i int) gso.Hdr {
	h, _ := gso.ParseHdr(r.vnet[i*vnetLen:])
	return h
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

func setIovec(v *unix.Iovec, b []byte) {
	v.Base = unsafe.SliceData(b)
	v.SetLen(len(b))
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

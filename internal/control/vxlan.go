package control

import (
	"net/netip"
	"slices"
	"syscall"

	"github.com/govrf/govrf/internal/rterr"
)

// VXLANDefaultPort is the destination port a VXLAN link gets when none is
// given (dstport 0): Linux's pre-IANA default, not 4789.
const VXLANDefaultPort = 8472

// VXLANDefaultAgeing is the ageing time, in seconds, of a VXLAN link made
// without one, or with 0 (FDB_AGE_DEFAULT).
const VXLANDefaultAgeing = 300

// vxlanMaxMTU is the largest MTU of a VXLAN link (vxlan_setup's max_mtu as
// this kernel reports it).
const vxlanMaxMTU = 65535

// FDBState is the state of a forwarding database entry, as `bridge fdb`
// sets it (ndm_state).
type FDBState uint8

const (
	FDBPermanent FDBState = iota // NUD_PERMANENT: `permanent` (the default)
	FDBStatic                    // NUD_NOARP: `static`
	FDBDynamic                   // NUD_REACHABLE: `dynamic`, and learned entries
)

// String returns the state as `bridge fdb show` prints it; "" for dynamic.
func (s FDBState) String() string {
	switch s {
	case FDBPermanent:
		return "permanent"
	case FDBStatic:
		return "static"
	}
	return ""
}

// FDBEntry maps an inner Ethernet address to a remote tunnel endpoint. The
// all-zeros address is the default: frames whose destination has no
// entry, and broadcast and multicast frames, go to each of its
// destinations.
type FDBEntry struct {
	MAC   MAC
	Dst   netip.Addr
	State FDBState
	// ExternLearn marks an entry a control plane (BGP EVPN) installed
	// (NTF_EXT_LEARNED); the configuration script leaves it out.
	ExternLearn bool
}

// FDBOp is a `bridge fdb` change, with the netlink flags it sends.
type FDBOp uint8

const (
	FDBAdd     FDBOp = iota // NLM_F_CREATE|NLM_F_EXCL
	FDBAppend               // NLM_F_CREATE|NLM_F_APPEND
	FDBReplace              // NLM_F_CREATE|NLM_F_REPLACE
	FDBDel                  // RTM_DELNEIGH
)

// isGroup reports whether frames to m go to every destination of its
// entry: the all-zeros default and multicast addresses (vxlan_fdb_append
// takes only these).
func (m MAC) isGroup() bool { return m == MAC{} || m[0]&1 != 0 }

// ChangeFDB changes the forwarding database of VXLAN link name as
// vxlan_fdb_add and vxlan_fdb_delete do. An entry needs a destination of
// the tunnel's family. Add refuses an address that has an entry;
// append adds a destination to the all-zeros or a multicast address;
// replace changes the (first) destination of an address; all three make
// the entry when there is none. Delete removes the address's entry, or
// only its destination e.Dst when given.
func (c *Control) ChangeFDB(op FDBOp, name string, e FDBEntry) error {
	return c.do(func(w *Snapshot) error {
		l := w.LinkByName(name)
		switch {
		case l == nil:
			return rterr.New(syscall.ENODEV, "")
		case l.VXLAN == nil:
			return rterr.New(syscall.EOPNOTSUPP, "")
		}
		vx := *l.VXLAN
		if !e.Dst.IsValid() && op != FDBDel {
			return rterr.New(syscall.EINVAL, "")
		}
		if e.Dst.IsValid() && vx.Local.IsValid() && e.Dst.Is4() != vx.Local.Is4() {
			return rterr.New(syscall.EAFNOSUPPORT, "")
		}
		fdb, err := changeFDB(slices.Clone(vx.FDB), op, e)
		if err != nil {
			return err
		}
		vx.FDB = fdb
		vx.index()
		w.editLink(l.Index).VXLAN = &vx
		return nil
	})
}

// changeFDB applies op to fdb, which it may modify.
func changeFDB(fdb []FDBEntry, op FDBOp, e FDBEntry) ([]FDBEntry, error) {
	first := slices.IndexFunc(fdb, func(x FDBEntry) bool { return x.MAC == e.MAC })
	same := slices.IndexFunc(fdb, func(x FDBEntry) bool { return x.MAC == e.MAC && x.Dst == e.Dst })
	switch {
	case op == FDBDel && first < 0:
		return nil, rterr.New(syscall.ENOENT, "")
	case op == FDBDel && !e.Dst.IsValid():
		return slices.DeleteFunc(fdb, func(x FDBEntry) bool { return x.MAC == e.MAC }), nil
	case op == FDBDel:
		if same >= 0 {
			fdb = slices.Delete(fdb, same, same+1)
		}
		return fdb, nil
	case first < 0:
		return append(fdb, e), nil
	case op == FDBAdd:
		return nil, rterr.New(syscall.EEXIST, "")
	case op == FDBAppend && e.MAC.isGroup() && same < 0:
		return append(fdb, e), nil
	case op == FDBReplace && same < 0:
		fdb[first] = e
		return fdb, nil
	}
	// The entry is there: its state and flags follow the request
	// (vxlan_fdb_update_existing).
	i := same
	if i < 0 {
		i = first
	}
	fdb[i].State, fdb[i].ExternLearn = e.State, e.ExternLearn
	return fdb, nil
}

// checkVXLAN validates a new VXLAN link's tunnel (vxlan_config_validate)
// and returns it with the kernel's defaults filled in.
func (s *Snapshot) checkVXLAN(spec *VXLAN) (*VXLAN, error) {
	if spec == nil {
		return nil, rterr.New(syscall.EINVAL, "")
	}
	vx := *spec
	vx.FDB = nil
	if vx.Port == 0 {
		vx.Port = VXLANDefaultPort
	}
	if vx.Ageing == 0 {
		vx.Ageing = VXLANDefaultAgeing
	}
	switch {
	case vx.VNI >= 1<<24:
		return nil, rterr.New(syscall.ERANGE, "VXLAN ID out of range")
	case vx.Local.IsValid() && vx.Remote.IsValid() && vx.Local.Is4() != vx.Remote.Is4():
		return nil, rterr.New(syscall.EINVAL, "Local and remote address must be from the same family")
	case vx.SrcPortHigh < vx.SrcPortLow:
		return nil, rterr.New(syscall.EINVAL, "Invalid source port range")
	}
	for l := range s.Links() {
		o := l.VXLAN
		if o != nil && o.VNI == vx.VNI && o.Port == vx.Port && vxlanFamily(o) == vxlanFamily(&vx) {
			return nil, rterr.New(syscall.EEXIST, "A VXLAN device with the specified VNI already exists")
		}
	}
	if vx.Remote.IsValid() {
		vx.FDB = []FDBEntry{{Dst: vx.Remote}}
	}
	vx.index()
	return &vx, nil
}

// index builds remotes from FDB.
func (vx *VXLAN) index() {
	vx.remotes = make(map[MAC][]netip.Addr, len(vx.FDB))
	for _, e := range vx.FDB {
		vx.remotes[e.MAC] = append(vx.remotes[e.MAC], e.Dst)
	}
}

// Remotes returns the destinations of m's configured entry, in the order
// they were added; the data plane's per-frame lookup, which allocates
// nothing. The slice must not be modified.
func (vx *VXLAN) Remotes(m MAC) []netip.Addr {
	if vx.remotes != nil {
		return vx.remotes[m]
	}
	var out []netip.Addr
	for _, e := range vx.FDB {
		if e.MAC == m {
			out = append(out, e.Dst)
		}
	}
	return out
}

// vxlanFamily is the outer family of a tunnel: 6 when its local or remote
// address is IPv6, else 4 (vxlan_sock_add opens an IPv4 socket then).
func vxlanFamily(vx *VXLAN) int {
	if vx.Local.Is6() || vx.Remote.Is6() {
		return 6
	}
	return 4
}

// Family is the family of the tunnel's outer packets, 4 or 6.
func (vx *VXLAN) Family() int { return vxlanFamily(vx) }

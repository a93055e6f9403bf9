package fib

import (
	"net/netip"
	"syscall"

	"github.com/govrf/govrf/internal/rterr"
)

// flags returns the netlink flags of op.
func (op Op) flags() nlFlags {
	switch op {
	case OpAdd:
		return fCreate | fExcl
	case OpReplace:
		return fCreate | fReplace
	case OpChange:
		return fReplace
	case OpAppend:
		return fCreate | fAppend
	}
	return fCreate
}

// nlFlags are the NLM_F_* flags of an RTM_NEWROUTE request.
type nlFlags uint8

const (
	fCreate nlFlags = 1 << iota
	fExcl
	fReplace
	fAppend
)

// prefixOf validates a route's prefix. The kernel refuses an IPv4 prefix
// with host bits set (fib_valid_key_len) and masks an IPv6 one.
func prefixOf(p netip.Prefix) (netip.Prefix, error) {
	if !p.IsValid() {
		return p, rterr.New(syscall.EINVAL, "")
	}
	m := p.Masked()
	if p.Addr().Is4() && m != p {
		return p, rterr.New(syscall.EINVAL, "Invalid prefix for given prefix length")
	}
	return m, nil
}

func errExist() error   { return rterr.New(syscall.EEXIST, "") }
func errNoEntry() error { return rterr.New(syscall.ENOENT, "") }
func errNoRoute() error { return rterr.New(syscall.ESRCH, "") }

package daemon

import (
	"log/slog"
	"os"
	"strings"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/hoststack"
)

// A VRF's host stack is made when it is first needed, not with the VRF: a
// namespace and a TUN device cost the kernel far more than the VRF costs
// govrf, and most VRFs of a large configuration never run a program. A
// stack without a program in it behaves as no stack at all does (the
// router answers for the VRF's addresses as a host without listeners),
// so making it late changes nothing a user can see but the namespace.
//
// A stack is needed by `vrf exec NAME` and `vrf pids NAME`, and is kept
// once made until its VRF goes. The default VRF's stack, which also
// serves every VRF with l3mdev_accept, is always there. A namespace
// left by a govrfd that was killed is adopted at start, programs and
// all, as before.

// wanted reports whether L3 domain vrf of s gets a host stack now: the
// default VRF, a VRF whose stack exists or was asked for.
func (d *Daemon) wanted(vrf int) bool {
	return vrf == 0 || d.stacks[vrf] != nil || d.stackWanted[vrf]
}

// wantStackFor marks the VRF that argv needs the host stack of (`vrf
// exec NAME`, `vrf pids NAME`) as wanted and makes its stack, before the
// command runs. A failure is logged; the command then says the VRF has
// no host stack. d.mu is held.
func (d *Daemon) wantStackFor(argv []string) {
	if !d.cfg.HostStacks {
		return
	}
	name, ok := cli.StackVRF(argv)
	if !ok {
		return
	}
	l := d.ctl.Snapshot().VRFByName(name)
	if l == nil || d.stacks[l.Index] != nil {
		return
	}
	d.wantStack(l.Index)
	for _, err := range d.syncStacks() {
		slog.Warn("host stack", "err", err)
	}
}

// wantStack marks VRF vrf's host stack as wanted.
func (d *Daemon) wantStack(vrf int) {
	if d.stackWanted == nil {
		d.stackWanted = map[int]bool{}
	}
	d.stackWanted[vrf] = true
}

// adoptStacks marks as wanted, once, the VRFs of s whose namespace is
// bound in the namespace directory already: a govrfd killed before it
// could remove them left them, perhaps with programs inside.
func (d *Daemon) adoptStacks(s *control.Snapshot) {
	if d.adopted {
		return
	}
	d.adopted = true
	dir := d.cfg.NetnsDir
	if dir == "" {
		dir = hoststack.DefaultNetnsDir
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return // no directory yet: nothing to adopt
	}
	for _, e := range entries {
		name, ok := strings.CutPrefix(e.Name(), hoststack.NamespacePrefix)
		if !ok {
			continue
		}
		if l := s.VRFByName(name); l != nil {
			d.wantStack(l.Index)
		}
	}
}

// forgetStacks drops the wishes for VRFs that are gone from s.
func (d *Daemon) forgetStacks(s *control.Snapshot) {
	for vrf := range d.stackWanted {
		if l := s.Link(vrf); l == nil || l.Kind != control.KindVRF {
			delete(d.stackWanted, vrf)
		}
	}
}

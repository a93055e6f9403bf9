package config

import (
	"fmt"
	"slices"
	"strings"

	"github.com/govrf/govrf/internal/control"
)

// vxlanArgs are the `type vxlan` arguments that make tunnel vx again.
func vxlanArgs(vx *control.VXLAN) string {
	var b strings.Builder
	fmt.Fprintf(&b, " id %d", vx.VNI)
	if vx.Local.IsValid() {
		fmt.Fprintf(&b, " local %s", vx.Local)
	}
	if vx.Remote.IsValid() {
		fmt.Fprintf(&b, " remote %s", vx.Remote)
	}
	fmt.Fprintf(&b, " dstport %d", vx.Port)
	if vx.SrcPortLow != 0 || vx.SrcPortHigh != 0 {
		fmt.Fprintf(&b, " srcport %d %d", vx.SrcPortLow, vx.SrcPortHigh)
	}
	if vx.TTL != 0 {
		fmt.Fprintf(&b, " ttl %d", vx.TTL)
	}
	if !vx.Learning {
		b.WriteString(" nolearning")
	}
	if vx.Ageing != control.VXLANDefaultAgeing {
		fmt.Fprintf(&b, " ageing %d", vx.Ageing)
	}
	return b.String()
}

// fdb writes the forwarding entries of VXLAN link l that were configured
// (those a control plane learned, extern_learn, are not), in the order
// they were made; the default entry `remote` made goes if it was deleted.
func (w *writer) fdb(l *control.Link) {
	vx := l.VXLAN
	def := control.FDBEntry{Dst: vx.Remote}
	if vx.Remote.IsValid() && !slices.ContainsFunc(vx.FDB, func(e control.FDBEntry) bool { return e.MAC == def.MAC && e.Dst == def.Dst }) {
		w.line("bridge fdb del %s dev %s dst %s", def.MAC, word(l.Name), def.Dst)
	}
	for _, e := range vx.FDB {
		if e.ExternLearn || vx.Remote.IsValid() && e == def {
			continue
		}
		w.line("%s", JoinLine(FDBLine(l.Name, e)))
	}
}

// FDBLine returns the command line that adds configured forwarding entry
// e to VXLAN link dev, after the entries of its address that come before
// it.
func FDBLine(dev string, e control.FDBEntry) []string {
	argv := []string{"bridge", "fdb", "append", e.MAC.String(), "dev", dev, "dst", e.Dst.String()}
	switch e.State {
	case control.FDBPermanent:
	case control.FDBDynamic:
		argv = append(argv, "dynamic")
	default:
		argv = append(argv, e.State.String())
	}
	return argv
}

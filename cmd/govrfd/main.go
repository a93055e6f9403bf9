// Command govrfd is the govrf daemon: it owns the ports, the control
// plane and the data plane, serves govrf's commands on a unix socket
// and keeps the running configuration in a file across restarts.
//
//	govrfd [-socket PATH] [-config FILE] [-state FILE] [-log-format text|json]
//	       [-group NAME] [-host-stacks=BOOL] [-netns-dir DIR] [-ipv6-mroute yes|no|auto]
//
// It runs the BGP EVPN speaker (internal/bgp, docs/bgp.md) when its
// configuration asks for one.
package main

import (
	"os"

	"github.com/govrf/govrf/internal/bgp"
	"github.com/govrf/govrf/internal/daemon"
)

func main() {
	if bgp.IsChild() {
		os.Exit(bgp.ChildMain()) // the speaker's GoBGP, in the underlay's namespace
	}
	daemon.NewBGPSpeaker = newSpeaker
	os.Exit(daemon.Main(os.Args[1:], os.Stderr))
}

// newSpeaker makes govrfd's BGP speaker.
func newSpeaker(netns string, apply func([][]string) []error, carrier func(int) bool) daemon.BGPSpeaker {
	return bgp.New(bgp.Config{Applier: applyFunc(apply), Netns: netns, Carrier: carrier})
}

// applyFunc is a function that is a bgp.Applier.
type applyFunc func([][]string) []error

func (f applyFunc) Apply(lines [][]string) []error { return f(lines) }

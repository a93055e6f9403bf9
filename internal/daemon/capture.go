package daemon

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/dataplane"
)

// capture runs `capture vrf NAME [dev PORT]... [count N]` as a stream:
// every frame that enters or leaves a port of the VRF (or of the ports
// named) goes to the client as it passes, until count frames went, the
// client hangs up or the daemon stops. A client that reads too slowly
// loses frames, counted and told as a monitor's events are; the data
// plane never waits for it. The client writes the file (-w).
func (d *Daemon) capture(ctx context.Context, req api.Request, s *api.Stream) api.Response {
	var stderr strings.Builder
	c, ok, code := cli.ParseCapture(req.Argv, &stderr)
	if !ok {
		return api.Response{Stderr: stderr.String(), Code: code}
	}
	snap := d.ctl.Snapshot()
	vrf, ports, err := c.CaptureLinks(snap)
	if err != nil {
		return api.Response{Stderr: fmt.Sprintf("Error: %v.\n", err), Code: 1}
	}
	vrfName := dataplane.DefaultVRF
	if vrf != 0 {
		vrfName = snap.Link(vrf).Name
	}
	var names []string
	for l := range snap.Links() {
		if l.Kind.IsPort() && vrfNameOf(snap, l.Index) == vrfName && (ports == nil || ports[l.Index]) {
			names = append(names, l.Name)
		}
	}
	on := "no port yet"
	if len(names) > 0 {
		on = strings.Join(names, ", ")
	}
	defer d.fp.hold()() // the fast path's packets would not pass the capture
	s.SendResponse(api.Response{Stderr: fmt.Sprintf("capturing in VRF %s on %s; interrupt to stop\n", vrfName, on)})
	var sent atomic.Uint64
	done := make(chan struct{})
	var once sync.Once
	stop := d.plane.StartCapture(vrf, func(f dataplane.Captured) {
		if ports != nil && !ports[f.Link] {
			return
		}
		if c.Count > 0 {
			n := sent.Add(1)
			if n > c.Count {
				return
			}
			if n == c.Count {
				defer once.Do(func() { close(done) })
			}
		}
		name := fmt.Sprintf("if%d", f.Link)
		if l := d.ctl.Snapshot().Link(f.Link); l != nil {
			name = l.Name
		}
		s.SendResponse(api.Response{Frame: &api.Frame{Dev: name, Out: f.Out, Time: f.Time.UnixNano(), Data: f.Frame}})
	})
	defer stop()
	select {
	case <-done:
		return api.Response{}
	case <-ctx.Done():
		return api.Response{Stderr: "govrfd: the capture ends: the daemon is stopping.\n"}
	}
}

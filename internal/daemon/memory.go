package daemon

import (
	"runtime/debug"
)

// loadGCPercent is the GOGC the start-up load runs with, as govrf gives
// `-batch`: a configuration of a million routes allocates a little per
// line and keeps most of it, so collecting less often while it loads
// shortens the start for some transient heap.
const loadGCPercent = 300

// startLoad prepares the process for loading the configuration at start
// and returns the function to call once it is loaded. That function
// restores the collector's setting and hands the load's garbage (the
// script's text, the scratch pass that validated it) back to the
// system, so that the daemon's resident memory is what its state needs
// rather than the load's peak, which the runtime would otherwise return
// only slowly.
func startLoad() (loaded func()) {
	old := debug.SetGCPercent(loadGCPercent)
	return func() {
		debug.SetGCPercent(old)
		debug.FreeOSMemory()
	}
}

package daemon

import (
	"runtime/debug"
	"time"
)

// bulkGCPercent is the GOGC bulk loads run with (the configuration at
// start, a -batch), as govrf gives an offline `-batch`: a load of a
// million routes allocates a little per line and keeps most of it, so
// collecting less often while it loads shortens it by a third for some
// transient heap.
const bulkGCPercent = 300

// bulkReturn is the number of changes from which a bulk load hands its
// garbage back to the system when it ends; a smaller one is not worth
// the full collection that takes.
const bulkReturn = 10_000

// compactReturn is the size of script from which a compaction hands its
// garbage back to the system once installed: a script that large comes
// of thousands of lines, whose making (a sorted walk of every table, the
// lines) allocates several times the script.
const compactReturn = 256 << 10

// compacted is called once a compaction has made a script of size
// octets, outside d.mu. A large load ends with such a compaction in the
// background, after bulkLoad's done: without this, its garbage would
// stay resident until the runtime returns it, slowly.
func compacted(size int64) {
	if size >= compactReturn {
		debug.FreeOSMemory()
	}
}

// bulkLoad prepares the process for a bulk load and returns the function
// to call once it is done, with the number of changes it made. That
// function restores the collector's setting and, after a large load,
// hands its garbage (lines, parsed words, the tables' copies) back to
// the system, so that the daemon's resident memory is what its state
// needs rather than the load's peak, which the runtime would otherwise
// return only slowly. Loads run under d.mu, one at a time.
func bulkLoad() (done func(changes uint64)) {
	old := debug.SetGCPercent(bulkGCPercent)
	return func(changes uint64) {
		debug.SetGCPercent(old)
		if changes >= bulkReturn {
			debug.FreeOSMemory()
			// The data plane's workers may still hold a snapshot the
			// load published midway, whose tables are copies: once they
			// have moved on (a tick at most), that is garbage too.
			time.AfterFunc(time.Second, debug.FreeOSMemory)
		}
	}
}

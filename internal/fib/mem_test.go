package fib

import (
	"runtime"
	"testing"
)

// TestMemoryPerRoute holds a full IPv4 table to its budget: 64 bytes per
// route, trie included.
func TestMemoryPerRoute(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a million routes")
	}
	before := heapAlloc()
	tb := NewTable(TableMain)
	loadInternet(tb, fullTable, 11)
	perRoute := float64(heapAlloc()-before) / float64(tb.Len())
	runtime.KeepAlive(tb)
	if perRoute > 64 {
		t.Fatalf("a full table takes %.1f bytes per route, want at most 64", perRoute)
	}
	t.Logf("%.1f bytes per route", perRoute)
}

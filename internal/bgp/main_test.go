package bgp

import (
	"os"
	"testing"
)

// TestMain runs the test binary as a speaker's child when a speaker
// with a namespace starts it (spawn), as govrfd's main does.
func TestMain(m *testing.M) {
	if IsChild() {
		os.Exit(ChildMain())
	}
	os.Exit(m.Run())
}

package bgp

// Applier runs the speaker's changes on the control plane: govrfd runs
// them as command lines of its own (internal/daemon/bgp.go), under its
// lock, publishing once per call and journaling none of them, since what
// BGP learns is state, not configuration. Tests record them.
type Applier interface {
	// Apply runs lines in order, each a command line's words as govrf
	// takes them (`route replace ...`), and returns one error per line,
	// nil where the line succeeded. A failed line does not stop the
	// others.
	Apply(lines [][]string) []error
}

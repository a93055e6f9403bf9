//go:build !race

package e2e

// raceEnabled says that the tests, and the daemon they run (the test
// binary itself), are built with the race detector, which multiplies
// memory.
const raceEnabled = false

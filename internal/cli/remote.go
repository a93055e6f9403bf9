package cli

import (
	"fmt"
	"io"

	"github.com/govrf/govrf/internal/api"
)

// Offline reports whether argv must run in the caller's process rather
// than in the daemon: -batch reads a file (or standard input) that is
// the caller's, not the daemon's.
func Offline(argv []string) bool {
	inv, err := parseOptions(argv)
	return err == nil && inv.batch != ""
}

// Remote runs argv in the daemon listening on socket and copies what
// the command printed; it returns the command's exit code, or 2 if the
// daemon cannot be reached.
func Remote(socket string, argv []string, stdout, stderr io.Writer) int {
	if code, ok := remoteVRF(socket, argv, stdout, stderr); ok {
		return code
	}
	if code, ok := remoteMonitor(socket, argv, stdout, stderr); ok {
		return code
	}
	return remoteCall(socket, argv, stdout, stderr)
}

// remoteCall sends argv to the daemon as it is.
func remoteCall(socket string, argv []string, stdout, stderr io.Writer) int {
	resp, err := api.Call(socket, argv)
	if err != nil {
		fmt.Fprintf(stderr, "Cannot talk to govrfd: %v\n", err)
		return exitRefused
	}
	io.WriteString(stdout, resp.Stdout)
	io.WriteString(stderr, resp.Stderr)
	return resp.Code
}

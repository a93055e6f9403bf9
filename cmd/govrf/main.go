// Command govrf configures govrf with iproute2's grammar: `govrf link add
// blue type vrf table 10`, `govrf -batch FILE`, `govrf -j addr show`.
//
// With a daemon running, govrf sends its command line to govrfd's socket:
// the one given with `-socket PATH` (before anything else), else
// $GOVRF_SOCKET, else /run/govrf/govrf.sock if it exists. Without one a
// command is refused, never run on a throwaway state, except help and
// syntax errors, which need no router. `-batch FILE` reads FILE here and
// streams its lines to the daemon, which applies them; with no daemon it
// runs offline, as `-offline -batch FILE` always does: the file is
// applied to a fresh in-process control plane and inspected within the
// same file. -V is answered here.
//
// `govrf demo` tells the seed story (README.md): with root, in network
// namespaces with govrfd and the system's ping; without, in memory. For
// it, the binary runs as govrfd when $GOVRF_RUN_DAEMON holds govrfd's
// arguments.
package main

import (
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/daemon"
	"github.com/govrf/govrf/internal/demo"
)

const defaultSocket = "/run/govrf/govrf.sock"

// batchGCPercent is the GOGC a -batch runs with. A batch allocates a
// little per line and keeps most of it (a route per line); collecting
// less often while it runs makes a million-line load a third faster for
// some extra transient heap.
const batchGCPercent = 300

func main() {
	if args, ok := os.LookupEnv(demo.DaemonEnv); ok {
		os.Exit(daemon.Main(strings.Fields(args), os.Stderr))
	}
	argv := os.Args[1:]
	if len(argv) >= 1 && argv[0] == "demo" {
		os.Exit(runDemo(argv[1:]))
	}
	socket, explicit := os.LookupEnv("GOVRF_SOCKET")
	if len(argv) >= 2 && (argv[0] == "-socket" || argv[0] == "--socket") {
		socket, explicit, argv = argv[1], true, argv[2:]
	}
	if !explicit && daemonListens(defaultSocket) {
		socket = defaultSocket
	}
	batch := cli.Batch(argv) != ""
	switch {
	case cli.Offline(argv) || cli.AsksVersion(argv):
	case socket != "":
		os.Exit(remote(socket, argv, os.Stdout, os.Stderr))
	case batch:
		fmt.Fprintln(os.Stderr, "govrf: no govrfd listens on "+defaultSocket+": -batch runs offline, on a control plane of its own: no running govrfd is changed")
	default:
		os.Exit(noDaemon(defaultSocket, argv, os.Stdout, os.Stderr))
	}
	if batch {
		debug.SetGCPercent(batchGCPercent)
	}
	os.Exit(cli.Run(control.New(), argv, os.Stdout, os.Stderr))
}

// daemonListens reports whether a daemon socket exists at path. A
// socket left by a daemon that died makes govrf say it cannot reach the
// daemon, rather than silently configure a throwaway control plane.
func daemonListens(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().Type() == os.ModeSocket
}

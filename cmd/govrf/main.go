// Command govrf configures govrf with iproute2's grammar: `govrf link add
// blue type vrf table 10`, `govrf -batch FILE`, `govrf -j addr show`.
//
// With a daemon running, govrf sends its command line to govrfd's socket:
// the one given with `-socket PATH` (before anything else), else
// $GOVRF_SOCKET, else /run/govrf/govrf.sock if it exists. Without one a
// command is refused, never run on a throwaway state, except help and
// syntax errors, which need no router. -batch and -V always run offline:
// a -batch file is applied to a fresh in-process control plane and
// inspected within the same file.
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
	offline := cli.Offline(argv)
	switch {
	case offline || cli.AsksVersion(argv):
	case socket != "":
		os.Exit(remote(socket, argv, os.Stdout, os.Stderr))
	default:
		os.Exit(noDaemon(defaultSocket, argv, os.Stdout, os.Stderr))
	}
	if offline {
		debug.SetGCPercent(batchGCPercent)
		fmt.Fprintln(os.Stderr, "govrf: -batch runs offline, on a control plane of its own: no running govrfd is changed")
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

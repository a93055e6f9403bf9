// Command govrf configures govrf with iproute2's grammar: `govrf link add
// blue type vrf table 10`, `govrf -batch FILE`, `govrf -j addr show`.
//
// With a daemon running, govrf sends its command line to govrfd's socket:
// the one given with `-socket PATH` (before anything else), else
// $GOVRF_SOCKET, else /run/govrf/govrf.sock if it exists.
// Without one, and always for -batch, govrf runs offline: each invocation
// works on a fresh in-process control plane, so a configuration is
// applied and inspected within one -batch file.
//
// `govrf demo` tells the seed article's story: with root, in network
// namespaces with govrfd and the system's ping; without, in memory. For
// it, the binary runs as govrfd when $GOVRF_RUN_DAEMON holds govrfd's
// arguments.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/daemon"
	"github.com/govrf/govrf/internal/demo"
)

const defaultSocket = "/run/govrf/govrf.sock"

func main() {
	if args, ok := os.LookupEnv(demo.DaemonEnv); ok {
		os.Exit(daemon.Main(strings.Fields(args), os.Stderr))
	}
	argv := os.Args[1:]
	if len(argv) == 1 && argv[0] == "demo" {
		os.Exit(runDemo())
	}
	socket, explicit := os.LookupEnv("GOVRF_SOCKET")
	if len(argv) >= 2 && (argv[0] == "-socket" || argv[0] == "--socket") {
		socket, explicit, argv = argv[1], true, argv[2:]
	}
	if !explicit && daemonListens(defaultSocket) {
		socket = defaultSocket
	}
	if socket != "" && !cli.Offline(argv) {
		os.Exit(cli.Remote(socket, argv, os.Stdout, os.Stderr))
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

// runDemo runs `govrf demo` and returns its exit code.
func runDemo() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	var err error
	switch missing := missingTools("ip", "ping"); {
	case os.Geteuid() != 0:
		fmt.Println("govrf demo needs root for network namespaces; telling the same story in memory.")
		err = demo.Memory(os.Stdout)
	case missing != "":
		fmt.Printf("govrf demo needs %s (apt-get install iproute2 iputils-ping); telling the same story in memory.\n", missing)
		err = demo.Memory(os.Stdout)
	default:
		err = demo.Namespaces(ctx, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "govrf demo:", err)
		return 1
	}
	return 0
}

// missingTools returns the first of the programs not on $PATH, or "".
func missingTools(names ...string) string {
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			return n
		}
	}
	return ""
}

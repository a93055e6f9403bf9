package main

import (
	"bytes"
	"fmt"
	"io"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
)

// exitUsage is ip's exit(-1): help, an unknown command, garbage.
const exitUsage = 255

// noDaemon answers a command line when no govrfd can be reached. A
// change would be made on a throwaway control plane and lost, and a show
// or get would describe a router that does not exist, so neither is run
// for real: the command is refused with the socket tried and the ways
// forward. Help and syntax errors need no router and are answered as
// they are, so that `govrf link help` and a mistyped command still say
// what ip says.
func noDaemon(socket string, argv []string, stdout, stderr io.Writer) int {
	var out, errs bytes.Buffer
	code := cli.Run(control.New(), argv, &out, &errs)
	if code == exitSyntax || code == exitUsage {
		io.Copy(stdout, &out)
		io.Copy(stderr, &errs)
		return code
	}
	fmt.Fprintf(stderr, `Cannot talk to govrfd: no daemon listens on %s, so nothing was changed or shown.
Start it (as root: govrfd -socket %s -config /etc/govrf/govrf.conf &),
or name the socket of a running one (govrf -socket PATH ..., or GOVRF_SOCKET=PATH),
or check a configuration without a router: govrf -offline -batch FILE
`, socket, socket)
	return exitRefused
}

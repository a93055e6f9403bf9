// Command govrf configures govrf with iproute2's grammar: `govrf link add
// blue type vrf table 10`, `govrf -batch FILE`, `govrf -j addr show`.
//
// Until the daemon exists govrf runs offline: each invocation works on a
// fresh in-process control plane, so a configuration is applied and
// inspected within one -batch file.
package main

import (
	"os"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
)

func main() {
	os.Exit(cli.Run(control.New(), os.Args[1:], os.Stdout, os.Stderr))
}

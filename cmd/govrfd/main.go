// Command govrfd is the govrf daemon: it owns the ports, the control
// plane and the data plane, serves govrf's commands on a unix socket
// and keeps the running configuration in a file across restarts.
//
//	govrfd [-socket PATH] [-config FILE] [-state FILE] [-log-format text|json]
//	       [-group NAME] [-host-stacks=BOOL] [-netns-dir DIR] [-ipv6-mroute yes|no|auto]
package main

import (
	"os"

	"github.com/govrf/govrf/internal/daemon"
)

func main() { os.Exit(daemon.Main(os.Args[1:], os.Stderr)) }

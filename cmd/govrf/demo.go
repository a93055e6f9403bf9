package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"sync/atomic"
	"syscall"

	"github.com/govrf/govrf/internal/demo"
)

const demoUsage = `Usage: govrf demo

Tells the seed story: companies A and B both number their sites
192.168.1.0/24 and 192.168.2.0/24, and one router keeps them apart with
VRFs a and b. As root (with ip and ping installed) it builds the sites and
the router in network namespaces, runs govrfd on the router's veth ends,
configures it with govrf commands and pings across each company, showing
from the sites' own ICMP counters that nothing reaches the other company;
without root it tells the same story on in-memory ports. It prints every
command it runs and removes everything it made when it ends, also when
interrupted.
`

// runDemo runs `govrf demo [help]` and returns its exit code. An
// interrupt (SIGINT, SIGTERM, SIGHUP, or SIGPIPE from `govrf demo | head`)
// cleans up and exits quietly with 128 plus the signal's number, as a
// shell reports a program the signal ended.
func runDemo(args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "help", "-h", "-help", "--help":
			io.WriteString(os.Stdout, demoUsage)
			return 0
		}
		fmt.Fprintf(os.Stderr, "govrf demo takes no arguments (%q).\n%s", args[0], demoUsage)
		return 255
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var caught atomic.Int32
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt, syscall.SIGHUP, syscall.SIGPIPE)
	defer signal.Stop(sigs)
	go func() {
		if s, ok := (<-sigs).(syscall.Signal); ok {
			caught.Store(int32(s))
		}
		cancel()
	}()
	var err error
	switch missing := missingTools("ip", "ping", "nsenter"); {
	case os.Geteuid() != 0:
		fmt.Println("govrf demo needs root for network namespaces; telling the same story in memory.")
		err = demo.Memory(os.Stdout)
	case missing != "":
		fmt.Printf("govrf demo needs %s (apt-get install iproute2 iputils-ping util-linux); telling the same story in memory.\n", missing)
		err = demo.Memory(os.Stdout)
	default:
		self, serr := os.Executable()
		if serr != nil {
			err = serr
			break
		}
		err = demo.Namespaces(ctx, os.Stdout, self)
	}
	if s := caught.Load(); s != 0 {
		// What the interrupt broke (a ping the terminal's signal ended
		// too) is no failure of the story; the clean-up has run.
		return 128 + int(s)
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

package cli

import (
	"fmt"
	"os"
	"strconv"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/hoststack"
)

// A VRF's programs run in its host stack (docs/hoststacks.md), which only
// a running daemon has: offline, `vrf exec`, `identify` and `pids` say
// so. Against the daemon, `vrf exec NAME CMD...` is answered with the
// path of the host stack's namespace (govrfd hands the namespace itself
// over the socket as well), and the govrf client — which runs the command
// in its own process, with its terminal and environment, as `ip vrf exec`
// does — enters it and executes CMD there.

// vrfNeedsDaemon refuses the commands that bind processes to a VRF
// offline.
func vrfNeedsDaemon(verb string) error {
	return failf(exitRefused, "Error: \"vrf %s\" needs the govrf daemon, which is not running.", verb)
}

// vrfStack returns the namespace of the host stack of VRF name, with
// ipvrf.c's message for a name that is no VRF ("default" always is).
func vrfStack(c *ctx, name string) (string, error) {
	if name != "default" {
		if l := c.ctl.View().LinkByName(name); l == nil || l.Kind != control.KindVRF {
			return "", returnf(exitUsage, "Invalid VRF name")
		}
	}
	path, ok := c.plane.HostStacks()[name]
	if !ok {
		return "", failf(exitRefused, "Error: VRF %s has no host stack: govrfd runs without them (-host-stacks=false) or could not make it.", name)
	}
	return path, nil
}

// StackVRF reports whether argv is `vrf exec NAME ...` or `vrf pids
// NAME`, which need the host stack of VRF NAME to exist, and returns
// NAME: the daemon makes a VRF's stack when it is first needed.
func StackVRF(argv []string) (string, bool) {
	inv, err := parseOptions(argv)
	if err != nil || inv.batch != "" || len(inv.rest) < 3 || objectOf(inv.rest[0]) != "vrf" {
		return "", false
	}
	// do_ipvrf tries identify and pids before exec.
	switch v := inv.rest[1]; {
	case matches(v, "identify"):
		return "", false
	case matches(v, "pids"), matches(v, "exec"):
		return inv.rest[2], true
	}
	return "", false
}

// vrfExecPath answers `vrf exec NAME CMD...` with the path of NAME's
// host stack, for the client to enter (ipvrf_exec's checks first).
func vrfExecPath(c *ctx, a *args) error {
	rest := execArgs(a.rest())
	switch {
	case len(rest) < 1:
		return returnf(exitUsage, "No VRF name specified")
	case len(rest) < 2:
		return returnf(exitUsage, "No command specified")
	case c.plane == nil:
		return vrfNeedsDaemon("exec")
	}
	path, err := vrfStack(c, rest[0])
	if err != nil {
		return err
	}
	fmt.Fprintln(c.out, path)
	return nil
}

// execArgs returns `vrf exec`'s NAME and command, without the "--" that
// may part them.
func execArgs(rest []string) []string {
	if len(rest) > 1 && rest[1] == "--" {
		return append([]string{rest[0]}, rest[2:]...)
	}
	return rest
}

// vrfIdentify is `vrf identify [PID]`: the VRF whose host stack the
// process runs in, or nothing for one outside them all.
func vrfIdentify(c *ctx, a *args) error {
	rest := a.rest()
	pid := os.Getpid()
	switch {
	case len(rest) > 1:
		return errInvArg("Extra arguments specified\n", rest[1])
	case len(rest) == 1:
		n, err := strconv.ParseUint(rest[0], 10, 31)
		if err != nil {
			return errInvArg("Invalid pid\n", rest[0])
		}
		pid = int(n)
	}
	if c.plane == nil {
		return vrfNeedsDaemon("identify")
	}
	name, err := hoststack.Identify(pid, c.plane.HostStacks())
	if err != nil {
		return failf(exitRefused, "Failed to lookup vrf association: %v", err)
	}
	if name != "" {
		fmt.Fprintln(c.out, name)
	}
	return nil
}

// vrfPids is `vrf pids NAME`: the processes running in NAME's host stack.
func vrfPids(c *ctx, a *args) error {
	rest := a.rest()
	if len(rest) != 1 {
		return returnf(exitUsage, "Invalid arguments")
	}
	if c.plane == nil {
		return vrfNeedsDaemon("pids")
	}
	path, err := vrfStack(c, rest[0])
	if err != nil {
		return err
	}
	procs, err := hoststack.Pids(path)
	if err != nil {
		return failf(exitRefused, "Failed to read the processes of VRF %s: %v", rest[0], err)
	}
	for _, p := range procs {
		fmt.Fprintf(c.out, "%5d  %s\n", p.PID, p.Comm)
	}
	return nil
}

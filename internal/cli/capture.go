package cli

import (
	"fmt"
	"io"
	"strconv"

	"github.com/govrf/govrf/internal/control"
)

// Capture is a `capture vrf NAME [dev PORT]... [count N] [-w FILE]`
// command: the frames that enter or leave the ports of VRF NAME
// ("default" for the default VRF), or of the ports named, until Count
// (0: until interrupted), written by the client to File as pcapng ("-":
// standard output).
type Capture struct {
	VRF   string
	Devs  []string
	Count uint64
	File  string
}

const captureUsage = `Usage: govrf capture vrf NAME [ dev PORT ]... [ count N ] -w FILE.pcapng
       -w - writes to standard output: govrf capture vrf blue -w - | tcpdump -n -r -`

// IsCapture reports whether argv is a `capture` command line, which the
// client runs as a stream.
func IsCapture(argv []string) bool {
	inv, err := parseOptions(argv)
	return err == nil && inv.batch == "" && len(inv.rest) > 0 && objectOf(inv.rest[0]) == "capture"
}

// ParseCapture reads a `capture` command line (with its global options).
// For anything else, or a malformed one, it writes the error to stderr
// and returns false and the exit code.
func ParseCapture(argv []string, stderr io.Writer) (Capture, bool, int) {
	inv, err := parseOptions(argv)
	if err == nil && (len(inv.rest) == 0 || inv.batch != "" || objectOf(inv.rest[0]) != "capture") {
		err = failf(exitSyntax, "Error: not a \"capture\" command line.")
	}
	var c Capture
	if err == nil {
		c, err = parseCapture(&args{w: inv.rest[1:]})
	}
	if err != nil {
		fmt.Fprintln(stderr, message(err))
		return Capture{}, false, exitCode(err)
	}
	return c, true, exitOK
}

// parseCapture reads the words after `capture`.
func parseCapture(a *args) (Capture, error) {
	var c Capture
	for a.more() {
		w := a.next()
		if matches(w, "help") {
			return c, errUsage(captureUsage)
		}
		v, err := a.value()
		if err != nil {
			return c, err
		}
		switch w {
		case "vrf":
			c.VRF = v
		case "dev":
			c.Devs = append(c.Devs, v)
		case "count":
			if c.Count, err = strconv.ParseUint(v, 10, 64); err != nil || c.Count == 0 {
				return c, errInvArg("\"count\" value is invalid\n", v)
			}
		case "-w":
			c.File = v
		default:
			return c, errUsage(captureUsage)
		}
	}
	if c.VRF == "" && len(c.Devs) == 0 {
		return c, failf(exitSyntax, "Error: capture what? Name a VRF (\"vrf NAME\", \"default\" for the default VRF) or ports (\"dev PORT\").\n%s", captureUsage)
	}
	return c, nil
}

// CaptureLinks returns the link indexes c captures in s: the ports of
// its VRF, or those it names. The error says which name is wrong.
func (c *Capture) CaptureLinks(s *control.Snapshot) (vrf int, ports map[int]bool, err error) {
	if c.VRF != "" && c.VRF != "default" {
		l := s.LinkByName(c.VRF)
		if l == nil || !l.IsVRF() {
			return 0, nil, fmt.Errorf("%q is not a VRF; \"govrf vrf show\" lists them", c.VRF)
		}
		vrf = l.Index
	}
	if len(c.Devs) == 0 {
		return vrf, nil, nil
	}
	ports = map[int]bool{}
	for _, d := range c.Devs {
		l := s.LinkByName(d)
		if l == nil {
			return 0, nil, fmt.Errorf("cannot find device %q", d)
		}
		if c.VRF == "" {
			if v := s.VRFOf(l.Index); v != nil {
				vrf = v.Index
			}
		}
		if got := s.VRFOf(l.Index); got == nil && vrf != 0 || got != nil && got.Index != vrf {
			return 0, nil, fmt.Errorf("device %q is not in the VRF captured", d)
		}
		ports[l.Index] = true
	}
	return vrf, ports, nil
}

// doCapture answers `capture` where it cannot run: offline, or as a plain
// request.
func doCapture(c *ctx, a *args) error {
	if _, err := parseCapture(a); err != nil {
		return err
	}
	if c.plane == nil {
		return failf(exitRefused, "Error: \"capture\" needs the govrf daemon, which is not running: start govrfd, then run the capture again.")
	}
	return failf(exitRefused, "Error: \"capture\" is answered only on a streaming request.")
}

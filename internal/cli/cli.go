// Package cli is govrf's command line: iproute2's grammar for link, addr,
// route, rule, nexthop and vrf, plus sysctl, with output shaped like ip's
// text and `ip -j` JSON, errors worded as ip words them and ip's exit
// codes.
package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"github.com/govrf/govrf/internal/buildinfo"
	"github.com/govrf/govrf/internal/config"
	"github.com/govrf/govrf/internal/control"
)

// Options are the global options given before the object.
type Options struct {
	Family  int // 0 (any), 4 or 6
	JSON    bool
	Pretty  bool
	Details bool
	Stats   int // number of -s given
	Brief   bool
	Oneline bool // -o: each record on one line, lines joined by '\'
	Force   bool
}

// ctx is one command's environment.
type ctx struct {
	ctl   *control.Control
	plane Plane // nil offline
	opts  Options
	out   io.Writer
	warn  io.Writer // warnings that do not fail the command
}

// writers recycles RunWith's output buffers: a configuration load runs
// a command per line, and a fresh 4 KiB buffer for each made most of the
// garbage of a million-line load.
var writers = sync.Pool{New: func() any { return bufio.NewWriter(nil) }}

// diagnostics writes to standard error after flushing standard output, so
// that a terminal shows output and messages in the order they were made.
type diagnostics struct {
	out *bufio.Writer
	w   io.Writer
}

func (d diagnostics) Write(b []byte) (int, error) {
	d.out.Flush()
	return d.w.Write(b)
}

// object is a top-level command word and its handler.
type object struct {
	name string
	run  func(c *ctx, a *args) error
}

// objects lists the objects in iproute2's order, which decides what an
// abbreviation means (`govrf r` is route, as `ip r` is).
var objects []object

func init() {
	objects = []object{
		{"address", doAddr},
		{"route", doRoute},
		{"rule", doRule},
		{"neighbor", doNeigh},
		{"neighbour", doNeigh},
		{"link", doLink},
		{"monitor", doMonitor},
		{"capture", doCapture},
		{"trace", doTrace},
		{"vrf", doVRF},
		{"nexthop", doNexthop},
		{"sysctl", doSysctl},
		{"bgp", doBGP},
		{"show", doShow},
		{"bridge", doBridge},
		{"save", doSave},
		{"help", doHelp},
	}
}

// versionText is what -Version prints: what govrf is, as `ip -V` says
// which iproute2 it is, and the binary's build (version and revision).
func versionText() string {
	return "govrf utility, iproute2-compatible\ngovrf " + buildinfo.String() + "\n"
}

// Run runs one govrf command line (without the program name) against ctl
// and returns the exit code; output goes to stdout, errors to stderr.
func Run(ctl *control.Control, argv []string, stdout, stderr io.Writer) int {
	return RunWith(ctl, nil, argv, stdout, stderr)
}

// RunWith is Run for govrfd: plane answers what only a running data
// plane knows (neighbours, packet counters).
func RunWith(ctl *control.Control, plane Plane, argv []string, stdout, stderr io.Writer) int {
	out := writers.Get().(*bufio.Writer)
	out.Reset(stdout)
	defer func() {
		out.Flush()
		out.Reset(nil)
		writers.Put(out)
	}()
	stderr = diagnostics{out, stderr}
	inv, err := parseOptions(argv)
	switch {
	case err != nil:
		fmt.Fprintln(stderr, message(err))
		return exitCode(err)
	case inv.version:
		io.WriteString(out, versionText())
		return exitOK
	case inv.batch != "":
		r, code := OpenBatch(inv.batch, os.Stdin, stderr)
		if r == nil {
			return code
		}
		defer r.Close()
		return runBatch(&ctx{ctl: ctl, plane: plane, opts: inv.opts, out: out, warn: stderr}, inv, r, nil)
	case len(inv.rest) == 0:
		io.WriteString(stderr, usage)
		return exitUsage
	}
	if err := runOne(&ctx{ctl: ctl, plane: plane, opts: inv.opts, out: out, warn: stderr}, inv.rest); err != nil {
		fmt.Fprintln(stderr, message(err))
		return exitCode(err)
	}
	return exitOK
}

// runOne dispatches one command (object and arguments). An unknown object
// fails with exit 1, as ip's do_cmd returns EXIT_FAILURE.
func runOne(c *ctx, words []string) error {
	return runOneWith(c, &args{}, words)
}

// runOneWith is runOne with a's words set to the object's arguments: a
// batch passes the same args for every line, saving an allocation per
// line.
func runOneWith(c *ctx, a *args, words []string) error {
	for _, o := range objects {
		if matches(words[0], o.name) {
			*a = args{w: words[1:]}
			return o.run(c, a)
		}
	}
	return &cmdError{fmt.Sprintf("Object %q is unknown, try \"govrf help\".", words[0]), exitSyntax}
}

// strerror returns the C library's text for a system error.
func strerror(err error) string {
	s := err.Error()
	if s != "" {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

// splitLine splits a batch line into words as config.SplitLine does
// (iproute2's makeargs), with ip's exit code for a bad line.
func splitLine(s string) ([]string, error) { return appendLine(nil, s) }

// appendLine is splitLine appending the words to dst.
func appendLine(dst []string, s string) ([]string, error) {
	w, err := config.AppendSplitLine(dst, s)
	if err != nil {
		return nil, &cmdError{err.Error(), exitUsage}
	}
	return w, nil
}

const usage = `Usage: govrf [ OPTIONS ] OBJECT { COMMAND | help }
       govrf [ -force ] [ -atomic ] -batch filename
       govrf demo [ help ]
where  OBJECT := { address | bgp | bridge | capture | help | link | monitor | neighbor | nexthop | route |
                   rule | save | show { running-config | errors } | sysctl | trace | vrf }
       OPTIONS := { -V[ersion] | -s[tatistics] | -d[etails] | -r[esolve] |
                    -h[uman-readable] | -iec | -j[son] | -p[retty] |
                    -f[amily] { inet | inet6 } | -4 | -6 | -br[ief] | -o[neline] |
                    -b[atch] [filename] | -N[umeric] | -a[ll] | -c[olor] |
                    -at[omic] | -off[line] }
       -atomic: a batch applies all or nothing (govrfd)
       -offline: run on a control plane of govrf's own, never in govrfd
`

// doHelp prints the usage to standard error and fails, as `ip help` does.
func doHelp(c *ctx, a *args) error {
	return errUsage(usage)
}

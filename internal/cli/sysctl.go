package cli

import (
	"errors"
	"fmt"
	"strings"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/rterr"
)

// sysctlFlags are the sysctl(8) options govrf's sysctl takes.
type sysctlFlags struct {
	all, write, values, names, quiet, ignore bool
}

// doSysctl runs `sysctl` with the grammar and output of procps sysctl(8):
// `NAME`, `NAME=VALUE`, `-w NAME=VALUE`, `-a`, and -n, -N, -q, -e.
// Failures exit 1, as sysctl's do.
func doSysctl(c *ctx, a *args) error {
	var fl sysctlFlags
	var words []string
	for a.more() {
		w := a.next()
		if len(w) < 2 || w[0] != '-' {
			words = append(words, w)
			continue
		}
		for _, o := range w[1:] {
			switch o {
			case 'a', 'A', 'X':
				fl.all = true
			case 'w':
				fl.write = true
			case 'n':
				fl.values = true
			case 'N':
				fl.names = true
			case 'q':
				fl.quiet = true
			case 'e':
				fl.ignore = true
			case 'o', 'x':
			default:
				return failf(exitSyntax, "sysctl: invalid option -- '%c'\n%s", o, sysctlUsage)
			}
		}
	}
	snap := c.ctl.View()
	if fl.all {
		for _, n := range control.SysctlNames() {
			v, _ := snap.Sysctl().Get(n)
			fl.print(c, n, v)
		}
		return nil
	}
	if len(words) == 0 {
		return failf(exitSyntax, "sysctl: no variables specified\nTry `sysctl --help' for more information.")
	}
	var failed error
	for _, w := range words {
		if err := sysctlOne(c, &fl, w); err != nil {
			if failed != nil {
				fmt.Fprintln(c.warn, failed)
			}
			failed = err
		}
	}
	return failed
}

const sysctlUsage = `Usage:
 sysctl [options] [variable[=value] ...]`

// sysctlOne reads or writes one variable. A name may use slashes
// (net/ipv4/ip_forward), as sysctl accepts.
func sysctlOne(c *ctx, fl *sysctlFlags, w string) error {
	name, value, set := strings.Cut(w, "=")
	if fl.write && !set {
		return failf(exitSyntax, "sysctl: %q must be of the form name=value", w)
	}
	name = strings.ReplaceAll(strings.TrimSpace(name), "/", ".")
	if !set {
		v, err := c.ctl.View().Sysctl().Get(name)
		if err != nil {
			return sysctlError(fl, err)
		}
		fl.print(c, name, v)
		return nil
	}
	value = strings.TrimSpace(value)
	if err := c.ctl.SetSysctl(name, value); err != nil {
		return sysctlError(fl, err)
	}
	if !fl.quiet {
		v, _ := c.ctl.View().Sysctl().Get(name)
		fl.print(c, name, v)
	}
	return nil
}

// sysctlError words a failure as sysctl does: an errno as strerror's
// text, and unknown names silenced by -e.
func sysctlError(fl *sysctlFlags, err error) error {
	msg := message(err)
	if fl.ignore && strings.HasPrefix(msg, "sysctl: cannot stat") {
		return nil
	}
	var re *rterr.Error
	if errors.As(err, &re) && re.Msg == "" {
		msg = strings.TrimSuffix(err.Error(), re.Error()) + errnoText(re.Errno)
	}
	return failf(exitSyntax, "%s", msg)
}

// print shows a variable as `NAME = VALUE`, or only one half with -n/-N.
func (fl *sysctlFlags) print(c *ctx, name, value string) {
	switch {
	case fl.values:
		fmt.Fprintln(c.out, value)
	case fl.names:
		fmt.Fprintln(c.out, name)
	default:
		fmt.Fprintf(c.out, "%s = %s\n", name, value)
	}
}

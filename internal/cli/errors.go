package cli

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"unicode"
	"unicode/utf8"

	"github.com/govrf/govrf/internal/rterr"
)

// Exit codes, as ip uses them.
const (
	exitOK      = 0
	exitSyntax  = 1   // a malformed argument ("Error: ... is expected")
	exitRefused = 2   // the control plane refused ("RTNETLINK answers: ...")
	exitUsage   = 255 // unknown command or garbage (ip's exit(-1))
)

// cmdError is a command failure with the text ip prints and its exit code.
type cmdError struct {
	msg  string
	code int
}

func (e *cmdError) Error() string { return e.msg }

// exitCode returns the exit code for err (exitRefused for control-plane
// refusals).
func exitCode(err error) int {
	var c *cmdError
	if errors.As(err, &c) {
		return c.code
	}
	return exitRefused
}

// batchError says whether a failure ends a -batch, where its code alone
// does not tell: ip calls exit(1) on some paths (get_prefix), which ends a
// batch, and returns 255 from others (ipvrf_show's 1, negated by do_cmd),
// which does not.
type batchError struct {
	cmdError
	ends bool
}

func (e *batchError) Unwrap() error { return &e.cmdError }

// endsBatch reports whether ip would have exited on err rather than
// returned it, ending a -batch even with -force. A plain cmdError ends it
// when its code is 255, ip's exit(-1).
func endsBatch(err error) bool {
	var b *batchError
	if errors.As(err, &b) {
		return b.ends
	}
	var c *cmdError
	return errors.As(err, &c) && c.code == exitUsage
}

// errInvArg is iproute2's invarg(): `Error: argument "ARG" is wrong: MSG`.
func errInvArg(msg, arg string) error {
	return &cmdError{fmt.Sprintf("Error: argument %q is wrong: %s", arg, msg), exitUsage}
}

// errExpected is "Error: WHAT is expected rather than \"ARG\"." (exit 1).
func errExpected(what, arg string) error {
	return exitf(exitSyntax, "Error: %s is expected rather than %q.", what, arg)
}

// errDuplicate is iproute2's duparg2().
func errDuplicate(key, arg string) error {
	return &cmdError{fmt.Sprintf("Error: either %q is duplicate, or %q is a garbage.", key, arg), exitUsage}
}

// errIncomplete is "Command line is not complete. Try option \"help\"".
func errIncomplete() error {
	return &cmdError{`Command line is not complete. Try option "help"`, exitUsage}
}

// errUnknown is ip's `Command "X" is unknown, try "ip OBJ help".`, naming
// govrf: obj is the full object name ("address", "link").
func errUnknown(cmd, obj string) error {
	return &cmdError{fmt.Sprintf("Command %q is unknown, try \"govrf %s help\".", cmd, obj), exitUsage}
}

// errNoDevice is `Cannot find device "X"` (exit 1).
func errNoDevice(name string) error {
	return &cmdError{fmt.Sprintf("Cannot find device %q", name), exitSyntax}
}

// errDupArg is iproute2's duparg(): a keyword given twice.
func errDupArg(key, arg string) error {
	return &cmdError{fmt.Sprintf("Error: duplicate %q: %q is the second value.", key, arg), exitUsage}
}

// errUsage is a usage text, which ip prints to standard error before
// exit(-1).
func errUsage(text string) error {
	return &cmdError{strings.TrimSuffix(text, "\n"), exitUsage}
}

// failf is a failure with a plain message and an exit code: exitSyntax
// for ip's `return -1`, exitUsage for its exit(-1).
func failf(code int, format string, a ...any) error {
	return &cmdError{fmt.Sprintf(format, a...), code}
}

// exitf is a failure for which ip calls exit(code): it ends a batch.
func exitf(code int, format string, a ...any) error {
	return &batchError{cmdError{fmt.Sprintf(format, a...), code}, true}
}

// returnf is a failure ip returns, whatever its code: a batch goes on.
func returnf(code int, format string, a ...any) error {
	return &batchError{cmdError{fmt.Sprintf(format, a...), code}, false}
}

// message returns the text ip prints for err. A control-plane refusal
// (rterr.Error) is worded as iproute2 words what the kernel answers:
// "Error: MSG." when the kernel sent an extended ack, else "RTNETLINK
// answers: STRERROR"; text that wraps it keeps its own words before it.
func message(err error) string {
	var re *rterr.Error
	if !errors.As(err, &re) {
		return err.Error()
	}
	return strings.TrimSuffix(err.Error(), re.Error()) + rtnetlinkText(re)
}

// rtnetlinkText is what ip prints for a refusal.
func rtnetlinkText(re *rterr.Error) string {
	if re.Msg != "" {
		return "Error: " + re.Msg + "."
	}
	return "RTNETLINK answers: " + errnoText(re.Errno)
}

// errnoText returns glibc's strerror text for errno ("File exists"): Go
// has the same texts, in lower case.
func errnoText(errno syscall.Errno) string {
	s := errno.Error()
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/govrf/govrf/internal/control"
)

// MaxLine is the longest batch line read, in bytes without its newline,
// as govrfd bounds the lines a client streams to it.
const MaxLine = 1 << 20

// BatchHook is called after each command line of a batch has run, with
// the line as a command line of its own: the batch's global options,
// then the line's words. A non-nil error ends the batch there and is
// reported, with exit code 2. argv is valid only during the call: the
// batch reuses it for the next line.
type BatchHook func(argv []string) error

// RunBatch runs argv, a `-batch FILE` command line, as RunWith does, but
// reads the lines from r: FILE only names them in messages. govrfd runs
// the lines a client streams to it this way. hook may be nil.
func RunBatch(ctl *control.Control, plane Plane, argv []string, r io.Reader, stdout, stderr io.Writer, hook BatchHook) int {
	out := bufio.NewWriter(stdout)
	defer out.Flush()
	stderr = diagnostics{out, stderr}
	inv, err := parseOptions(argv)
	switch {
	case err != nil:
		fmt.Fprintln(stderr, message(err))
		return exitCode(err)
	case inv.batch == "":
		fmt.Fprintln(stderr, "Error: a streamed batch needs -batch FILE on its command line.")
		return exitSyntax
	}
	return runBatch(&ctx{ctl: ctl, plane: plane, opts: inv.opts, out: out, warn: stderr}, inv, r, hook)
}

// OpenBatch opens a batch's file, or stdin for "-"; on failure it says
// so as ip does and returns ip's exit code. The client of govrfd opens
// the file it streams with it, so that both say the same.
func OpenBatch(file string, stdin io.Reader, stderr io.Writer) (io.ReadCloser, int) {
	if file == "-" {
		return io.NopCloser(stdin), exitOK
	}
	f, err := os.Open(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		fmt.Fprintf(stderr, "Cannot open file %q for reading: %s\n", file, strerror(err))
		return nil, exitSyntax
	}
	return f, exitOK
}

// runBatch runs the lines of r as `ip -batch` (lib/utils.c do_batch):
// one command per line; a failed command is named by file and line,
// makes the exit code 1 and stops the batch unless -force. Errors for
// which ip exits on the spot (garbage, bad arguments) end the batch even
// with -force, with their own exit code, and so does a line that cannot
// be read. Lines run before a failure stay applied. c holds the batch's
// options and writers; hook, if not nil, follows every command line.
func runBatch(c *ctx, inv invocation, r io.Reader, hook BatchHook) int {
	release := c.ctl.Hold()
	defer release()
	code := exitOK
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), MaxLine+2) // the line, "\r\n"
	// Every line is run with the same ctx, args and word slices, filled
	// anew: a million-line load makes no garbage of them.
	var ls lineScratch
	var words, argv []string
	line := 1
	for ; sc.Scan(); line++ {
		var err error
		words, err = appendLine(words[:0], sc.Text())
		if err == nil && len(words) == 0 {
			continue
		}
		if err == nil {
			err = runLine(c, &ls, inv, words)
			if hook != nil {
				argv = append(append(argv[:0], inv.words...), words...)
				if herr := hook(argv); herr != nil {
					fmt.Fprintf(c.warn, "Error: %v\n", herr)
					return exitRefused
				}
			}
		}
		if err != nil {
			fmt.Fprintln(c.warn, message(err))
			if endsBatch(err) {
				return exitCode(err)
			}
			fmt.Fprintf(c.warn, "Command failed %s:%d\n", inv.batch, line)
			code = exitSyntax
			if !inv.opts.Force {
				return code
			}
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			err = fmt.Errorf("the line is longer than %d bytes; split it", MaxLine)
		}
		fmt.Fprintf(c.warn, "Error: %v\n", err)
		fmt.Fprintf(c.warn, "Command failed %s:%d\n", inv.batch, line)
		return exitSyntax
	}
	return code
}

// lineScratch is what runLine fills for each line of a batch.
type lineScratch struct {
	c ctx
	a args
}

// runLine runs one batch line's words, with its options over the batch's,
// in ls.
func runLine(c *ctx, ls *lineScratch, inv invocation, words []string) error {
	li, err := parseOptionsOver(inv.opts, words)
	switch {
	case err != nil:
		return err
	case len(li.rest) == 0 || li.batch != "" || li.version:
		return &cmdError{fmt.Sprintf("Object %q is unknown, try \"govrf help\".", words[0]), exitSyntax}
	}
	ls.c = ctx{ctl: c.ctl, plane: c.plane, opts: li.opts, out: c.out, warn: c.warn}
	return runOneWith(&ls.c, &ls.a, li.rest)
}

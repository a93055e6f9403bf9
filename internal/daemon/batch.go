package daemon

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/cli"
)

// A batch publishes its progress to the data plane and monitors as it
// goes, but rarely: a publication freezes the tables, and the writes after
// it copy what they touch (fib's fork of a frozen table), up to a copy
// of the whole table, about 0.1 s for a million routes. Publishing
// every 100 ms made a million-route load four times slower than offline.
// So a batch publishes at most every publishEvery and, once it has run
// longer, at most every half of the time it has run: a load of any size
// publishes about twice per doubling of its duration, which bounds what
// publications add to a fraction of it, while the data plane is never
// behind by more than half the batch's time so far. A batch whose
// client pauses (api.WaitHint) publishes then too, so that a stream of
// changes fed to `-batch -` as they come is seen at once, however long
// it has run; a bulk load, whose lines never keep it waiting, is not
// slowed.
const publishEvery = 100 * time.Millisecond

// publishDue reports whether a batch that started at start and last
// published at last should publish at now.
func publishDue(start, last, now time.Time) bool {
	return now.Sub(last) >= max(publishEvery, now.Sub(start)/2)
}

// batch runs `govrf -batch FILE` with the lines the client streams in
// body, as offline govrf runs a file (cli.RunBatch), writing each line's
// output to s in order. The daemon never opens FILE: it only names the
// lines in messages. Lines run under one Hold and are published now and
// then (publishDue); each line that changed the state is noted, and
// the request ends with one commit and one reconciliation of ports and
// host stacks, even when the client vanished midway: what was applied
// stays applied. With -atomic the lines run on a fork of the state,
// installed in one publication only if every line succeeded.
func (d *Daemon) batch(ctx context.Context, req api.Request, body io.Reader, s *api.Stream) api.Response {
	if cli.Batch(req.Argv) == "" {
		return api.Response{Stderr: "Error: only a -batch command line comes with a file's lines.\n", Code: 1}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	before, changes := d.ctl.Snapshot(), d.ctl.Changes()
	done := bulkLoad()
	defer func() { done(d.ctl.Changes() - changes) }()
	out := &streamOut{s: s}
	errs := &streamOut{s: s, stderr: true}
	stop := func() error {
		switch {
		case ctx.Err() != nil:
			return fmt.Errorf("the batch was stopped: %v", context.Cause(ctx))
		case out.err != nil:
			return out.err
		}
		return errs.err
	}
	var code int
	var stderr strings.Builder
	began := time.Now()
	if cli.Atomic(req.Argv) {
		code = d.batchAtomic(req.Argv, body, out, errs, stop, &stderr)
	} else {
		code = d.batchLive(req.Argv, body, out, errs, stop)
	}
	slog.Info("batch run", "file", cli.Batch(req.Argv), "atomic", cli.Atomic(req.Argv), "code", code,
		"changes", d.ctl.Changes()-changes, "duration", time.Since(began).Round(time.Millisecond))
	if d.ctl.Snapshot().Gen() != before.Gen() {
		code = d.settle(before, &stderr, code)
	}
	return api.Response{Stderr: stderr.String(), Code: code}
}

// batchLive runs the batch on the control plane itself: each line that
// changed the state is noted as it runs, and progress is published as
// publishDue says.
func (d *Daemon) batchLive(argv []string, body io.Reader, out, errs io.Writer, stop func() error) int {
	seen := d.ctl.Changes()
	start := time.Now()
	published, publishedAt := seen, start
	publish := func(now time.Time) {
		if seen != published {
			d.ctl.Publish()
		}
		published, publishedAt = seen, now
	}
	if w, ok := body.(api.Waiter); ok {
		// A stream of lines (`-batch -` fed as changes come) has what
		// it did seen as soon as it pauses.
		w.OnWait(func() { publish(time.Now()) })
	}
	return cli.RunBatch(d.ctl, planeView{d}, argv, body, out, errs, func(line []string) error {
		if n := d.ctl.Changes(); n != seen {
			seen = n
			d.changed(line)
		}
		if now := time.Now(); publishDue(start, publishedAt, now) {
			publish(now)
		}
		return stop()
	})
}

// batchAtomic runs the batch on a fork of the state and installs it, in
// one publication, only if every line succeeded; the lines that changed
// the fork are noted then. A failed batch leaves the state as it was.
func (d *Daemon) batchAtomic(argv []string, body io.Reader, out, errs io.Writer, stop func() error, stderr *strings.Builder) int {
	f := d.ctl.Fork()
	var notes lineNotes
	seen := f.Changes()
	restore := d.linkCursor()
	code := cli.RunBatch(f.Control, planeView{d}, argv, body, out, errs, func(line []string) error {
		if n := f.Changes(); n != seen {
			seen = n
			d.journaled(f.View(), line, notes.add)
		}
		return stop()
	})
	if code != 0 {
		restore()
		stderr.WriteString("Nothing was applied: -atomic applies a batch only if every line succeeds.\n")
		return code
	}
	if err := d.ctl.Install(f); err != nil {
		restore()
		fmt.Fprintf(stderr, "Error: %v\n", err)
		return 2
	}
	notes.each(d.record)
	return 0
}

// streamOut writes a batch's output to the client's stream, standard
// output or standard error, as it comes: the CLI flushes its standard
// output before each message, so the stream keeps their order. Once the
// client stops taking output every write fails with the first error.
type streamOut struct {
	s      *api.Stream
	stderr bool
	err    error
}

func (w *streamOut) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	r := api.Response{Stdout: string(p)}
	if w.stderr {
		r = api.Response{Stderr: string(p)}
	}
	if w.err = w.s.Put(r); w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

// lineNotes keeps command lines compactly, each as its word count and
// its words with their lengths: an all-or-nothing batch of a million
// lines keeps the lines that changed its fork until it is installed.
type lineNotes struct{ buf []byte }

func (n *lineNotes) add(argv []string) {
	n.buf = binary.AppendUvarint(n.buf, uint64(len(argv)))
	for _, w := range argv {
		n.buf = binary.AppendUvarint(n.buf, uint64(len(w)))
		n.buf = append(n.buf, w...)
	}
}

// each calls fn with every command line kept, in order.
func (n *lineNotes) each(fn func(argv []string)) {
	b := n.buf
	for len(b) > 0 {
		words, k := binary.Uvarint(b)
		b = b[k:]
		argv := make([]string, words)
		for i := range argv {
			l, k := binary.Uvarint(b)
			argv[i], b = string(b[k:k+int(l)]), b[k+int(l):]
		}
		fn(argv)
	}
}

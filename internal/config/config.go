// Package config is govrf's configuration file: the canonical command
// script that rebuilds the running state from a fresh control plane
// (`govrf show running-config`), and its loading. The file format is the
// CLI itself, one govrf command line per line.
package config

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/govrf/govrf/internal/control"
)

// Runner runs one govrf command line against ctl and returns its exit
// code: cli.Run. Load takes it as a parameter so that the CLI can print
// Script without an import cycle.
type Runner func(ctl *control.Control, argv []string, stdout, stderr io.Writer) int

// Load runs the script read from r against ctl under one Hold, so that it
// publishes once. name labels errors: the first failing line stops the
// load with an error "name:LINE: MESSAGE".
//
// A failed load leaves ctl untouched: the script first runs on a scratch
// control plane rebuilt from ctl's own canonical script, and only when it
// succeeds there does it run on ctl.
func Load(ctl *control.Control, r io.Reader, name string, runCmd Runner) error {
	lines, err := readLines(r)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	scratch := control.New()
	if base := Script(ctl.Snapshot()); base != "" {
		if err := run(scratch, splitScript(base), "running-config", runCmd); err != nil {
			return fmt.Errorf("%s: cannot rebuild the current state: %w", name, err)
		}
	}
	if err := run(scratch, lines, name, runCmd); err != nil {
		return err
	}
	return run(ctl, lines, name, runCmd)
}

// Apply is Load without its scratch run, for a caller that discards ctl
// when the script fails: the lines before the failing one stay applied.
// It takes half Load's time.
func Apply(ctl *control.Control, r io.Reader, name string, runCmd Runner) error {
	lines, err := readLines(r)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return run(ctl, lines, name, runCmd)
}

// run runs lines on ctl under one Hold and stops at the first failure.
func run(ctl *control.Control, lines []string, name string, runCmd Runner) error {
	release := ctl.Hold()
	defer release()
	var errs bytes.Buffer
	for i, line := range lines {
		words, err := SplitLine(line)
		if err != nil {
			return fmt.Errorf("%s:%d: %v", name, i+1, err)
		}
		if len(words) == 0 {
			continue
		}
		errs.Reset()
		if code := runCmd(ctl, words, io.Discard, &errs); code != 0 {
			msg := strings.TrimSpace(errs.String())
			if msg == "" {
				msg = fmt.Sprintf("command failed with exit code %d", code)
			}
			return fmt.Errorf("%s:%d: %s", name, i+1, strings.ReplaceAll(msg, "\n", "; "))
		}
	}
	return nil
}

// readLines reads the whole script: a load validates it completely before
// touching the control plane, so it is needed twice.
func readLines(r io.Reader) ([]string, error) {
	var lines []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}

func splitScript(s string) []string {
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

// A byteSet is a set of bytes, tested without strings.ContainsAny's
// setup: every word of a script written goes through one.
type byteSet [256]bool

func newByteSet(chars string) (set byteSet) {
	for i := range len(chars) {
		set[chars[i]] = true
	}
	return set
}

// quoted holds the bytes for which a word is written quoted.
var quoted = newByteSet(" \t\r\n\"'#")

// hasAny reports whether s holds a byte of set.
func hasAny(s string, set *byteSet) bool {
	for i := range len(s) {
		if set[s[i]] {
			return true
		}
	}
	return false
}

// AppendLine is JoinLine appending the line to dst, so that a writer of
// many lines can reuse one buffer.
func AppendLine(dst []byte, words []string) []byte {
	for i, w := range words {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = append(dst, word(w)...)
	}
	return dst
}

// JoinLine writes words as one line that SplitLine reads back as the
// same words: each as it is or, when it holds a blank, a quote or '#'
// (or is empty), quoted.
func JoinLine(words []string) string {
	n := len(words)
	for _, w := range words {
		n += len(w)
	}
	var b strings.Builder
	b.Grow(n) // enough unless a word needs quotes
	for i, w := range words {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(word(w))
	}
	return b.String()
}

// SplitLine splits a line into words as iproute2's batch mode does
// (makeargs): blanks separate, '#' outside a word starts a comment, and
// quotes group.
func SplitLine(s string) ([]string, error) { return AppendSplitLine(nil, s) }

// AppendSplitLine is SplitLine appending the words to dst, so that a
// reader of many lines can reuse one slice.
func AppendSplitLine(dst []string, s string) ([]string, error) {
	if strings.IndexByte(s, '"') < 0 && strings.IndexByte(s, '\'') < 0 && strings.IndexByte(s, '#') < 0 {
		return appendBlanks(dst, s), nil
	}
	w, err := splitQuoted(s)
	if err != nil {
		return dst, err
	}
	return append(dst, w...), nil
}

// splitQuoted is SplitLine for any line.
func splitQuoted(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			} else {
				cur.WriteByte(ch)
			}
		case ch == '"' || ch == '\'':
			quote, in = ch, true
		case ch == '#' && !in:
			i = len(s)
		case ch == ' ' || ch == '\t':
			if in {
				out = append(out, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(ch)
			in = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("Unterminated quoted string") //lint:ignore ST1005 iproute2's words
	}
	if in {
		out = append(out, cur.String())
	}
	return out, nil
}

// appendBlanks is AppendSplitLine for a line without quotes or comments: the
// words are s's own substrings, counted first so that one slice holds
// them. A configuration of a million routes is a million such lines.
func appendBlanks(out []string, s string) []string {
	if strings.IndexByte(s, '\t') >= 0 {
		return appendFields(out, s)
	}
	// Spaces only, found with IndexByte (vector instructions), and
	// counted once for the slice's size.
	grown := false
	for len(s) > 0 {
		i := strings.IndexByte(s, ' ')
		if i != 0 && !grown {
			out, grown = slices.Grow(out, strings.Count(s, " ")+1), true
		}
		switch {
		case i < 0:
			return append(out, s)
		case i > 0:
			out = append(out, s[:i])
		}
		s = s[i+1:]
	}
	return out
}

// appendFields is appendBlanks for a line with tabs.
func appendFields(out []string, s string) []string {
	n, in := 0, false
	for i := range len(s) {
		word := s[i] != ' ' && s[i] != '\t'
		if word && !in {
			n++
		}
		in = word
	}
	if n == 0 {
		return out
	}
	out = slices.Grow(out, n)
	start := -1
	for i := range len(s) {
		if s[i] != ' ' && s[i] != '\t' {
			if start < 0 {
				start = i
			}
		} else if start >= 0 {
			out, start = append(out, s[start:i]), -1
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

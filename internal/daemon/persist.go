package daemon

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/config"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/journal"
)

// compactMin is the journal size below which it is never compacted in
// the background, however small the script.
var compactMin int64 = 1 << 20

// store is the configuration file and its journal (internal/journal):
// each change appends its command lines to the journal, and a compaction
// makes the canonical script the file again. d.mu guards it. j is nil
// while the file's directory, read-only at start, has not been written
// (full is then set).
type store struct {
	file string
	j    *journal.Journal
	// full is set when the journal may miss a change (a write or sync
	// failed): commits compact in full instead of appending until one
	// succeeds.
	full bool
	// nextLink is the lowest link index the journal has not seen: a
	// link from it on is new, and its random MAC must be journaled.
	nextLink int
	// scriptSize is the size of the last script written: the journal is
	// compacted in the background once it outgrows it and compactMin.
	scriptSize int
	compacting bool
	bg         sync.WaitGroup // the background compaction
	line       []byte         // record's buffer
}

// load loads the configuration file and replays the committed requests
// of its journal on top, then compacts them into the file, so that the
// file is again the running configuration's script. A journal line that
// fails makes load fail, naming its record; a compaction that fails is
// logged.
func (d *Daemon) load() error {
	file := d.cfg.ConfigFile
	j, rep, err := journal.Open(file)
	switch {
	case err == nil:
	case readOnlyNoJournal(file, err):
		// A read-only directory with no journal: the file is the whole
		// configuration. Changes run unsaved until it is writable.
		slog.Warn("the configuration's directory is read-only: changes run, but are not saved until it is writable and a change or govrf save comes",
			"file", file, "err", err)
		j = nil
	case errors.Is(err, syscall.EROFS):
		return fmt.Errorf("%s: %w; the journal holds changes not yet in %s, which only a writable directory lets govrfd replay: make %s writable, or move the journal aside to start from %s alone",
			journal.Path(file), err, file, filepath.Dir(file), file)
	default:
		return fmt.Errorf("%s: %w", journal.Path(file), err)
	}
	logRecovery(file, rep)
	s := &store{file: file, j: j, full: j == nil}
	ok := false
	defer func() {
		if !ok && j != nil {
			j.Close()
		}
	}()
	f, err := os.Open(file)
	exists := err == nil
	switch {
	case exists:
		// A failed start discards the control plane: no scratch run.
		err = config.Apply(d.ctl, f, file, cli.Run)
		f.Close()
		if err != nil {
			return err
		}
	case errors.Is(err, os.ErrNotExist):
		if rep.Lines == 0 {
			slog.Info("no configuration file yet; starting empty", "file", file)
		}
	default:
		return err
	}
	for l := range d.ctl.Snapshot().Links() {
		s.nextLink = l.Index + 1
	}
	if err := d.replay(s); err != nil {
		return err
	}
	snap := d.ctl.Snapshot()
	if exists || rep.Lines > 0 {
		loaded(file, snap)
	}
	d.disk = s
	if j != nil && (rep.Lines > 0 || !canonical(snap, j.Base(), &s.scriptSize)) {
		if err := d.compact(); err != nil {
			// The file and its journal still hold the state; the next
			// change tries again if the journal cannot go on.
			slog.Warn("cannot write the loaded configuration back to its file", "file", file, "err", err)
		}
	}
	ok = true
	return nil
}

// readOnlyNoJournal reports whether err, journal.Open's for file, says
// only that file's directory is read-only, with no journal in it that
// would hold changes beyond the file.
func readOnlyNoJournal(file string, err error) bool {
	if !errors.Is(err, syscall.EROFS) {
		return false
	}
	for _, p := range []string{journal.Path(file), journal.Path(file) + ".next"} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			return false
		}
	}
	return true
}

// canonical reports whether snap's script hashes to base, the hash of
// the file the journal applies to, and sets *size to the script's size.
// The script is streamed through the hash, never held whole.
func canonical(snap *control.Snapshot, base journal.Hash, size *int) bool {
	h := &countingHash{h: sha256.New()}
	config.WriteScript(h, snap)
	*size = h.n
	var sum journal.Hash
	return journal.Hash(h.h.Sum(sum[:0])) == base
}

// countingHash hashes and counts what is written to it.
type countingHash struct {
	h hash.Hash
	n int
}

func (c *countingHash) Write(p []byte) (int, error) {
	c.n += len(p)
	return c.h.Write(p)
}

// replay runs the journal's committed lines as one batch.
func (d *Daemon) replay(s *store) error {
	if s.j == nil {
		return nil
	}
	release := d.ctl.Hold()
	defer release()
	var msg bytes.Buffer
	return s.j.Replay(func(n int, line string) error {
		words, err := config.SplitLine(line)
		if err == nil && len(words) > 0 {
			msg.Reset()
			if code := cli.Run(d.ctl, words, io.Discard, &msg); code != 0 {
				err = fmt.Errorf("%s (exit %d)", strings.ReplaceAll(strings.TrimSpace(msg.String()), "\n", "; "), code)
			}
		}
		if err != nil {
			return fmt.Errorf("%s: record %d: %v; move the journal aside to start from %s alone", journal.Path(s.file), n, err, s.file)
		}
		s.newLinks(d.ctl.View())
		return nil
	})
}

// logRecovery tells what opening the journal found.
func logRecovery(file string, rep journal.Report) {
	if rep.Orphaned != "" {
		slog.Warn("the journal applies to another version of the configuration file (edited while govrfd was stopped?): set aside, the file wins",
			"file", file, "journal", rep.Orphaned)
	}
	if rep.Dropped > 0 {
		slog.Warn("journal: dropped a torn or corrupt tail (a request that never committed, or damage)",
			"journal", journal.Path(file), "bytes", rep.Dropped)
	}
	if rep.Finished {
		slog.Info("journal: finished a compaction a crash interrupted", "journal", journal.Path(file))
	}
	if rep.Lines > 0 {
		slog.Info("journal replayed", "journal", journal.Path(file), "requests", rep.Requests, "lines", rep.Lines)
	}
}

// changed notes argv, a command line that changed the state, among the
// changes the next commit makes durable: it goes to the journal as
// journaled makes it. Call it after each command line runs, before the
// next one. d.mu is held.
func (d *Daemon) changed(argv []string) {
	d.journaled(d.ctl.View(), argv, d.record)
}

// journaled calls keep with each line the journal keeps for argv, v
// being the state right after it ran: argv itself, but a `link add` with
// the MAC its link drew, so that a replay does not draw another, and
// neighbour and forwarding entry changes as neighborLine and fdbLines
// make them. d.mu is held.
func (d *Daemon) journaled(v *control.Snapshot, argv []string, keep func(line []string)) {
	s := d.disk
	if s == nil {
		keep(argv)
		return
	}
	if addr, dev, ok := cli.NeighborTarget(argv); ok {
		keep(neighborLine(v, addr, dev))
		return
	}
	if mac, dev, ok := cli.FDBTarget(argv); ok {
		for _, l := range fdbLines(v, mac, dev) {
			keep(l)
		}
		return
	}
	if links := s.newLinks(v); len(links) == 1 {
		argv = withMAC(argv, links[0].MAC)
	}
	keep(argv)
}

// neighborLine returns what the journal keeps of a neighbour command
// that changed entry addr of port dev: the entry as the script would
// save it, or, if the script would not (gone, or marked extern_learn),
// a flush of it, which a replay runs whether the entry is there or not.
// A line about an extern_learn entry could not be replayed as written:
// the script leaves such entries out.
func neighborLine(v *control.Snapshot, addr netip.Addr, dev string) []string {
	if l := v.LinkByName(dev); l != nil {
		if n, ok := l.Neighbor(addr); ok && config.Saved(n) {
			return config.NeighborLine("replace", dev, n)
		}
	}
	return []string{"neigh", "flush", "to", addr.String(), "dev", dev, "nud", "all"}
}

// fdbLines returns what the journal keeps of a forwarding entry command
// that changed address mac of VXLAN link dev: the address's entries as
// the script saves them (not those marked extern_learn), after lines
// that clear it whether it has entries or not (a replace, which makes
// one if none, then a del). A line about an extern_learn entry could not
// be replayed as written: the script leaves such entries out.
func fdbLines(v *control.Snapshot, mac control.MAC, dev string) [][]string {
	l := v.LinkByName(dev)
	if l == nil || l.VXLAN == nil {
		return nil
	}
	unspec := netip.IPv4Unspecified()
	if l.VXLAN.Local.Is6() {
		unspec = netip.IPv6Unspecified()
	}
	lines := [][]string{
		{"bridge", "fdb", "replace", mac.String(), "dev", dev, "dst", unspec.String()},
		{"bridge", "fdb", "del", mac.String(), "dev", dev},
	}
	for _, e := range l.VXLAN.FDB {
		if e.MAC == mac && !e.ExternLearn {
			lines = append(lines, config.FDBLine(dev, e))
		}
	}
	return lines
}

// record appends argv, made by journaled, to the journal. d.mu is held.
func (d *Daemon) record(argv []string) {
	s := d.disk
	if s == nil || s.full {
		return // none kept, or the next commit writes the whole script
	}
	// An append's failure stops the journal: commit reports it.
	s.line = config.AppendLine(s.line[:0], argv)
	s.j.AppendBytes(s.line)
}

// linkCursor returns where journaled looks for new links, and a function
// that puts it back: a batch whose changes are dropped (-atomic) made
// links that never were. d.mu is held.
func (d *Daemon) linkCursor() (restore func()) {
	if d.disk == nil {
		return func() {}
	}
	next := d.disk.nextLink
	return func() { d.disk.nextLink = next }
}

// newLinks returns the links v has beyond those seen.
func (s *store) newLinks(v *control.Snapshot) []*control.Link {
	var links []*control.Link
	for l := v.Link(s.nextLink); l != nil; l = v.Link(s.nextLink) {
		links = append(links, l)
		s.nextLink++
	}
	return links
}

// withMAC returns argv, the `link add` that made a link with mac, with
// `address MAC` before its `type` (the last word that abbreviates it:
// no kind's arguments do), so that a replay does not draw another
// random MAC. A VRF's MAC cannot be set once it exists.
func withMAC(argv []string, mac control.MAC) []string {
	for i := len(argv) - 1; i > 0; i-- {
		if w := argv[i]; w != "" && strings.HasPrefix("type", w) {
			return slices.Concat(argv[:i], []string{"address", mac.String()}, argv[i:])
		}
	}
	return argv
}

// commit makes the changes noted since the last commit durable: once it
// returns nil they survive a crash. Once the journal outgrows the
// script, a compaction starts in the background. d.mu is held.
func (d *Daemon) commit() error {
	s := d.disk
	if s == nil {
		return nil
	}
	if s.full {
		return d.compact()
	}
	if err := s.j.Commit(); err != nil {
		s.full = true
		slog.Warn("configuration not saved: the changes run, but a restart loses them until a save succeeds", "file", s.file, "err", err)
		return err
	}
	d.compactLater()
	return nil
}

// unsaved words the failure err of a commit (what is "the changes are
// made but not saved") or of a save ("the configuration is not saved"):
// the cause, what it means for the changes, and what to do. d.mu is
// held.
func (d *Daemon) unsaved(what string, err error) string {
	s := d.disk
	kept := "Every change is still kept in the journal"
	if s.full {
		kept = "The changes run, but govrfd starts again without those not saved"
	}
	return fmt.Sprintf("Error: %s: %v.\n%s: make room in %s or make it writable, then run \"govrf save\".\n",
		what, strings.TrimSuffix(err.Error(), "."), kept, filepath.Dir(s.file))
}

// save (`govrf save`) writes the current state's script to the
// configuration file and empties the journal. d.mu is held.
func (d *Daemon) save() error {
	if d.disk == nil {
		return nil
	}
	return d.compact()
}

// compact makes the current state's script the file and the journal's
// empty base. d.mu is held.
func (d *Daemon) compact() error {
	s := d.disk
	if s.j == nil {
		// Read-only at start: the journal is opened now, before the
		// script is prepared, since Open removes the scripts it finds.
		j, _, err := journal.Open(s.file)
		if err != nil {
			return err
		}
		s.j = j
	}
	c, err := journal.Prepare(s.file, scriptOf(d.ctl.Snapshot()))
	if err != nil {
		return err
	}
	if err := s.j.Install(c, s.j.Size()); err != nil {
		if s.j.Err() != nil && !s.full {
			s.full = true
			slog.Warn("configuration not saved: the changes run, but a restart loses them until a save succeeds", "file", s.file, "err", err)
		}
		return err
	}
	if s.full {
		slog.Info("configuration saved again", "file", s.file)
	}
	s.full, s.scriptSize = false, int(c.Size())
	return nil
}

// compactLater starts a background compaction when the journal has
// outgrown the script: the script of the current (immutable) snapshot
// is made and written outside d.mu, which is taken only to install it,
// carrying over the requests committed meanwhile. d.mu is held.
func (d *Daemon) compactLater() {
	s := d.disk
	if s.compacting || s.j.Size() <= max(int64(s.scriptSize), compactMin) {
		return
	}
	snap := d.ctl.Snapshot()
	if d.ctl.View() != snap {
		return // a batch holds changes not yet published
	}
	since, gen := s.j.Size(), s.j.Gen()
	s.compacting = true
	s.bg.Add(1)
	go func() {
		defer s.bg.Done()
		c, err := journal.Prepare(s.file, scriptOf(snap))
		if err == nil {
			defer compacted(c.Size()) // after d.mu is released
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		s.compacting = false
		if err == nil && (s.full || s.j.Gen() != gen) {
			c.Abandon() // another compaction came first
			return
		}
		if err == nil {
			err = s.j.Install(c, since)
		}
		if err != nil {
			if s.j.Err() != nil {
				s.full = true
			}
			slog.Warn("journal compaction failed; the journal grows until one succeeds", "file", s.file, "err", err)
			return
		}
		s.scriptSize = int(c.Size())
	}()
}

// scriptOf returns the writer of snap's script for journal.Prepare.
func scriptOf(snap *control.Snapshot) func(io.Writer) error {
	return func(w io.Writer) error { return config.WriteScript(w, snap) }
}

// close waits for a background compaction and closes the journal. d.mu
// is not held.
func (s *store) close() {
	if s == nil {
		return
	}
	s.bg.Wait()
	if s.j != nil {
		s.j.Close()
	}
}

// Package journal is the append-only journal of a configuration file
// (FILE.journal): the command lines of the requests that changed the
// state since FILE was written, so that a change costs one append and
// one fsync whatever the size of the configuration.
//
// The journal names its base, the SHA-256 of FILE's exact bytes, and
// holds framed, checksummed records: parts carrying command lines as
// they come, and a commit record ending each request. Open recovers it
// (committed requests only; a torn tail is dropped and cut off);
// Prepare and Install compact it, making a new script the base with a
// protocol that survives a crash between any two of its steps.
package journal

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Journal is the journal of one configuration file, open for appending
// by a single writer.
type Journal struct {
	file string // the configuration file, the journal's base
	base Hash
	f    *os.File // nil until the first append creates the file
	// closed refuses appends after Close.
	closed bool
	w      *bufio.Writer
	part   []byte // the part record being filled, its kind byte first
	// lines counts the lines of the request being appended.
	lines uint64
	// size is the offset just after the last commit; written is where
	// the next record goes.
	size, written int64
	// gen counts the installed compactions.
	gen int
	// err, once set, refuses every append and commit: the file may miss
	// a change, and only a compaction (Install) replaces it.
	err error
	// crash, in tests, stops a compaction before the numbered step as a
	// crash would, leaving the files as they are.
	crash func(step int) bool
}

// Path returns the journal's path for configuration file file.
func Path(file string) string { return file + ".journal" }

// Base returns the hash of the configuration file the journal applies
// on top of.
func (j *Journal) Base() Hash { return j.base }

// Size returns the journal's size up to its last commit.
func (j *Journal) Size() int64 { return j.size }

// Gen returns the number of compactions installed since Open: a mark
// (Size) is valid for Install only within the same generation.
func (j *Journal) Gen() int { return j.gen }

// Err returns the failure that stopped the journal, or nil: after one,
// the file may miss a change and must be replaced by a compaction.
func (j *Journal) Err() error { return j.err }

// Append adds line to the request being written. It is buffered: lines
// reach the file in part records as the buffer fills, and are durable
// only once Commit returns nil. A failure stops the journal (Err), so
// that Commit fails too rather than commit a request without the line.
func (j *Journal) Append(line string) error { return appendLine(j, line) }

// AppendBytes is Append of a line held in a buffer, which the caller may
// reuse once it returns.
func (j *Journal) AppendBytes(line []byte) error { return appendLine(j, line) }

func appendLine[L string | []byte](j *Journal, line L) error {
	if j.err != nil {
		return j.err
	}
	if len(line) > MaxLine {
		return j.fail(fmt.Errorf("a command line of %d bytes is longer than a journal takes (%d)", len(line), MaxLine))
	}
	if j.closed {
		return j.fail(errors.New("closed"))
	}
	if j.f == nil {
		if err := j.create(); err != nil {
			return j.fail(err)
		}
	}
	if len(j.part) == 0 {
		j.part = append(j.part, kindPart)
	}
	j.part = binary.AppendUvarint(j.part, uint64(len(line)))
	j.part = append(j.part, line...)
	j.lines++
	if len(j.part) >= partSize {
		return j.flushPart()
	}
	return nil
}

// Commit ends the request and makes it durable: once it returns nil the
// request's lines survive a crash. A request without lines commits
// nothing.
func (j *Journal) Commit() error {
	if j.err != nil {
		return j.err
	}
	if j.lines == 0 {
		return nil
	}
	if err := j.flushPart(); err != nil {
		return err
	}
	if err := j.write(frame(binary.AppendUvarint([]byte{kindCommit}, j.lines))); err != nil {
		return err
	}
	if err := j.w.Flush(); err != nil {
		return j.fail(err)
	}
	if err := j.f.Sync(); err != nil {
		return j.fail(err)
	}
	j.size, j.lines = j.written, 0
	return nil
}

// Close closes the file. Uncommitted lines are lost, as in a crash.
func (j *Journal) Close() error {
	j.closed = true
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f, j.w = nil, nil
	return err
}

// flushPart writes the part being filled out to the buffer.
func (j *Journal) flushPart() error {
	if len(j.part) == 0 {
		return nil
	}
	var hdr [frameSize]byte
	putFrame(hdr[:], j.part)
	err := j.write(hdr[:])
	if err == nil {
		err = j.write(j.part)
	}
	j.part = j.part[:0]
	return err
}

func (j *Journal) write(rec []byte) error {
	if _, err := j.w.Write(rec); err != nil {
		return j.fail(err)
	}
	j.written += int64(len(rec))
	return nil
}

// fail stops the journal with err.
func (j *Journal) fail(err error) error {
	j.err = fmt.Errorf("journal %s: %w", Path(j.file), err)
	return j.err
}

// create makes the journal file, empty but for its header, atomically:
// a journal is never seen without a whole header.
func (j *Journal) create() error {
	path := Path(j.file)
	tmp := path + ".next"
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	if err := writeSynced(tmp, header(j.base)); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return err
	}
	return j.open(path)
}

// open opens the journal at path for appending after its last commit.
func (j *Journal) open(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	end, err := f.Seek(0, 2)
	if err != nil {
		f.Close()
		return err
	}
	j.f, j.w = f, bufio.NewWriterSize(f, partSize+frameSize)
	j.size, j.written, j.part, j.lines = end, end, j.part[:0], 0
	return nil
}

// writeSynced writes data to a new file at path (replacing any) and
// syncs it.
func writeSynced(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes the renames and creations in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

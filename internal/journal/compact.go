package journal

import (
	"crypto/sha256"
	"errors"
	"hash"
	"io"
	"os"
	"path/filepath"
)

// Compaction is a new script on its way to becoming the configuration
// file and the journal's base. Prepare writes it; Install puts it in
// place.
type Compaction struct {
	file, tmp string
	hash      Hash
	size      int64
}

// The steps of a compaction, for tests that stop one as a crash would.
const (
	stepNext    = iota + 1 // before writing FILE.journal.next
	stepRename             // before renaming the script over FILE
	stepReplace            // before renaming .next over the journal
	stepDone               // before reopening the journal
)

// tempPattern is the glob of file's compaction scripts not yet renamed.
func tempPattern(file string) string { return "." + filepath.Base(file) + ".compact-*" }

// Prepare writes a new script with write, which streams it, to a
// temporary file beside file and syncs it (step a), hashing it on the
// way: a script of a million routes is never held in memory. It touches
// no file the journal's writer uses, so it may run while requests go on.
func Prepare(file string, write func(io.Writer) error) (*Compaction, error) {
	dir := filepath.Dir(file)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.CreateTemp(dir, tempPattern(file))
	if err != nil {
		return nil, err
	}
	c := &Compaction{file: file, tmp: f.Name()}
	h := &hashWriter{f: f, h: sha256.New()}
	err = write(h)
	h.h.Sum(c.hash[:0])
	c.size = h.n
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(c.tmp)
		return nil, err
	}
	return c, nil
}

// Size returns the size of the script in bytes.
func (c *Compaction) Size() int64 { return c.size }

// hashWriter writes to a file, hashing and counting what it writes.
type hashWriter struct {
	f *os.File
	h hash.Hash
	n int64
}

func (w *hashWriter) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	w.h.Write(p[:n])
	w.n += int64(n)
	return n, err
}

// Abandon removes a compaction that will not be installed.
func (c *Compaction) Abandon() { os.Remove(c.tmp) }

// errCrash stops a compaction in tests.
var errCrash = errors.New("crash")

// Install makes c's script the configuration file and the journal's
// base. since is the journal's Size when the state the script was made
// from was its latest: the records committed after it are carried over.
// Steps:
//
//	(b) FILE.journal.next: a header naming the script's hash, then the
//	    records after since, synced;
//	(c) the script renamed over FILE, the directory synced: the commit
//	    point;
//	(d) .next renamed over the journal, the directory synced.
//
// A failure before (c) leaves the journal as it was, still usable; from
// (c) on it stops the journal (Err) until an Install succeeds. Call it
// from the journal's writer, between requests, with since from the
// current Gen.
func (j *Journal) Install(c *Compaction, since int64) error {
	path, next := Path(j.file), Path(j.file)+".next"
	if j.crashes(stepNext) {
		return errCrash
	}
	if err := j.writeNext(next, c.hash, since); err != nil {
		os.Remove(next)
		c.Abandon()
		return err
	}
	if j.crashes(stepRename) {
		return errCrash
	}
	if err := os.Rename(c.tmp, c.file); err != nil {
		os.Remove(next)
		c.Abandon()
		return err
	}
	dir := filepath.Dir(j.file)
	if err := syncDir(dir); err != nil {
		return j.fail(err)
	}
	if j.crashes(stepReplace) {
		return errCrash
	}
	if err := os.Rename(next, path); err != nil {
		return j.fail(err)
	}
	if err := syncDir(dir); err != nil {
		return j.fail(err)
	}
	if j.crashes(stepDone) {
		return errCrash
	}
	j.Close()
	j.base, j.err, j.closed = c.hash, nil, false
	j.gen++
	if err := j.open(path); err != nil {
		return j.fail(err)
	}
	return nil
}

func (j *Journal) crashes(step int) bool { return j.crash != nil && j.crash(step) }

// writeNext writes the journal that follows c: header, then the
// committed records after since.
func (j *Journal) writeNext(next string, base Hash, since int64) error {
	f, err := os.OpenFile(next, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(header(base))
	if err == nil && since < j.size {
		_, err = io.Copy(f, io.NewSectionReader(j.f, since, j.size-since))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

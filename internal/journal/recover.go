package journal

import (
	"bufio"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Report tells what Open found and repaired.
type Report struct {
	// Requests and Lines count the committed requests and their lines
	// that Replay will give.
	Requests, Lines int
	// Dropped is the size in bytes of the torn or corrupt tail cut off
	// the journal: lines of requests that never committed, or records
	// that fail their checksum and everything after them.
	Dropped int64
	// Orphaned is where a journal that applies to another version of the
	// configuration file (edited while govrfd was stopped) was moved, or
	// "". The file wins: the journal is not replayed.
	Orphaned string
	// Finished is true when Open completed a compaction a crash had
	// interrupted after its commit point.
	Finished bool
}

// Orphan returns where Open sets aside a journal of file that applies to
// no version of it.
func Orphan(file string) string { return Path(file) + ".orphaned" }

// Open recovers the journal of configuration file file (which need not
// exist; a missing file is an empty base) and opens it for appending:
//
//   - the file's bytes are hashed; of FILE.journal and FILE.journal.next,
//     the one whose header names that hash is the journal (a crash
//     between a compaction's last two steps leaves it as .next, which is
//     renamed into place) and the other is removed, as are the scripts
//     of compactions that never reached their commit point;
//   - a journal that names another base is moved to Orphan(file);
//   - the journal's records are checked up to the last commit, and
//     anything after it is cut off, so that appends continue cleanly.
//
// Open fails only on I/O errors.
func Open(file string) (*Journal, Report, error) {
	var rep Report
	base, err := hashFile(file)
	if err != nil {
		return nil, rep, err
	}
	dir := filepath.Dir(file)
	j := &Journal{file: file, base: base}
	path, next := Path(file), Path(file)+".next"
	if h, err := headerOf(next); err == nil && h == base {
		if err := os.Rename(next, path); err != nil {
			return nil, rep, err
		}
		rep.Finished = true
	} else if err := os.Remove(next); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, rep, err
	}
	temps, _ := filepath.Glob(filepath.Join(dir, tempPattern(file)))
	for _, t := range temps {
		os.Remove(t)
	}
	h, err := headerOf(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return j, rep, nil // the first Append creates it
	case err != nil && !errors.Is(err, errHeader):
		return nil, rep, err
	case err != nil || h != base:
		rep.Orphaned = Orphan(file)
		if err := os.Rename(path, rep.Orphaned); err != nil {
			return nil, rep, err
		}
		return j, rep, syncDir(dir)
	}
	if err := syncDir(dir); err != nil {
		return nil, rep, err
	}
	if err := j.check(&rep); err != nil {
		return nil, rep, err
	}
	return j, rep, j.open(path)
}

// check scans the journal, counts what it commits and cuts off its tail.
func (j *Journal) check(rep *Report) error {
	f, err := os.OpenFile(Path(j.file), os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	rd := &reader{r: bufio.NewReaderSize(io.NewSectionReader(f, headerSize, end-headerSize), 1<<16), off: headerSize}
	good, requests, count, tail, err := scan(rd)
	if err != nil {
		return err
	}
	rep.Requests, rep.Lines = requests, count
	if !tail {
		return nil
	}
	rep.Dropped = end - good
	if err := f.Truncate(good); err != nil {
		return err
	}
	return f.Sync()
}

// Replay calls fn with each committed line of the journal, in order,
// numbered from 1, reading the file as it goes; it stops at fn's first
// error. Call it after Open and before any Append.
func (j *Journal) Replay(fn func(n int, line string) error) error {
	if j.f == nil {
		return nil
	}
	rd := &reader{r: bufio.NewReaderSize(io.NewSectionReader(j.f, headerSize, j.size-headerSize), 1<<16), off: headerSize}
	n := 0
	for {
		p, err := rd.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", Path(j.file), err)
		}
		if p[0] != kindPart {
			continue
		}
		if err := lines(p, func(line string) error { n++; return fn(n, line) }); err != nil {
			return err
		}
	}
}

// errHeader is a journal whose header is missing or wrong.
var errHeader = errors.New("bad journal header")

// headerOf returns the base named by the journal at path.
func headerOf(path string) (Hash, error) {
	f, err := os.Open(path)
	if err != nil {
		return Hash{}, err
	}
	defer f.Close()
	h, err := readHeader(f)
	if err != nil {
		return Hash{}, fmt.Errorf("%w: %v", errHeader, err)
	}
	return h, nil
}

// hashFile returns the SHA-256 of the file's bytes; a missing file is
// empty.
func hashFile(path string) (Hash, error) {
	h := sha256.New()
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return Hash(h.Sum(nil)), nil
	}
	if err != nil {
		return Hash{}, err
	}
	defer f.Close()
	if _, err := io.Copy(h, f); err != nil {
		return Hash{}, err
	}
	return Hash(h.Sum(nil)), nil
}

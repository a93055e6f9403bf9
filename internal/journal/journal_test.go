package journal

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// open opens file's journal and fails the test on an error.
func open(t *testing.T, file string) (*Journal, Report) {
	t.Helper()
	j, rep, err := Open(file)
	if err != nil {
		t.Fatalf("Open(%s) = %v", file, err)
	}
	t.Cleanup(func() { j.Close() })
	return j, rep
}

// replay returns the journal's committed lines.
func replay(t *testing.T, j *Journal) []string {
	t.Helper()
	var got []string
	err := j.Replay(func(n int, line string) error {
		if n != len(got)+1 {
			t.Errorf("line %q numbered %d, want %d", line, n, len(got)+1)
		}
		got = append(got, line)
		return nil
	})
	if err != nil {
		t.Fatalf("Replay = %v", err)
	}
	return got
}

// request appends lines as one request and commits it.
func request(t *testing.T, j *Journal, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if err := j.Append(l); err != nil {
			t.Fatalf("Append(%q) = %v", l, err)
		}
	}
	if err := j.Commit(); err != nil {
		t.Fatalf("Commit = %v", err)
	}
}

func confFile(t *testing.T, content string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "govrf.conf")
	if content != "" {
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return file
}

func TestAppendCommitReplay(t *testing.T) {
	file := confFile(t, "link add d0 type dummy\n")
	j, rep := open(t, file)
	if rep != (Report{}) {
		t.Errorf("Open of no journal reports %+v, want nothing", rep)
	}
	request(t, j, "link add d1 type dummy", "link set dev d1 address 02:00:00:00:00:01")
	request(t, j, "addr add 10.0.0.1/24 dev 'a b'")
	request(t, j) // nothing to commit
	j.Close()

	j, rep = open(t, file)
	if rep != (Report{Requests: 2, Lines: 3}) {
		t.Errorf("Open reports %+v, want 2 requests of 3 lines", rep)
	}
	want := []string{"link add d1 type dummy", "link set dev d1 address 02:00:00:00:00:01", "addr add 10.0.0.1/24 dev 'a b'"}
	if got := replay(t, j); !slices.Equal(got, want) {
		t.Errorf("Replay = %q, want %q", got, want)
	}
	request(t, j, "route add 10.9.0.0/16 dev d1")
	j.Close()
	j, _ = open(t, file)
	if got := replay(t, j); len(got) != 4 || got[3] != "route add 10.9.0.0/16 dev d1" {
		t.Errorf("Replay after an append to a recovered journal = %q", got)
	}
}

// TestLargeRequest writes a request of many parts and checks it comes
// back whole, and that a request cut before its commit is dropped whole.
func TestLargeRequest(t *testing.T) {
	file := confFile(t, "")
	j, _ := open(t, file)
	const n = 50000
	route := func(i int) string { return fmt.Sprintf("route add 10.%d.%d.0/24 dev d0", i>>8&255, i&255) }
	for i := range n {
		if err := j.Append(route(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Commit(); err != nil {
		t.Fatal(err)
	}
	committed := j.Size()
	for i := range n { // parts reach the file, the commit does not
		if err := j.Append(route(i)); err != nil {
			t.Fatal(err)
		}
	}
	j.w.Flush()
	j.Close()
	j, rep := open(t, file)
	if rep.Requests != 1 || rep.Lines != n || rep.Dropped == 0 {
		t.Errorf("Open reports %+v, want 1 request of %d lines and a dropped tail", rep, n)
	}
	got := replay(t, j)
	if len(got) != n || got[n-1] != route(n-1) {
		t.Fatalf("Replay gave %d lines, want %d", len(got), n)
	}
	if fi, _ := os.Stat(Path(file)); fi.Size() != committed {
		t.Errorf("journal of %d bytes after recovery, want %d (the last commit)", fi.Size(), committed)
	}
}

// TestTornTail damages the end of a journal every way a crash or a bad
// disk can and checks that recovery keeps exactly the committed
// requests before the damage, cuts the rest and appends cleanly.
func TestTornTail(t *testing.T) {
	tails := []struct {
		name string
		harm func(j *Journal, path string, good int64)
	}{
		{"short frame", func(j *Journal, path string, good int64) { appendBytes(path, []byte{5, 0, 0}) }},
		{"short payload", func(j *Journal, path string, good int64) {
			appendBytes(path, frame([]byte("Pxxxxxxxx"))[:12])
		}},
		{"parts without a commit", func(j *Journal, path string, good int64) {
			j.Append("link add d9 type dummy")
			j.flushPart()
			j.w.Flush()
		}},
		{"bad checksum", func(j *Journal, path string, good int64) {
			j.Append("link add d9 type dummy")
			j.Commit()
			flip(path, j.Size()-1)
		}},
		{"zero length", func(j *Journal, path string, good int64) { appendBytes(path, make([]byte, 64)) }},
		{"huge length", func(j *Journal, path string, good int64) {
			appendBytes(path, []byte{0xff, 0xff, 0xff, 0x7f, 1, 2, 3, 4, 'P'})
		}},
		{"unknown kind", func(j *Journal, path string, good int64) { appendBytes(path, frame([]byte("X1"))) }},
		{"commit miscounting", func(j *Journal, path string, good int64) {
			j.Append("link add d9 type dummy")
			j.flushPart()
			j.write(frame([]byte{kindCommit, 2}))
			j.w.Flush()
		}},
	}
	for _, tc := range tails {
		t.Run(tc.name, func(t *testing.T) {
			file := confFile(t, "")
			j, _ := open(t, file)
			request(t, j, "link add d0 type dummy")
			request(t, j, "link add d1 type dummy", "link set dev d1 up")
			good := j.Size()
			tc.harm(j, Path(file), good)
			j.Close()
			fi, _ := os.Stat(Path(file))
			j, rep := open(t, file)
			if want := fi.Size() - good; rep.Dropped != want || want == 0 {
				t.Errorf("Open reports %d bytes dropped, want %d", rep.Dropped, want)
			}
			want := []string{"link add d0 type dummy", "link add d1 type dummy", "link set dev d1 up"}
			if got := replay(t, j); !slices.Equal(got, want) {
				t.Errorf("Replay = %q, want %q", got, want)
			}
			request(t, j, "link add d2 type dummy")
			j.Close()
			j, rep = open(t, file)
			if got := replay(t, j); rep.Dropped != 0 || !slices.Equal(got, append(want, "link add d2 type dummy")) {
				t.Errorf("after an append: %+v, Replay = %q", rep, got)
			}
		})
	}
}

// TestCorruptMiddle checks that a record failing its checksum ends what
// is replayed, even with good records after it.
func TestCorruptMiddle(t *testing.T) {
	file := confFile(t, "")
	j, _ := open(t, file)
	request(t, j, "link add d0 type dummy")
	first := j.Size()
	request(t, j, "link add d1 type dummy")
	request(t, j, "link add d2 type dummy")
	end := j.Size()
	flip(Path(file), first+frameSize+2)
	j.Close()
	j, rep := open(t, file)
	if rep.Dropped != end-first || rep.Requests != 1 {
		t.Errorf("Open reports %+v, want 1 request and %d bytes dropped", rep, end-first)
	}
	if got := replay(t, j); !slices.Equal(got, []string{"link add d0 type dummy"}) {
		t.Errorf("Replay = %q, want only the request before the damage", got)
	}
}

// TestOrphaned checks that a journal of another version of the file is
// set aside, and the file wins.
func TestOrphaned(t *testing.T) {
	file := confFile(t, "link add d0 type dummy\n")
	j, _ := open(t, file)
	request(t, j, "link add d1 type dummy")
	j.Close()
	os.WriteFile(file, []byte("link add e0 type dummy\n"), 0o644) // edited by hand
	j, rep := open(t, file)
	if rep.Orphaned != Orphan(file) || rep.Lines != 0 {
		t.Errorf("Open reports %+v, want the journal orphaned at %s", rep, Orphan(file))
	}
	if got := replay(t, j); len(got) != 0 {
		t.Errorf("Replay = %q, want nothing", got)
	}
	if _, err := os.Stat(Orphan(file)); err != nil {
		t.Errorf("orphaned journal: %v", err)
	}
	request(t, j, "link add e1 type dummy")
	j.Close()
	j, _ = open(t, file)
	if got := replay(t, j); !slices.Equal(got, []string{"link add e1 type dummy"}) {
		t.Errorf("Replay after the orphaning = %q", got)
	}
}

// TestFailureStops checks that a failed write stops the journal until a
// compaction replaces it.
func TestFailureStops(t *testing.T) {
	file := confFile(t, "")
	j, _ := open(t, file)
	request(t, j, "link add d0 type dummy")
	j.f.Close() // every write now fails
	j.Append("link add d1 type dummy")
	if err := j.Commit(); err == nil {
		t.Fatal("Commit on a closed file = nil")
	}
	if err := j.Append("link add d2 type dummy"); err == nil || j.Err() == nil {
		t.Errorf("Append after a failure = %v, Err = %v; want both to fail", err, j.Err())
	}
	script := "link add d0 type dummy\nlink add d1 type dummy\nlink add d2 type dummy\n"
	c, err := Prepare(file, writeString(script))
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Install(c, j.Size()); err != nil {
		t.Fatalf("Install = %v", err)
	}
	request(t, j, "link add d3 type dummy")
	j.Close()
	if got := state(t, file); got != script+"link add d3 type dummy\n" {
		t.Errorf("state after the compaction:\n%s", got)
	}
}

// state returns what a start would load: the file, then the journal's
// committed lines.
func state(t *testing.T, file string) string {
	t.Helper()
	b, _ := os.ReadFile(file)
	j, _ := open(t, file)
	defer j.Close()
	lines := replay(t, j)
	if len(lines) == 0 {
		return string(b)
	}
	return string(b) + strings.Join(lines, "\n") + "\n"
}

func appendBytes(path string, b []byte) {
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.Write(b)
	f.Close()
}

func flip(path string, off int64) {
	f, _ := os.OpenFile(path, os.O_RDWR, 0)
	var b [1]byte
	f.ReadAt(b[:], off)
	b[0] ^= 0x40
	f.WriteAt(b[:], off)
	f.Close()
}

package journal

import (
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// compactionSetup makes a file with a journal of two requests, takes a
// mark (the state a script is made from), commits a third request after
// it and prepares the script of the marked state. It returns the state
// every recovery must give: every acknowledged line, after the file.
func compactionSetup(t *testing.T) (file string, j *Journal, c *Compaction, since int64, want string) {
	t.Helper()
	file = confFile(t, "link add d0 type dummy\n")
	j, _ = open(t, file)
	request(t, j, "link add d1 type dummy")
	request(t, j, "link add d2 type dummy", "link set dev d2 up")
	since = j.Size()
	script := "link add d0 type dummy\nlink add d1 type dummy\nlink add d2 type dummy\nlink set dev d2 up\n"
	request(t, j, "link add d3 type dummy")
	c, err := Prepare(file, writeString(script))
	if err != nil {
		t.Fatal(err)
	}
	return file, j, c, since, script + "link add d3 type dummy\n"
}

func TestCompaction(t *testing.T) {
	file, j, c, since, want := compactionSetup(t)
	if err := j.Install(c, since); err != nil {
		t.Fatalf("Install = %v", err)
	}
	if j.Gen() != 1 {
		t.Errorf("Gen after an Install = %d, want 1", j.Gen())
	}
	request(t, j, "link add d4 type dummy")
	want += "link add d4 type dummy\n"
	j.Close()
	j2, rep := open(t, file)
	if rep.Requests != 2 || rep.Lines != 2 {
		t.Errorf("Open after the compaction reports %+v, want the 2 requests after the mark", rep)
	}
	j2.Close()
	if got := state(t, file); got != want {
		t.Errorf("state after the compaction:\n%s\nwant:\n%s", got, want)
	}
	onlyFiles(t, file)
}

// TestCompactionCrash stops a compaction before each of its steps, as a
// crash would, and checks that recovery gives exactly the acknowledged
// lines, leaves only the file and its journal, and appends cleanly.
func TestCompactionCrash(t *testing.T) {
	for step := stepNext; step <= stepDone; step++ {
		file, j, c, since, want := compactionSetup(t)
		j.crash = func(s int) bool { return s == step }
		if err := j.Install(c, since); err != errCrash {
			t.Fatalf("step %d: Install = %v, want the crash", step, err)
		}
		j.Close()
		j, rep := open(t, file)
		if rep.Finished != (step == stepReplace) || rep.Orphaned != "" || rep.Dropped != 0 {
			t.Errorf("crash before step %d: Open reports %+v", step, rep)
		}
		j.Close()
		if got := state(t, file); got != want {
			t.Errorf("crash before step %d: state\n%s\nwant:\n%s", step, got, want)
		}
		onlyFiles(t, file)
		j, _ = open(t, file)
		request(t, j, "link add d9 type dummy")
		j.Close()
		if got := state(t, file); got != want+"link add d9 type dummy\n" {
			t.Errorf("crash before step %d, then an append: state\n%s", step, got)
		}
	}
}

// TestCompactionTornNext checks that a .next journal cut short (a crash
// while it was written, before the commit point) is ignored.
func TestCompactionTornNext(t *testing.T) {
	file, j, c, since, want := compactionSetup(t)
	j.crash = func(s int) bool { return s == stepRename }
	j.Install(c, since)
	j.Close()
	next := Path(file) + ".next"
	fi, _ := os.Stat(next)
	os.Truncate(next, fi.Size()/2)
	if got := state(t, file); got != want {
		t.Errorf("state with a torn .next:\n%s\nwant:\n%s", got, want)
	}
	onlyFiles(t, file)
}

// onlyFiles checks that file's directory holds the file and its journal.
func onlyFiles(t *testing.T, file string) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Dir(file))
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{filepath.Base(file), filepath.Base(Path(file))}; !slices.Equal(names, want) {
		t.Errorf("directory holds %q, want %q", names, want)
	}
}

// writeString returns a Prepare writer that writes s.
func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

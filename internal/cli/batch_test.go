package cli

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/control"
)

// TestRunBatchHook runs a batch from a reader: the hook sees each line
// as a command line with the batch's options, output and messages come
// in order, and FILE only labels the lines.
func TestRunBatchHook(t *testing.T) {
	ctl := control.New()
	var seen [][]string
	hook := func(argv []string) error { seen = append(seen, slices.Clone(argv)); return nil } // argv is reused
	body := "link add d0 type dummy\n\n# note\n-br link show d0\nlink show nosuch\nlink del d0\n"
	var out strings.Builder
	code := RunBatch(ctl, nil, []string{"-4", "-force", "-atomic", "-batch", "routes.txt"}, strings.NewReader(body), &out, &out, hook)
	want := "d0               DOWN           " // the -br line
	if code != 1 || !strings.HasPrefix(out.String(), want) ||
		!strings.HasSuffix(out.String(), "Device \"nosuch\" does not exist.\nCommand failed routes.txt:5\n") {
		t.Errorf("code %d, output:\n%s", code, out.String())
	}
	wantSeen := [][]string{
		{"-4", "-force", "link", "add", "d0", "type", "dummy"},
		{"-4", "-force", "-br", "link", "show", "d0"},
		{"-4", "-force", "link", "show", "nosuch"},
		{"-4", "-force", "link", "del", "d0"},
	}
	if !reflect.DeepEqual(seen, wantSeen) {
		t.Errorf("hook saw %q, want %q", seen, wantSeen)
	}
}

// TestRunBatchStops: a hook's error ends the batch with exit 2, and a
// line longer than MaxLine ends it with the line's number.
func TestRunBatchStops(t *testing.T) {
	var out strings.Builder
	hook := func([]string) error { return errors.New("the client hung up") }
	code := RunBatch(control.New(), nil, []string{"-batch", "f"}, strings.NewReader("link add d0 type dummy\nlink add d1 type dummy\n"), &out, &out, hook)
	if code != 2 || out.String() != "Error: the client hung up\n" {
		t.Errorf("hook error: code %d, output %q", code, out.String())
	}
	out.Reset()
	long := "link add d0 type dummy\n" + strings.Repeat("x", MaxLine+10) + "\n"
	code = RunBatch(control.New(), nil, []string{"-force", "-batch", "f"}, strings.NewReader(long), &out, &out, nil)
	if code != 1 || !strings.HasSuffix(out.String(), "Command failed f:2\n") || !strings.Contains(out.String(), "longer than") {
		t.Errorf("long line: code %d, output %q", code, out.String())
	}
}

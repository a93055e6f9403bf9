package daemon

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/api"
)

// TestBatchStreamPublishes: a `-batch -` fed a line at a time, as a
// program feeds changes as they come, has each line published (seen by
// the data plane) while the batch goes on, also once the batch has run
// long enough that publishDue alone would wait longer.
func TestBatchStreamPublishes(t *testing.T) {
	cfg := paths(t)
	d, _ := start(t, cfg, nil)
	call(t, cfg.Socket, "link add d0 type dummy", 0)
	call(t, cfg.Socket, "link set d0 up", 0)
	call(t, cfg.Socket, "addr add 10.0.0.1/24 dev d0", 0)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		last, bodyErr, err := api.CallBody(context.Background(), cfg.Socket, []string{"-batch", "-"}, pr, func(api.Response) {})
		if err == nil && bodyErr == nil && last.Code != 0 {
			err = fmt.Errorf("exit %d: %s", last.Code, last.Stderr)
		}
		done <- err
	}()
	count, cancel := publications(d.ctl)
	defer cancel()
	for i := range 8 {
		p := fmt.Sprintf("10.9.%d.0/24", i)
		before := count()
		fmt.Fprintf(pw, "route add %s via 10.0.0.2\n", p)
		for deadline := time.Now().Add(time.Second); count() == before; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("line %d of a streamed batch (%s) not published within 1s", i, p)
			}
		}
		time.Sleep(150 * time.Millisecond) // the batch runs on, longer each time
	}
	pw.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := call(t, cfg.Socket, "route show 10.9.7.0/24", 0).Stdout; got != "10.9.7.0/24 via 10.0.0.2 dev d0 \n" {
		t.Errorf("route show 10.9.7.0/24 after the stream: %q", got)
	}
}

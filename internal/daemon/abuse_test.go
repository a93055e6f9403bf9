package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/api"
)

// openFDs counts the process's open file descriptors.
func openFDs(t *testing.T) int {
	t.Helper()
	fds, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("cannot count file descriptors: %v", err)
	}
	return len(fds)
}

// settles waits up to 10 s for count to come down to at most limit and
// returns its last value.
func settles(count func() int, limit int) int {
	n := count()
	for deadline := time.Now().Add(10 * time.Second); n > limit && time.Now().Before(deadline); n = count() {
		time.Sleep(20 * time.Millisecond)
	}
	return n
}

// abuser is one kind of misbehaving client, started n times at once.
type abuser struct {
	name string
	n    int
	// run misbehaves until stop is closed, and returns what went wrong
	// in the daemon's answers, or "".
	run func(i int, stop <-chan struct{}) string
}

// TestAPIAbuse runs a daemon's API through misbehaving clients all at
// once: 200 clients changing and showing the state together, clients
// that connect and never send, requests larger than MaxRequest, garbage,
// -batch requests whose file never comes, monitors that hang up in the
// middle of their stream and monitors that never read. Throughout, a
// well-behaved `link show` is answered within a few seconds; afterwards
// the daemon is back to the goroutines and file descriptors it had.
func TestAPIAbuse(t *testing.T) {
	cfg := paths(t)
	_, _ = start(t, cfg, nil)
	for _, l := range setup {
		call(t, cfg.Socket, l, 0)
	}
	dial := func() net.Conn {
		c, err := net.Dial("unix", cfg.Socket)
		if err != nil {
			t.Error(err)
			return nil
		}
		return c
	}
	answer := func(c net.Conn) (api.Response, error) {
		var r api.Response
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		err := json.NewDecoder(c).Decode(&r)
		return r, err
	}
	call(t, cfg.Socket, "link show", 0)
	time.Sleep(100 * time.Millisecond)
	goroutines, fds := runtime.NumGoroutine(), openFDs(t)

	abusers := []abuser{
		{"changing clients", 200, func(i int, _ <-chan struct{}) string {
			p := fmt.Sprintf("10.%d.%d.0/24", 100+i/256, i%256)
			for _, cmd := range []string{"route add " + p + " via 10.1.1.1 vrf blue", "route show vrf blue", "link show", "route del " + p + " vrf blue"} {
				r, err := api.Call(cfg.Socket, strings.Fields(cmd))
				if err != nil || r.Code != 0 {
					return fmt.Sprintf("govrf %s = %+v, %v", cmd, r, err)
				}
			}
			return ""
		}},
		{"silent clients", 100, func(_ int, stop <-chan struct{}) string {
			if c := dial(); c != nil {
				<-stop
				c.Close()
			}
			return ""
		}},
		{"oversized requests", 5, func(int, <-chan struct{}) string {
			c := dial()
			if c == nil {
				return ""
			}
			defer c.Close()
			go func() {
				io.WriteString(c, `{"argv":["`+strings.Repeat("x", 2*api.MaxRequest)+`"]}`)
			}()
			if r, err := answer(c); err != nil || r.Code != 1 || !strings.Contains(r.Stderr, "request longer than") {
				return fmt.Sprintf("answer %+v, %v; want exit 1, request longer than", r, err)
			}
			return ""
		}},
		{"garbage", 20, func(int, <-chan struct{}) string {
			c := dial()
			if c == nil {
				return ""
			}
			defer c.Close()
			io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
			c.(*net.UnixConn).CloseWrite()
			if r, err := answer(c); err != nil || r.Code != 1 || !strings.Contains(r.Stderr, "malformed request") {
				return fmt.Sprintf("answer %+v, %v; want exit 1, malformed request", r, err)
			}
			return ""
		}},
		{"-batch without its file", 5, func(_ int, stop <-chan struct{}) string {
			c := dial()
			if c == nil {
				return ""
			}
			json.NewEncoder(c).Encode(api.Request{Argv: []string{"-batch", "f"}, Body: true})
			<-stop
			c.Close()
			return ""
		}},
		{"monitors hanging up", 20, func(i int, stop <-chan struct{}) string {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// Hang up after the first event, or at once for every
			// other one.
			api.CallStream(ctx, cfg.Socket, []string{"monitor"}, func(api.Response) { cancel() })
			if i%2 == 0 {
				cancel()
			}
			return ""
		}},
		{"monitors never reading", 5, func(_ int, stop <-chan struct{}) string {
			c := dial()
			if c == nil {
				return ""
			}
			json.NewEncoder(c).Encode(api.Request{Argv: []string{"monitor"}, Stream: true})
			<-stop
			c.Close()
			return ""
		}},
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	for _, a := range abusers {
		for i := range a.n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if msg := a.run(i, stop); msg != "" {
					mu.Lock()
					failures = append(failures, a.name+": "+msg)
					mu.Unlock()
				}
			}()
		}
	}
	// The well-behaved client asks for a second and at least ten times,
	// while the abusers are at it.
	var slowest time.Duration
	asked := 0
	for end := time.Now().Add(time.Second); time.Now().Before(end) || asked < 10; asked++ {
		began := time.Now()
		r, err := api.Call(cfg.Socket, []string{"link", "show"})
		took := time.Since(began)
		slowest = max(slowest, took)
		if err != nil || r.Code != 0 {
			t.Fatalf("a well-behaved govrf link show among the abusers = %+v, %v", r, err)
		}
		// A client holding the daemon would take api.Timeout (10 s) per
		// abuser; a loaded test machine takes a few seconds at worst.
		if took > api.Timeout-time.Second {
			t.Errorf("a well-behaved govrf link show among the abusers took %v: something held the daemon", took)
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	for _, f := range failures {
		t.Error(f)
	}
	t.Logf("%d well-behaved link show among the abusers, the slowest in %v", asked, slowest)

	n := settles(runtime.NumGoroutine, goroutines+2)
	if n > goroutines+2 {
		buf := make([]byte, 1<<20)
		t.Errorf("%d goroutines after the abusers left, %d before:\n%s", n, goroutines, buf[:runtime.Stack(buf, true)])
	}
	if n := settles(func() int { return openFDs(t) }, fds); n > fds {
		t.Errorf("%d file descriptors open after the abusers left, %d before", n, fds)
	}
	call(t, cfg.Socket, "route add 10.99.0.0/16 via 10.1.1.1 vrf blue", 0)
}

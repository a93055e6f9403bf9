package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ticker sends n events "event I", then waits for the stream to end and
// reports it on done.
func ticker(n int, done chan<- struct{}) StreamHandler {
	return func(ctx context.Context, req Request, s *Stream) Response {
		for i := range n {
			s.Send(fmt.Sprintf("event %d\n", i))
		}
		<-ctx.Done()
		close(done)
		return Response{Stderr: "bye\n"}
	}
}

func TestStream(t *testing.T) {
	done := make(chan struct{})
	path := serveStreams(t, nil, echo, ticker(3, done))
	ctx, cancel := context.WithCancel(context.Background())
	var got []string
	_, err := CallStream(ctx, path, []string{"monitor"}, func(r Response) {
		got = append(got, r.Stdout)
		if len(got) == 3 {
			cancel()
		}
	})
	if err != context.Canceled {
		t.Errorf("CallStream after cancel = %v, want %v", err, context.Canceled)
	}
	if want := []string{"event 0\n", "event 1\n", "event 2\n"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("CallStream events = %q, want %q", got, want)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("stream handler still running 5s after the client hung up")
	}
}

func TestStreamLastResponse(t *testing.T) {
	for _, tc := range []struct {
		name string
		sh   StreamHandler
		want Response
	}{
		{"refused by the handler", func(context.Context, Request, *Stream) Response {
			return Response{Stderr: "Error: bad\n", Code: 1}
		}, Response{Stderr: "Error: bad\n", Code: 1}},
		{"events then the end", func(_ context.Context, _ Request, s *Stream) Response {
			s.Send("only\n")
			return Response{Stdout: "done\n"}
		}, Response{Stdout: "done\n"}},
		{"no stream handler", nil, Response{Stderr: "Error: this server does not stream.\n", Code: codeSyntax}},
	} {
		path := serveStreams(t, nil, echo, tc.sh)
		var events int
		got, err := CallStream(context.Background(), path, []string{"monitor"}, func(Response) { events++ })
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: CallStream = %+v, %v; want %+v", tc.name, got, err, tc.want)
		}
	}
}

// TestStreamSlowClient has a client that reads nothing while many events
// come: sending never blocks, other clients are served, and once the
// client reads it gets what fitted, a count of the rest, then new events.
func TestStreamSlowClient(t *testing.T) {
	const total = 3 * QueueLen
	pad := strings.Repeat("x", 1000)
	sent, more := make(chan struct{}), make(chan struct{})
	path := serveStreams(t, nil, echo, func(ctx context.Context, req Request, s *Stream) Response {
		for i := range total {
			s.Send(fmt.Sprintf("event %d %s\n", i, pad))
		}
		close(sent)
		<-more
		s.Send("last\n")
		<-ctx.Done()
		return Response{}
	})
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := json.NewEncoder(conn).Encode(Request{Argv: []string{"monitor"}, Stream: true}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sent:
	case <-time.After(10 * time.Second):
		t.Fatalf("Send blocked on a client that does not read")
	}
	if resp, err := Call(path, []string{"link", "show"}); err != nil || resp.Stdout != "link show\n" {
		t.Fatalf("Call while a stream client stalls = %+v, %v", resp, err)
	}
	dec := json.NewDecoder(conn)
	events, dropped, notices, next := 0, uint64(0), 0, 0
	for {
		var r Response
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("reading the stream after %d events: %v", events, err)
		}
		if r.Stdout == "last\n" {
			break
		}
		if r.Dropped > 0 {
			notices++
			dropped += r.Dropped
			if want := fmt.Sprintf("Warning: %d events dropped: the stream fell behind.\n", r.Dropped); r.Stderr != want {
				t.Errorf("notice %q, want %q", r.Stderr, want)
			}
			if notices == 1 {
				close(more) // caught up: new events reach the client again
			}
			continue
		}
		var i int
		if _, err := fmt.Sscanf(r.Stdout, "event %d", &i); err != nil || i < next || !r.More {
			t.Fatalf("event %+v after event %d: want a later event, with More", r, next-1)
		}
		next = i + 1
		events++
	}
	// How many notices the drops come in depends on when the writer
	// finds room in the socket; every event is either received or
	// counted, and a full queue's worth gets through.
	if events+int(dropped) != total || notices < 1 || events < QueueLen {
		t.Errorf("slow client got %d events and %d notices of %d dropped; want %d in all, at least %d events, a notice",
			events, notices, dropped, total, QueueLen)
	}
}

// TestStreamUnauthorised asks for a stream as a user the policy refuses.
// As root, which every policy admits, the client runs as nobody in a
// child process.
func TestStreamUnauthorised(t *testing.T) {
	if path := os.Getenv("GOVRF_API_STREAM_CLIENT"); path != "" {
		r, err := CallStream(context.Background(), path, []string{"monitor"}, func(Response) {})
		json.NewEncoder(os.Stdout).Encode(struct {
			R   Response
			Err string
		}{r, fmt.Sprint(err)})
		return
	}
	called := make(chan struct{}, 1)
	sh := func(context.Context, Request, *Stream) Response { called <- struct{}{}; return Response{} }
	var got Response
	if os.Getuid() != 0 {
		pol := Policy{UID: 4000000001, GID: 4000000001}
		path := serveStreams(t, &pol, echo, sh)
		var err error
		if got, err = CallStream(context.Background(), path, []string{"monitor"}, func(Response) {}); err != nil {
			t.Fatal(err)
		}
	} else {
		got = streamAsNobody(t, sh)
	}
	if got.Code != codeRefused || !strings.Contains(got.Stderr, "permission denied") {
		t.Errorf("stream as an outsider: %+v, want code %d and permission denied", got, codeRefused)
	}
	if len(called) > 0 {
		t.Errorf("stream handler called for an outsider")
	}
}

// streamAsNobody serves sh on a socket anyone may connect to and runs
// this test's client side as uid and gid 65534.
func streamAsNobody(t *testing.T, sh StreamHandler) Response {
	dir, err := os.MkdirTemp("", "govrf-api")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "api.test")
	if b, err := os.ReadFile(bin); err != nil || os.WriteFile(exe, b, 0o755) != nil {
		t.Fatalf("copying the test binary: %v", err)
	}
	path := filepath.Join(dir, "govrf.sock")
	l, err := Listen(path, -1)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	os.Chmod(path, 0o666) // the credentials check alone must refuse
	pol, _ := PolicyFor(path)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, l, pol, echo, sh, nil) }()
	defer func() { cancel(); <-done }()
	cmd := exec.Command(exe, "-test.run=^TestStreamUnauthorised$")
	cmd.Env = append(os.Environ(), "GOVRF_API_STREAM_CLIENT="+path)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("client as nobody: %v\n%s", err, out)
	}
	var res struct {
		R   Response
		Err string
	}
	if err := json.NewDecoder(strings.NewReader(string(out))).Decode(&res); err != nil || res.Err != "<nil>" {
		t.Fatalf("client as nobody printed %q (%v)", out, err)
	}
	return res.R
}

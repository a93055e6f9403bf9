package api

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// lineCounter reads a body line by line, puts every line that starts
// with "say " back on the stream, and answers with the number of lines
// read and the error that ended the body, if any.
func lineCounter(got chan<- error) BodyHandler {
	return func(ctx context.Context, req Request, body io.Reader, s *Stream) Response {
		sc := bufio.NewScanner(body)
		sc.Buffer(nil, 2*MaxLine)
		n := 0
		for sc.Scan() {
			n++
			if say, ok := strings.CutPrefix(sc.Text(), "say "); ok {
				s.Put(Response{Stdout: say + "\n"})
			}
		}
		if got != nil {
			got <- sc.Err()
		}
		return Response{Stdout: fmt.Sprintf("%d lines\n", n), Code: 0}
	}
}

func TestBodyRoundTrip(t *testing.T) {
	path := serveAll(t, nil, echo, nil, lineCounter(nil))
	var b strings.Builder
	const lines = 100000 // several chunks
	for i := range lines {
		if i%10000 == 0 {
			fmt.Fprintf(&b, "say %d\n", i)
		} else {
			fmt.Fprintf(&b, "route add 10.%d.%d.0/24 via 10.0.0.2\n", i>>8&255, i&255)
		}
	}
	var said []string
	last, bodyErr, err := CallBody(context.Background(), path, []string{"-batch", "-"}, strings.NewReader(b.String()),
		func(r Response) { said = append(said, strings.TrimSpace(r.Stdout)) })
	if err != nil || bodyErr != nil {
		t.Fatalf("CallBody: %v, %v", err, bodyErr)
	}
	if last.Stdout != fmt.Sprintf("%d lines\n", lines) {
		t.Errorf("last response %q, want %d lines", last.Stdout, lines)
	}
	if want := "0 10000 20000 30000 40000 50000 60000 70000 80000 90000"; strings.Join(said, " ") != want {
		t.Errorf("responses %q, want %q in order", said, want)
	}
}

// TestBodyManyOutputs checks that Put loses nothing when the handler
// puts far more responses than PutQueue before the client reads them.
func TestBodyManyOutputs(t *testing.T) {
	path := serveAll(t, nil, echo, nil, lineCounter(nil))
	body := strings.Repeat("say x\n", 20*PutQueue)
	n := 0
	last, _, err := CallBody(context.Background(), path, []string{"-batch", "-"}, strings.NewReader(body), func(Response) { n++ })
	if err != nil || n != 20*PutQueue || last.Stdout != fmt.Sprintf("%d lines\n", 20*PutQueue) {
		t.Errorf("CallBody: %d responses, last %q, %v", n, last.Stdout, err)
	}
}

func TestBodyLineTooLong(t *testing.T) {
	got := make(chan error, 1)
	path := serveAll(t, nil, echo, nil, lineCounter(got))
	body := "say a\n" + strings.Repeat("x", MaxLine+1) + "\nsay b\n"
	_, _, err := CallBody(context.Background(), path, []string{"-batch", "-"}, strings.NewReader(body), func(Response) {})
	if err != nil {
		t.Fatal(err)
	}
	if e := <-got; !errors.Is(e, ErrLineTooLong) {
		t.Errorf("a line of MaxLine+1 bytes: %v, want ErrLineTooLong", e)
	}
	// A line of MaxLine bytes is fine.
	body = strings.Repeat("x", MaxLine) + "\n"
	_, _, err = CallBody(context.Background(), path, []string{"-batch", "-"}, strings.NewReader(body), func(Response) {})
	if e := <-got; err != nil || e != nil {
		t.Errorf("a line of MaxLine bytes: %v, %v", err, e)
	}
}

// rawBody opens a connection and sends a request with a body and the
// start of it, without the end chunk.
func rawBody(t *testing.T, path string) net.Conn {
	t.Helper()
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := send(conn, Request{Argv: []string{"-batch", "f"}, Body: true}); err != nil {
		t.Fatal(err)
	}
	io.WriteString(conn, "6\nsay a\n")
	return conn
}

func TestBodyIdleClient(t *testing.T) {
	old := idleTimeout
	idleTimeout = 200 * time.Millisecond
	defer func() { idleTimeout = old }()
	got := make(chan error, 1)
	path := serveAll(t, nil, echo, nil, lineCounter(got))
	rawBody(t, path)
	select {
	case e := <-got:
		if !errors.Is(e, ErrIdle) {
			t.Errorf("an idle client: %v, want ErrIdle", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the body of an idle client was still read after 5s")
	}
}

func TestBodyClientVanishes(t *testing.T) {
	got := make(chan error, 1)
	path := serveAll(t, nil, echo, nil, lineCounter(got))
	conn := rawBody(t, path)
	time.Sleep(50 * time.Millisecond)
	conn.Close()
	select {
	case e := <-got:
		if !errors.Is(e, ErrHungUp) {
			t.Errorf("a client that hung up mid-body: %v, want ErrHungUp", e)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the body of a vanished client was still read after 5s")
	}
}

// failing reads some lines, then fails.
type failing struct{ r io.Reader }

func (f *failing) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errors.New("disk on fire")
	}
	return n, err
}

// TestBodyUnreadable: a body the client cannot read to its end is never
// taken for complete.
func TestBodyUnreadable(t *testing.T) {
	got := make(chan error, 1)
	path := serveAll(t, nil, echo, nil, lineCounter(got))
	_, bodyErr, err := CallBody(context.Background(), path, []string{"-batch", "f"}, &failing{strings.NewReader("say a\n")}, func(Response) {})
	if err != nil || bodyErr == nil || bodyErr.Error() != "disk on fire" {
		t.Errorf("CallBody: %v, body error %v", err, bodyErr)
	}
	if e := <-got; !errors.Is(e, ErrHungUp) {
		t.Errorf("the server read a cut body as %v, want ErrHungUp", e)
	}
}

func TestBodyRefusedWithoutHandler(t *testing.T) {
	path := serve(t, nil, echo)
	last, _, err := CallBody(context.Background(), path, []string{"-batch", "f"}, strings.NewReader("x\n"), func(Response) {})
	if err != nil || last.Code != codeSyntax {
		t.Errorf("a body to a server without a body handler: %+v, %v", last, err)
	}
}

// TestBodyServerStops: stopping the server ends the read of a body at
// once, without waiting for the idle timeout.
func TestBodyServerStops(t *testing.T) {
	got := make(chan error, 1)
	path := filepath.Join(t.TempDir(), "govrf.sock")
	l, err := Listen(path, -1)
	if err != nil {
		t.Fatal(err)
	}
	pol, _ := PolicyFor(path)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, l, pol, echo, nil, lineCounter(got)) }()
	rawBody(t, path)
	time.Sleep(50 * time.Millisecond)
	t0 := time.Now()
	cancel()
	select {
	case e := <-got:
		if e == nil || time.Since(t0) > 2*time.Second {
			t.Errorf("the body read ended with %v after %v", e, time.Since(t0))
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the body was still read 5s after the server stopped")
	}
	<-done
}

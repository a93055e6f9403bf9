package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// dialIdle opens a connection and sends nothing on it; it is closed
// when the test ends.
func dialIdle(t *testing.T, path string) net.Conn {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestConnectionCap: beyond maxConns connections at once, a connection
// is answered at once with an error that says why, and closed; once one
// ends, connections are served again.
func TestConnectionCap(t *testing.T) {
	old := maxConns
	maxConns = 4
	t.Cleanup(func() { maxConns = old }) // after the server has stopped
	path := serve(t, nil, echo)
	var idle []net.Conn
	for range maxConns {
		idle = append(idle, dialIdle(t, path))
	}
	// Accept runs in order: a request answered after the idle ones
	// connected means they hold their slots.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		got, err := Call(path, []string{"link", "show"})
		if err == nil && got.Code == codeRefused && strings.Contains(got.Stderr, "govrfd is serving 4 connections") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Call with %d idle connections = %+v, %v; want code %d and govrfd is serving 4 connections", maxConns, got, err, codeRefused)
		}
	}
	idle[0].Close()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		got, err := Call(path, []string{"link", "show"})
		if err == nil && got.Code == 2 && got.Stdout == "link show\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("Call after an idle connection closed = %+v, %v; want it served", got, err)
		}
	}
}

// TestIdleConnectionClosed: a client that connects and sends nothing is
// answered with an error and cut off after Timeout, without reaching
// the handler.
func TestIdleConnectionClosed(t *testing.T) {
	if testing.Short() {
		t.Skip("waits Timeout")
	}
	var called atomic.Bool
	path := serve(t, nil, func(r Request) Response { called.Store(true); return echo(r) })
	c := dialIdle(t, path)
	c.SetReadDeadline(time.Now().Add(Timeout + 5*time.Second))
	var resp Response
	if err := json.NewDecoder(c).Decode(&resp); err != nil || resp.Code != codeSyntax || !strings.Contains(resp.Stderr, "timeout") {
		t.Errorf("an idle client got %+v, %v; want code %d and a timeout", resp, err, codeSyntax)
	}
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		t.Errorf("reading after the answer: %v, want EOF", err)
	}
	if called.Load() {
		t.Error("the handler was called for a client that sent nothing")
	}
}

// TestBodyHandlerWaitsForBody: a request with a body whose client then
// sends nothing never reaches the body handler (which, in govrfd, holds
// the single writer); it is answered with ErrIdle.
func TestBodyHandlerWaitsForBody(t *testing.T) {
	old := idleTimeout
	idleTimeout = 200 * time.Millisecond
	t.Cleanup(func() { idleTimeout = old }) // after the server has stopped
	var called atomic.Bool
	path := serveAll(t, nil, echo, nil, func(ctx context.Context, req Request, body io.Reader, s *Stream) Response {
		called.Store(true)
		return Response{}
	})
	conn := dialIdle(t, path)
	if err := send(conn, Request{Argv: []string{"-batch", "f"}, Body: true}); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	var resp Response
	if err := json.NewDecoder(conn).Decode(&resp); err != nil || resp.Code != codeSyntax || !strings.Contains(resp.Stderr, ErrIdle.Error()) {
		t.Errorf("a body that never came: %+v, %v; want code %d and %q", resp, err, codeSyntax, ErrIdle)
	}
	if called.Load() {
		t.Error("the body handler was called before any of the body came")
	}
	// An empty body reaches the handler at once.
	last, _, err := CallBody(context.Background(), path, []string{"-batch", "-"}, strings.NewReader(""), func(Response) {})
	if err != nil || last.Code != 0 || !called.Load() {
		t.Errorf("an empty body: %+v, %v, handler called %v", last, err, called.Load())
	}
}

// TestBodyStreamsShortReads: a body read from a pipe, as `govrf -batch
// -` reads standard input fed as changes come, reaches the server line
// by line, each as soon as it is written, and not once a chunk's worth
// has gathered; the server's read that then waits calls the function
// given to OnWait.
func TestBodyStreamsShortReads(t *testing.T) {
	lines := make(chan string)
	var waits atomic.Int32
	path := serveAll(t, nil, echo, nil, func(ctx context.Context, req Request, body io.Reader, s *Stream) Response {
		body.(Waiter).OnWait(func() { waits.Add(1) })
		sc := bufio.NewScanner(body)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
		return Response{}
	})
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, _, err := CallBody(context.Background(), path, []string{"-batch", "-"}, pr, func(Response) {})
		done <- err
	}()
	for i := range 3 {
		want := fmt.Sprintf("route add 10.0.%d.0/24 via 10.0.0.2", i)
		io.WriteString(pw, want+"\n")
		select {
		case got := <-lines:
			if got != want {
				t.Fatalf("line %d: %q, want %q", i, got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("line %d not at the server 5s after it was written", i)
		}
		for deadline := time.Now().Add(5 * time.Second); waits.Load() <= int32(i); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("no wait after line %d", i)
			}
		}
	}
	pw.Close()
	if _, ok := <-lines; ok {
		t.Error("a line after the last")
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

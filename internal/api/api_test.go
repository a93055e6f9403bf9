package api

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// serve runs a server on a temporary socket with handler h until the
// test ends, and returns the socket's path.
func serve(t *testing.T, pol *Policy, h Handler) string {
	t.Helper()
	return serveStreams(t, pol, h, nil)
}

// serveStreams is serve with a stream handler.
func serveStreams(t *testing.T, pol *Policy, h Handler, sh StreamHandler) string {
	t.Helper()
	return serveAll(t, pol, h, sh, nil)
}

// serveAll is serve with a stream handler and a body handler.
func serveAll(t *testing.T, pol *Policy, h Handler, sh StreamHandler, bh BodyHandler) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "run", "govrf.sock")
	l, err := Listen(path, -1)
	if err != nil {
		t.Fatalf("Listen(%q) = %v", path, err)
	}
	if pol == nil {
		p, err := PolicyFor(path)
		if err != nil {
			t.Fatal(err)
		}
		pol = &p
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, l, *pol, h, sh, bh) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve = %v", err)
		}
	})
	return path
}

func echo(req Request) Response {
	return Response{Stdout: strings.Join(req.Argv, " ") + "\n", Stderr: "warn\n", Code: len(req.Argv)}
}

func TestCallRoundTrip(t *testing.T) {
	path := serve(t, nil, echo)
	argv := []string{"route", "get", "10.1.1.1", "vrf", "blue"}
	got, err := Call(path, argv)
	want := Response{Stdout: "route get 10.1.1.1 vrf blue\n", Stderr: "warn\n", Code: 5}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Call(%q, %q) = %+v, %v; want %+v", path, argv, got, err, want)
	}
}

// TestCallFiles: the files of a response reach the client as open
// descriptors of the same files (here a pipe, whose other end the test
// keeps), close-on-exec, and the server closes its copies.
func TestCallFiles(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	path := serve(t, nil, func(req Request) Response {
		return Response{Stdout: "with a file\n", Files: []*os.File{pw}}
	})
	got, err := Call(path, []string{"vrf", "exec", "a", "true"})
	if err != nil || got.Stdout != "with a file\n" || len(got.Files) != 1 {
		t.Fatalf("Call = %+v, %v; want the output and one file", got, err)
	}
	defer got.Files[0].Close()
	flags, err := unix.FcntlInt(got.Files[0].Fd(), unix.F_GETFD, 0)
	if err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("received descriptor flags = %#x, %v; want FD_CLOEXEC", flags, err)
	}
	if _, err := got.Files[0].WriteString("through"); err != nil {
		t.Fatal(err)
	}
	got.Files[0].Close()
	// EOF comes once no write end is left: the server closed its copy.
	pr.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(pr)
	if err != nil || string(b) != "through" {
		t.Errorf("read %q, %v from the pipe; want what the client wrote into the received file, then EOF", b, err)
	}
}

// TestCallReset: a daemon that dies mid-answer, resetting the
// connection, is an error for the caller, never a panic.
func TestCallReset(t *testing.T) {
	path := filepath.Join(t.TempDir(), "reset.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// Closed with the request unread: the client's read is
			// reset (ECONNRESET).
			time.Sleep(10 * time.Millisecond)
			c.Close()
		}
	}()
	for range 20 {
		if got, err := Call(path, []string{"link", "show"}); err == nil {
			t.Fatalf("Call to a daemon that resets = %+v, nil; want an error", got)
		}
	}
}

func TestListenMode(t *testing.T) {
	path := serve(t, nil, echo)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode(); got != os.ModeSocket|0o660 {
		t.Fatalf("mode of %s = %v, want %v", path, got, os.ModeSocket|0o660)
	}
	if _, err := Listen(path, -1); err == nil {
		t.Fatalf("Listen(%q) on a live socket = nil, want an error", path)
	}
}

func TestListenReplacesStaleSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "govrf.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	l, err = Listen(path, -1)
	if err != nil {
		t.Fatalf("Listen(%q) over a stale socket = %v", path, err)
	}
	l.Close()
	if _, err := os.Lstat(path); !os.IsNotExist(err) {
		t.Fatalf("socket %s after Close: %v, want it removed", path, err)
	}
}

// raw sends b as the whole request and returns the decoded answer.
func raw(t *testing.T, path string, b []byte) Response {
	t.Helper()
	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The server may answer before reading everything; a write error
	// then is expected.
	go func() {
		conn.Write(b)
		conn.(*net.UnixConn).CloseWrite()
	}()
	var resp Response
	if err := json.NewDecoder(conn).Decode(&resp); err != nil {
		t.Fatalf("decoding the answer: %v", err)
	}
	return resp
}

func TestRequestRefused(t *testing.T) {
	var called atomic.Bool
	path := serve(t, nil, func(r Request) Response { called.Store(true); return echo(r) })
	big, _ := json.Marshal(Request{Argv: []string{strings.Repeat("x", MaxRequest)}})
	for _, tc := range []struct {
		name string
		req  []byte
		want string
	}{
		{"oversized", big, "request longer than"},
		{"malformed", []byte("{argv"), "malformed request"},
	} {
		got := raw(t, path, tc.req)
		if got.Code != codeSyntax || !strings.Contains(got.Stderr, tc.want) {
			t.Errorf("%s request: answer %+v, want code %d and %q", tc.name, got, codeSyntax, tc.want)
		}
	}
	if called.Load() {
		t.Errorf("handler called for a refused request")
	}
}

func TestUnauthorisedPeerRefused(t *testing.T) {
	// Nobody but an impossible user and group may talk to this server.
	pol := Policy{UID: 4000000001, GID: 4000000001}
	if os.Getuid() == 0 {
		t.Skip("root passes every policy")
	}
	path := serve(t, &pol, echo)
	got, err := Call(path, []string{"link", "show"})
	if err != nil || got.Code != codeRefused || !strings.Contains(got.Stderr, "permission denied") {
		t.Fatalf("Call as an outsider = %+v, %v; want code %d and permission denied", got, err, codeRefused)
	}
}

func TestAuthorize(t *testing.T) {
	pol := Policy{UID: 998, GID: 997}
	for _, tc := range []struct {
		peer Peer
		ok   bool
	}{
		{Peer{UID: 0, GID: 0}, true},
		{Peer{UID: 998, GID: 998}, true},
		{Peer{UID: 1000, GID: 997}, true},
		{Peer{UID: 1000, GID: 1000, Groups: []uint32{24, 997}}, true},
		{Peer{UID: 1000, GID: 1000, Groups: []uint32{24, 27}}, false},
		{Peer{UID: 1000, GID: 1000}, false},
	} {
		if err := pol.Authorize(tc.peer); (err == nil) != tc.ok {
			t.Errorf("%+v.Authorize(%+v) = %v, want allowed %v", pol, tc.peer, err, tc.ok)
		}
	}
}

func TestSupplementaryGroups(t *testing.T) {
	got, err := supplementaryGroups(int32(os.Getpid()))
	want, err2 := os.Getgroups()
	if err != nil || err2 != nil {
		t.Fatalf("supplementaryGroups(self) = %v, %v", err, err2)
	}
	w := make([]uint32, len(want))
	for i, g := range want {
		w[i] = uint32(g)
	}
	if len(got) != 0 || len(w) != 0 {
		if !reflect.DeepEqual(got, w) {
			t.Fatalf("supplementaryGroups(self) = %v, want %v", got, w)
		}
	}
}

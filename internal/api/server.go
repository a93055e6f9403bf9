package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// Handler answers one authorised request.
type Handler func(Request) Response

// BodyHandler answers an authorised request that carries a body: it
// reads body, sends output on s as it goes (Stream.Put) and returns the
// last response, with the exit code. body fails with ErrLineTooLong,
// ErrIdle or ErrHungUp (the client vanished), and once ctx has ended.
type BodyHandler func(ctx context.Context, req Request, body io.Reader, s *Stream) Response

// Listen creates the unix socket at path, mode 0660 and owned by group
// gid (-1 keeps the daemon's group), creating its directory (0755) if
// needed. The socket is created under umask 0177, so it is never
// reachable by others, even between creation and chmod. A stale socket
// left by a daemon that died is replaced; a live one is an error.
func Listen(path string, gid int) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != os.ModeSocket {
			return nil, fmt.Errorf("api: %s exists and is not a socket", path)
		}
		if c, err := net.DialTimeout("unix", path, time.Second); err == nil {
			c.Close()
			return nil, fmt.Errorf("api: %s: another daemon is listening", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, err
		}
	}
	old := unix.Umask(0o177)
	l, err := net.Listen("unix", path)
	unix.Umask(old)
	if err != nil {
		return nil, err
	}
	if err := os.Chown(path, -1, gid); err != nil {
		l.Close()
		return nil, err
	}
	if err := os.Chmod(path, 0o660); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// Serve accepts connections on l until ctx ends, then closes l (which
// removes the socket) and waits for the connections in progress. Each
// connection carries one request from a peer that passes pol: h answers
// plain requests, sh streaming ones and bh those with a body (nil:
// refused). They are called from several goroutines at once.
func Serve(ctx context.Context, l net.Listener, pol Policy, h Handler, sh StreamHandler, bh BodyHandler) error {
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, maxConns)
	limit := cap(slots)
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		select {
		case slots <- struct{}{}:
		default:
			refuseBusy(conn, limit)
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			defer conn.Close()
			serveConn(ctx, conn, pol, h, sh, bh)
		})
	}
}

// maxConns is MaxConns, lowered by tests.
var maxConns = MaxConns

// refuseBusy answers a connection beyond limit with an error and
// closes it. The answer is small and the connection new, so the write
// finds its buffer empty and never waits; the deadline is a guard.
func refuseBusy(conn net.Conn, limit int) {
	defer conn.Close()
	conn.SetWriteDeadline(time.Now().Add(time.Second))
	writeResponse(conn, Response{Stderr: fmt.Sprintf("Error: govrfd is serving %d connections, as many as it takes; "+
		"try again once some have ended (each running \"govrf monitor\" holds one).\n", limit), Code: codeRefused})
}

// serveConn reads, authorises and answers one request.
func serveConn(ctx context.Context, conn net.Conn, pol Policy, h Handler, sh StreamHandler, bh BodyHandler) {
	conn.SetDeadline(time.Now().Add(Timeout))
	req, rest, refusal := accept(conn, pol)
	var resp Response
	switch {
	case refusal != nil:
		resp = *refusal
	case req.Body && bh == nil:
		resp = Response{Stderr: "Error: this server takes no request with a body.\n", Code: codeSyntax}
	case req.Body:
		serveStream(ctx, conn, req, false, func(ctx context.Context, req Request, s *Stream) Response {
			// The end of ctx interrupts a read waiting for the client.
			stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
			defer stop()
			b := newBody(ctx, rest, conn)
			if err := b.wait(); err != nil {
				return Response{Stderr: "Error: " + err.Error() + "\n", Code: codeSyntax}
			}
			return bh(ctx, req, b, s)
		})
		return
	case req.Stream && sh == nil:
		resp = Response{Stderr: "Error: this server does not stream.\n", Code: codeSyntax}
	case req.Stream:
		serveStream(ctx, conn, req, true, sh)
		return
	default:
		// The command may take longer than a stalled peer may; the
		// write deadline is set again once it is done.
		conn.SetDeadline(time.Time{})
		resp = h(req)
	}
	conn.SetWriteDeadline(time.Now().Add(Timeout))
	writeResponse(conn, resp)
}

// writeResponse sends resp, with its Files as SCM_RIGHTS on the first
// bytes, and closes the files.
func writeResponse(conn net.Conn, resp Response) error {
	defer func() {
		for _, f := range resp.Files {
			f.Close()
		}
	}()
	uc, ok := conn.(*net.UnixConn)
	if len(resp.Files) == 0 || !ok {
		return json.NewEncoder(conn).Encode(resp)
	}
	b, err := json.Marshal(resp)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	fds := make([]int, len(resp.Files))
	for i, f := range resp.Files {
		fds[i] = int(f.Fd())
	}
	n, _, err := uc.WriteMsgUnix(b, unix.UnixRights(fds...), nil)
	if err == nil && n < len(b) {
		_, err = uc.Write(b[n:])
	}
	return err
}

// accept checks the peer's credentials and reads its request, and
// returns with it what was read past it (the start of a body); refusal
// is the response to send instead when either fails.
func accept(conn net.Conn, pol Policy) (req Request, rest io.Reader, refusal *Response) {
	peer, err := peerOf(conn)
	if err == nil {
		err = pol.Authorize(peer)
	}
	if err != nil {
		return req, nil, &Response{Stderr: "Error: " + err.Error() + "\n", Code: codeRefused}
	}
	req, rest, err = readRequest(conn)
	if err != nil {
		return req, nil, &Response{Stderr: "Error: " + err.Error() + "\n", Code: codeSyntax}
	}
	return req, rest, nil
}

// errTooLarge is the error for a request longer than MaxRequest.
var errTooLarge = fmt.Errorf("request longer than %d bytes", MaxRequest)

// readRequest reads one JSON request. A plain client half-closes after
// it; a streaming one keeps its side open, and a body may follow, so the
// request is read as one value rather than up to the end of the input.
// rest holds what the decoder read past the request.
func readRequest(r io.Reader) (req Request, rest io.Reader, err error) {
	lr := &io.LimitedReader{R: r, N: MaxRequest + 1}
	dec := json.NewDecoder(lr)
	err = dec.Decode(&req)
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case err == nil:
		return req, dec.Buffered(), nil
	case lr.N <= 0:
		return Request{}, nil, errTooLarge
	case errors.Is(err, os.ErrDeadlineExceeded):
		return Request{}, nil, fmt.Errorf("no whole request came within %v (timeout)", Timeout)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.As(err, &syntax), errors.As(err, &typ):
		return Request{}, nil, fmt.Errorf("malformed request: %w", err)
	}
	return Request{}, nil, fmt.Errorf("reading request: %w", err)
}

// peerOf returns the credentials of conn's peer.
func peerOf(conn net.Conn) (Peer, error) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return Peer{}, errors.New("peer credentials: not a unix socket")
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return Peer{}, err
	}
	var cred *unix.Ucred
	var serr error
	if err := raw.Control(func(fd uintptr) {
		cred, serr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return Peer{}, err
	}
	if serr != nil {
		return Peer{}, fmt.Errorf("peer credentials: %w", serr)
	}
	p := Peer{PID: cred.Pid, UID: cred.Uid, GID: cred.Gid}
	// A peer that is gone or hidden simply has no supplementary
	// groups; root, its user and its primary group still count.
	p.Groups, _ = supplementaryGroups(cred.Pid)
	return p, nil
}

// PolicyFor returns the policy for the socket at path: the calling
// process's user and the socket's group.
func PolicyFor(path string) (Policy, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return Policy{}, fmt.Errorf("api: %s: %w", path, err)
	}
	return Policy{UID: uint32(os.Getuid()), GID: st.Gid}, nil
}

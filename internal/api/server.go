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
// connection carries one request, answered by h if its peer passes
// pol; h is called from several goroutines at once.
func Serve(ctx context.Context, l net.Listener, pol Policy, h Handler) error {
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		conn, err := l.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		wg.Go(func() {
			defer conn.Close()
			serveConn(conn, pol, h)
		})
	}
}

// serveConn reads, authorises and answers one request.
func serveConn(conn net.Conn, pol Policy, h Handler) {
	conn.SetDeadline(time.Now().Add(Timeout))
	resp := answer(conn, pol, h)
	conn.SetWriteDeadline(time.Now().Add(Timeout))
	json.NewEncoder(conn).Encode(resp)
}

func answer(conn net.Conn, pol Policy, h Handler) Response {
	peer, err := peerOf(conn)
	if err == nil {
		err = pol.Authorize(peer)
	}
	if err != nil {
		return Response{Stderr: "Error: " + err.Error() + "\n", Code: codeRefused}
	}
	req, err := readRequest(conn)
	if err != nil {
		return Response{Stderr: "Error: " + err.Error() + "\n", Code: codeSyntax}
	}
	// The command may take longer than a stalled peer may; the write
	// deadline is set again once it is done.
	conn.SetDeadline(time.Time{})
	return h(req)
}

// errTooLarge is the error for a request longer than MaxRequest.
var errTooLarge = fmt.Errorf("request longer than %d bytes", MaxRequest)

// readRequest reads the request up to the client's half-close.
func readRequest(r io.Reader) (Request, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxRequest+1))
	if err != nil {
		return Request{}, fmt.Errorf("reading request: %w", err)
	}
	if len(b) > MaxRequest {
		return Request{}, errTooLarge
	}
	var req Request
	if err := json.Unmarshal(b, &req); err != nil {
		return Request{}, fmt.Errorf("malformed request: %w", err)
	}
	return req, nil
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

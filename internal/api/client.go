package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Call sends argv to the daemon listening on the socket at path and
// returns its response. An error means the daemon could not be asked or
// did not answer; a refused command is a Response with a non-zero Code.
//
// Commands run one at a time in the daemon and a large change can take
// a while, so Call waits for the answer without a deadline; only the
// connection itself is bounded by Timeout.
func Call(path string, argv []string) (Response, error) {
	conn, err := net.DialTimeout("unix", path, Timeout)
	if err != nil {
		return Response{}, err
	}
	defer conn.Close()
	serr := send(conn, Request{Argv: argv})
	if serr == nil {
		// The half-close ends the request.
		serr = conn.(*net.UnixConn).CloseWrite()
	}
	r := &rightsReader{conn: conn.(*net.UnixConn)}
	var resp Response
	err = json.NewDecoder(io.LimitReader(r, 1<<30)).Decode(&resp)
	if err == nil {
		err = r.err
	}
	if err != nil {
		r.close()
		return Response{}, answerError(path, serr, err)
	}
	resp.Files = r.files
	return resp, nil
}

// rightsReader reads a connection and keeps the files that come with
// the bytes as SCM_RIGHTS.
type rightsReader struct {
	conn  *net.UnixConn
	files []*os.File
	err   error // a malformed or excessive control message
}

func (r *rightsReader) Read(p []byte) (int, error) {
	oob := make([]byte, unix.CmsgSpace(4*MaxFiles))
	n, oobn, flags, _, err := r.conn.ReadMsgUnix(p, oob)
	// A failed recvmsg reports -1, which io.Reader must never return
	// (a connection reset by a daemon killed mid-answer).
	n = max(n, 0)
	if oobn > 0 {
		r.take(oob[:oobn])
	}
	if flags&unix.MSG_CTRUNC != 0 && r.err == nil {
		r.err = fmt.Errorf("more than %d files with the answer", MaxFiles)
	}
	return n, err
}

// take keeps the files of the control messages in oob.
func (r *rightsReader) take(oob []byte) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		r.err = err
		return
	}
	for _, m := range msgs {
		fds, err := unix.ParseUnixRights(&m)
		if err != nil {
			continue
		}
		for _, fd := range fds {
			unix.CloseOnExec(fd)
			r.files = append(r.files, os.NewFile(uintptr(fd), "govrfd-fd"))
		}
	}
}

// close closes the files received.
func (r *rightsReader) close() {
	for _, f := range r.files {
		f.Close()
	}
	r.files = nil
}

// CallStream sends argv as a streaming request to the daemon listening on
// the socket at path and calls fn with each response but the last as it
// arrives; it returns the last, which carries the exit code. Cancelling
// ctx hangs up, which ends the stream in the daemon too; CallStream then
// returns ctx's error.
func CallStream(ctx context.Context, path string, argv []string, fn func(Response)) (Response, error) {
	conn, err := dial(ctx, path)
	if err != nil {
		return Response{}, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	// The connection stays open both ways: closing it ends the stream.
	serr := send(conn, Request{Argv: argv, Stream: true})
	return receive(ctx, conn, path, serr, fn)
}

// CallBody sends argv with body, the file it names (`-batch FILE`), to
// the daemon listening on the socket at path, streaming the file as it
// reads it, and calls fn with each response but the last as it arrives;
// it returns the last, which carries the exit code. The daemon may answer
// before it has read the whole body (a batch stopped at a failing line).
// bodyErr is the error reading body, if any: the daemon is then told
// that the body is cut short, never that it is complete. Cancelling ctx
// hangs up; CallBody then returns ctx's error.
func CallBody(ctx context.Context, path string, argv []string, body io.Reader, fn func(Response)) (last Response, bodyErr, err error) {
	conn, err := dial(ctx, path)
	if err != nil {
		return Response{}, nil, err
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	serr := send(conn, Request{Argv: argv, Body: true})
	conn.SetWriteDeadline(time.Time{})
	uc := conn.(*net.UnixConn)
	sent := make(chan error, 1)
	go func() {
		// The error is known before the half-close that makes the
		// daemon answer; a body still being read when the answer
		// comes (standard input) is left to the process's end.
		sent <- sendBody(uc, body)
		uc.CloseWrite()
	}()
	last, err = receive(ctx, conn, path, serr, fn)
	conn.Close() // a body the daemon did not read is not sent
	select {
	case bodyErr = <-sent:
	default:
	}
	return last, bodyErr, err
}

// sendBody streams body to conn in chunks, then the end chunk. A failure
// to read body is returned, without the end chunk; a failure to write is
// not, since the daemon's answer says more. What a short read returned
// is sent at once: body had no more for now (a pipe, standard input fed
// as changes come), and the daemon applies it meanwhile; a file fills
// every read but its last, so that a bulk load goes in whole chunks.
func sendBody(conn *net.UnixConn, body io.Reader) error {
	w := newBodyWriter(conn)
	buf := make([]byte, MaxChunk)
	for {
		n, err := body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return nil
			}
			if n < len(buf) && err == nil {
				if werr := w.flush(); werr != nil {
					return nil
				}
			}
		}
		if err == io.EOF {
			w.end()
			return nil
		}
		if err != nil {
			w.flush()
			return err
		}
	}
}

// dial connects to the daemon's socket, waiting up to Timeout.
func dial(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	dctx, cancel := context.WithTimeout(ctx, Timeout)
	defer cancel()
	return d.DialContext(dctx, "unix", path)
}

// receive reads responses from conn, calling fn with each but the last,
// which it returns.
func receive(ctx context.Context, conn net.Conn, path string, serr error, fn func(Response)) (Response, error) {
	dec := json.NewDecoder(conn)
	for {
		var resp Response
		if err := dec.Decode(&resp); err != nil {
			if ctx.Err() != nil {
				return Response{}, ctx.Err()
			}
			return Response{}, answerError(path, serr, err)
		}
		if !resp.More {
			return resp, nil
		}
		fn(resp)
	}
}

// send writes the request. The server may refuse a peer before reading
// what it sent, so a failed send is reported only if no answer follows.
func send(conn net.Conn, req Request) error {
	if err := conn.SetWriteDeadline(time.Now().Add(Timeout)); err != nil {
		return err
	}
	return json.NewEncoder(conn).Encode(req)
}

// answerError explains a missing answer: the failed send if there was
// one, else the failed read.
func answerError(path string, sendErr, readErr error) error {
	if sendErr != nil {
		return fmt.Errorf("api: send to %s: %w", path, sendErr)
	}
	return fmt.Errorf("api: answer from %s: %w", path, readErr)
}

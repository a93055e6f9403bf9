package api

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"time"
)

// A request with Body set is followed on the connection by a body: the
// bytes of a file, in chunks, each a line with its length in hexadecimal
// then that many bytes, and a chunk of length 0 at the end, after which
// the client half-closes. The end chunk tells a complete body from a
// client that vanished mid-file, which the server must not take for the
// end of the file.

// MaxChunk bounds a body chunk, in bytes.
const MaxChunk = 64 << 10

// MaxLine bounds a body's lines, in bytes without the newline: a body is
// read line by line and never held whole, so a longer line is refused.
const MaxLine = 1 << 20

// IdleTimeout bounds how long the server waits for the next bytes of a
// body: a body may take as long as it needs, but not pause longer.
const IdleTimeout = Timeout

// Errors reading a body.
var (
	ErrLineTooLong = fmt.Errorf("a line of the file is longer than %d bytes; split it", MaxLine)
	ErrIdle        = fmt.Errorf("the client sent nothing for %v; the rest of the file was not read", IdleTimeout)
	ErrHungUp      = errors.New("the client hung up before the end of the file; the rest was not read")
	errChunk       = errors.New("malformed body chunk")
)

// body reads a request's body as the chunks come, bounding its lines and
// the pauses between reads. It returns io.EOF only after the end chunk.
type body struct {
	ctx   context.Context // its end stops the reads
	src   *idleReader
	r     *bufio.Reader
	left  int   // bytes left in the current chunk
	first bool  // no chunk read yet
	line  int   // bytes of the current line read so far
	err   error // sticky
}

// newBody reads the body that follows a request: buffered, the bytes
// the request's decoder read past it, then conn. The end of ctx stops
// the reads.
func newBody(ctx context.Context, buffered io.Reader, conn net.Conn) *body {
	src := &idleReader{ctx: ctx, conn: conn}
	return &body{ctx: ctx, src: src, r: bufio.NewReaderSize(io.MultiReader(buffered, src), MaxChunk+32), first: true}
}

// Waiter is implemented by the body a BodyHandler reads.
type Waiter interface {
	// OnWait sets fn to be called, from the goroutine reading the body,
	// each time a read finds nothing come for WaitHint and goes on
	// waiting for the client: what the lines read so far did may be
	// made visible then, however few they are, since no more come yet.
	OnWait(fn func())
}

// WaitHint is how long a read of a body waits before it calls the
// function given to OnWait.
const WaitHint = 10 * time.Millisecond

// OnWait implements Waiter.
func (b *body) OnWait(fn func()) { b.src.onWait = fn }

// Read implements io.Reader.
func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if b.left == 0 {
		if b.err = b.header(); b.err != nil {
			return 0, b.err
		}
	}
	n, err := b.r.Read(p[:min(len(p), b.left)])
	b.left -= n
	if err != nil {
		b.err = b.readErr(err)
	}
	if lerr := b.bound(p[:n]); lerr != nil {
		b.err = lerr
		return 0, lerr
	}
	if n > 0 {
		return n, nil
	}
	return 0, b.err
}

// wait waits for the body's first chunk, or its end, so that a handler
// is called only once there is something to read: a batch holds the
// daemon, which serves one change at a time, and a client that sends a
// request with a body and then nothing must not hold it.
func (b *body) wait() error {
	switch err := b.header(); err {
	case nil:
	case io.EOF:
		b.err = err
	default:
		b.err = err
		return err
	}
	return nil
}

// header reads the next chunk's length; the end chunk ends the body.
// The newline that ends the JSON request comes before the first.
func (b *body) header() error {
	h, err := b.r.ReadSlice('\n')
	if b.first && err == nil && len(h) == 1 {
		h, err = b.r.ReadSlice('\n')
	}
	b.first = false
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return errChunk
		}
		return b.readErr(err)
	}
	n, err := strconv.ParseUint(string(h[:len(h)-1]), 16, 32)
	switch {
	case err != nil || n > MaxChunk:
		return errChunk
	case n == 0:
		return io.EOF
	}
	b.left = int(n)
	return nil
}

// bound checks that no line of p, with what came before it, is longer
// than MaxLine.
func (b *body) bound(p []byte) error {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			b.line += len(p)
			break
		}
		if b.line+i > MaxLine {
			return ErrLineTooLong
		}
		b.line, p = 0, p[i+1:]
	}
	if b.line > MaxLine {
		return ErrLineTooLong
	}
	return nil
}

// readErr says what a failed read of the connection means for the body.
func (b *body) readErr(err error) error {
	switch {
	case b.ctx.Err() != nil:
		return fmt.Errorf("the batch was stopped: %w", context.Cause(b.ctx))
	case errors.Is(err, os.ErrDeadlineExceeded):
		return ErrIdle
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed):
		return ErrHungUp
	}
	return fmt.Errorf("%w (%v)", ErrHungUp, err)
}

// idleTimeout is IdleTimeout, shortened by tests.
var idleTimeout = IdleTimeout

// idleReader reads a connection, allowing IdleTimeout for each read,
// until ctx ends. With onWait, a read that finds nothing for WaitHint
// calls it before it waits on.
type idleReader struct {
	ctx    context.Context
	conn   net.Conn
	onWait func()
}

func (r *idleReader) Read(p []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	if r.onWait != nil {
		r.conn.SetReadDeadline(time.Now().Add(WaitHint))
		n, err := r.conn.Read(p)
		if n > 0 || !errors.Is(err, os.ErrDeadlineExceeded) || r.ctx.Err() != nil {
			return n, err
		}
		r.onWait()
		if err := r.ctx.Err(); err != nil {
			return 0, err
		}
	}
	r.conn.SetReadDeadline(time.Now().Add(idleTimeout))
	return r.conn.Read(p)
}

// bodyWriter writes a body in chunks.
type bodyWriter struct{ w *bufio.Writer }

func newBodyWriter(w io.Writer) *bodyWriter {
	return &bodyWriter{bufio.NewWriterSize(w, MaxChunk+32)}
}

// Write sends p as one chunk or more.
func (w *bodyWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		c := p[:min(len(p), MaxChunk)]
		w.w.WriteString(strconv.FormatUint(uint64(len(c)), 16))
		w.w.WriteByte('\n')
		if _, err := w.w.Write(c); err != nil {
			return n, err
		}
		n += len(c)
		p = p[len(c):]
	}
	return n, nil
}

// end sends the end chunk and flushes.
func (w *bodyWriter) end() error {
	w.w.WriteString("0\n")
	return w.w.Flush()
}

// flush sends what is buffered, without ending the body.
func (w *bodyWriter) flush() error { return w.w.Flush() }

package api

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"sync"
	"time"
)

// StreamHandler answers an authorised streaming request: it sends events
// on s as they happen until ctx ends, because the client hung up or the
// server is stopping, and returns the stream's last response, with the
// exit code (and the error, when the stream could not start).
type StreamHandler func(ctx context.Context, req Request, s *Stream) Response

// Stream is the server's side of a streaming request. Send never blocks:
// events queue for the connection's writer, and a client that reads more
// slowly than events come loses those that find the queue full
// (QueueLen). They are counted, and the client is told how many it lost
// before the next event that fits, or as soon as it has caught up, so a
// stalled client never holds up the producer of the events.
type Stream struct {
	mu    sync.Mutex
	queue []Response
	lost  uint64 // dropped since the client was last told
	ended bool
	wake  chan struct{} // signalled when the queue gains something
	room  chan struct{} // signalled when the queue is taken or the stream ends
}

func newStream() *Stream {
	return &Stream{wake: make(chan struct{}, 1), room: make(chan struct{}, 1)}
}

// PutQueue bounds the responses Put queues before it waits for the
// client to take them.
const PutQueue = 64

// ErrStalled is Put's error for a client that took nothing for Timeout,
// and for a stream that has ended (the client hung up).
var ErrStalled = fmt.Errorf("the client did not take the output for %v, or hung up", Timeout)

// Put queues r (its More is set) for the client and, unlike Send, never
// drops it: with PutQueue responses queued it waits for the client to
// take them, up to Timeout. A request whose every output must arrive (a
// batch) uses Put, so that its output is neither lost nor held whole.
func (s *Stream) Put(r Response) error {
	r.More = true
	var timer *time.Timer
	for {
		s.mu.Lock()
		switch {
		case s.ended:
			s.mu.Unlock()
			return ErrStalled
		case len(s.queue) < PutQueue:
			s.queue = append(s.queue, r)
			s.signal()
			s.mu.Unlock()
			return nil
		}
		s.mu.Unlock()
		if timer == nil {
			timer = time.NewTimer(Timeout)
			defer timer.Stop()
		}
		select {
		case <-s.room:
		case <-timer.C:
			return ErrStalled
		}
	}
}

// Send queues one event's output for the client, or drops it when the
// client is QueueLen events behind. Send after the stream has ended does
// nothing.
func (s *Stream) Send(stdout string) { s.SendResponse(Response{Stdout: stdout}) }

// SendResponse is Send for an event that is more than text (a captured
// frame); its More is set.
func (s *Stream) SendResponse(r Response) {
	r.More = true
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.ended:
		return
	case len(s.queue) >= QueueLen:
		s.lost++
		return
	case s.lost > 0:
		s.queue = append(s.queue, s.notice())
	}
	s.queue = append(s.queue, r)
	s.signal()
}

// Lost counts n events that never reached the stream because their
// producer fell behind; the client is told as for events Send drops.
func (s *Stream) Lost(n uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > 0 && !s.ended {
		s.lost += n
		s.signal()
	}
}

// notice turns the lost count into the response that reports it.
func (s *Stream) notice() Response {
	n := s.lost
	s.lost = 0
	return Response{Stderr: fmt.Sprintf("Warning: %d events dropped: the stream fell behind.\n", n), More: true, Dropped: n}
}

func (s *Stream) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// take returns what is queued, followed by the notice of events lost
// after it.
func (s *Stream) take() []Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.queue
	s.queue = nil
	if s.lost > 0 {
		out = append(out, s.notice())
	}
	s.roomSignal()
	return out
}

func (s *Stream) roomSignal() {
	select {
	case s.room <- struct{}{}:
	default:
	}
}

// end stops the stream taking events.
func (s *Stream) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
	s.roomSignal()
}

// serveStream runs sh for a streaming request and writes what it sends
// until it returns, then its last response. With hangup, the client
// ends the stream by closing the connection; it sends nothing after the
// request, so a read returning is the hang-up. (A request with a body
// reads the connection itself.) Writes wait for the client as long as
// the stream runs (a slow client loses what Send sends, never stalls
// the handler; Put gives up after Timeout); once it is over, the client
// has Timeout to take what is left.
func serveStream(ctx context.Context, conn net.Conn, req Request, hangup bool, sh StreamHandler) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conn.SetDeadline(time.Time{})
	if hangup {
		go func() {
			var b [1]byte
			conn.Read(b[:])
			cancel()
		}()
	}
	stop := context.AfterFunc(ctx, func() { conn.SetWriteDeadline(time.Now().Add(Timeout)) })
	defer stop()
	s := newStream()
	last := make(chan Response, 1)
	go func() {
		r := sh(ctx, req, s)
		conn.SetWriteDeadline(time.Now().Add(Timeout))
		last <- r
	}()
	w := bufio.NewWriter(conn)
	enc := json.NewEncoder(w)
	var final *Response
	for {
		batch := s.take()
		for _, m := range batch {
			enc.Encode(m)
		}
		if final != nil && len(batch) == 0 {
			enc.Encode(final)
		}
		if err := w.Flush(); err != nil || final != nil && len(batch) == 0 {
			cancel()
			if final == nil {
				s.end()
				<-last
			}
			return
		}
		if final != nil {
			continue // drain what the handler sent before it returned
		}
		select {
		case <-s.wake:
		case r := <-last:
			s.end()
			final = &r
		}
	}
}

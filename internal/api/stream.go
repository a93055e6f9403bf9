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
}

func newStream() *Stream { return &Stream{wake: make(chan struct{}, 1)} }

// Send queues one event's output for the client, or drops it when the
// client is QueueLen events behind. Send after the stream has ended does
// nothing.
func (s *Stream) Send(stdout string) {
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
	s.queue = append(s.queue, Response{Stdout: stdout, More: true})
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
	return out
}

// end stops the stream taking events.
func (s *Stream) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ended = true
}

// serveStream runs sh for a streaming request and writes what it sends
// until it returns, then its last response. The client ends the stream by
// closing the connection; it sends nothing after the request, so a read
// returning is the hang-up. Writes wait for the client as long as the
// stream runs (a slow client loses events, never stalls the handler);
// once it is over, the client has Timeout to take what is left.
func serveStream(ctx context.Context, conn net.Conn, req Request, sh StreamHandler) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conn.SetDeadline(time.Time{})
	go func() {
		var b [1]byte
		conn.Read(b[:])
		cancel()
	}()
	stop := context.AfterFunc(ctx, func() { conn.SetWriteDeadline(time.Now().Add(Timeout)) })
	defer stop()
	s := newStream()
	last := make(chan Response, 1)
	go func() { last <- sh(ctx, req, s) }()
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
				<-last
				s.end()
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

// Package api is govrfd's control socket: JSON over a unix socket, one
// request per connection. A request carries a govrf command line; the
// response carries what the command printed and its exit code, so the
// CLI behaves the same whether it talks to the daemon or runs offline.
//
// A streaming request (`govrf monitor`) is answered with a stream of
// responses, one JSON value per line, each carrying the output for one
// event, until the client hangs up; see Stream.
//
// A request with a body (`govrf -batch FILE`) is followed on the same
// connection by the file's bytes, which the client reads and streams and
// the server reads line by line as they come (body.go); it is answered
// with a stream of responses too.
//
// A response may carry open files beside its JSON, as SCM_RIGHTS
// ancillary data (Response.Files): the answer to `vrf exec` hands the
// client the host stack's network namespace.
//
// The socket is mode 0660 and the server checks every peer's
// credentials (SO_PEERCRED) as well: root, the daemon's own user and
// members of the socket's group may configure the router, nobody else.
package api

import (
	"os"
	"time"
)

// Request is one govrf command line, without the program name. Stream
// asks for a stream of responses rather than one; the client then keeps
// its side open and closes the connection to end the stream. Body says
// that a body follows the request on the connection (body.go): a
// `-batch` file, which the client reads and the daemon never opens; it
// is answered with a stream of responses too.
type Request struct {
	Argv   []string `json:"argv"`
	Stream bool     `json:"stream,omitempty"`
	Body   bool     `json:"body,omitempty"`
}

// Response is what the command printed and its exit code, with ip's
// meaning: 0 success, 1 syntax, 2 refusal. In a stream every response
// but the last has More set and carries one event's output; Dropped
// counts the events lost just before it, which its Stderr reports.
//
// Files are open files handed to the client with the response, as
// SCM_RIGHTS ancillary data on the socket rather than in the JSON: the
// answer to `vrf exec` carries the host stack's network namespace, which
// the client enters whatever mount namespace it and the daemon are in.
// The server closes its copies once sent; the client owns what it gets.
type Response struct {
	Stdout  string     `json:"stdout"`
	Stderr  string     `json:"stderr"`
	Code    int        `json:"code"`
	More    bool       `json:"more,omitempty"`
	Dropped uint64     `json:"dropped,omitempty"`
	Files   []*os.File `json:"-"`
	// Frame is one frame of a `capture` stream.
	Frame *Frame `json:"frame,omitempty"`
}

// Frame is a frame a capture saw on a port.
type Frame struct {
	Dev  string `json:"dev"`           // the port's link
	Out  bool   `json:"out,omitempty"` // sent by the port, rather than received
	Time int64  `json:"time"`          // when, in nanoseconds since the Unix epoch
	Data []byte `json:"data"`
}

// MaxFiles bounds the files a response may carry.
const MaxFiles = 4

// MaxRequest is the longest request the server reads, in bytes; a
// command line is a few hundred bytes at most, so a larger request is
// a mistake or an attack and is refused unread.
const MaxRequest = 1 << 20

// Timeout bounds how long the server waits for a request and for the
// client to take its response, so a stalled peer cannot hold the
// daemon, which serves one command at a time.
const Timeout = 10 * time.Second

// MaxConns bounds the connections the server serves at once: each holds
// a file descriptor, a goroutine or three and, while its request is
// read, up to MaxRequest of memory. A connection beyond it is answered
// at once with an error saying so, and closed. A monitor holds its
// connection until it stops, a plain request until it is answered.
const MaxConns = 1024

// QueueLen bounds the events a stream holds for a client that reads
// more slowly than they come; further events are dropped and counted.
const QueueLen = 4096

// Exit codes of responses the server makes itself.
const (
	codeSyntax  = 1 // malformed or oversized request
	codeRefused = 2 // unauthorised peer, or too many connections
)

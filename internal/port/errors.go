package port

import "errors"

// ErrClosed is the error Read, TryRead and Write return, wrapped in an
// OpError, once the port is closed.
var ErrClosed = errors.New("port closed")

// OpError is the error of an operation on a port.
type OpError struct {
	Op   string // the operation: "read" or "write"
	Port string // the port's name
	Err  error  // why it failed
}

// Error returns "read eth0: port closed".
func (e *OpError) Error() string { return e.Op + " " + e.Port + ": " + e.Err.Error() }

// Unwrap returns the underlying error, so errors.Is(err, ErrClosed) works.
func (e *OpError) Unwrap() error { return e.Err }

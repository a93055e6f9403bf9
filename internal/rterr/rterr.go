// Package rterr is the refusal a control-plane operation returns, shaped as
// the kernel reports it over rtnetlink: an errno plus an optional
// extended-ack message. It is a typed error and carries no wording of any
// tool: the command line (internal/cli) words it as iproute2 prints the
// same refusal.
package rterr

import (
	"errors"
	"syscall"
)

// Error is a kernel-style refusal.
type Error struct {
	Errno syscall.Errno
	Msg   string // extended ack text, without a final "."; may be empty
}

// New returns a refusal with errno and an optional extended-ack message.
func New(errno syscall.Errno, msg string) *Error { return &Error{Errno: errno, Msg: msg} }

// Error returns the extended-ack message and the errno's text ("Nexthop
// has invalid gateway: invalid argument"), or the errno's text alone
// ("file exists").
func (e *Error) Error() string {
	if e.Msg != "" {
		return e.Msg + ": " + e.Errno.Error()
	}
	return e.Errno.Error()
}

// Unwrap returns the errno, so errors.Is(err, syscall.EEXIST) works.
func (e *Error) Unwrap() error { return e.Errno }

// Errno extracts the errno from err, or 0.
func Errno(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return 0
}

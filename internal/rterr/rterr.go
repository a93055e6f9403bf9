// Package rterr is the refusal a control-plane operation returns, shaped as
// the kernel reports it to iproute2: an errno plus an optional extended-ack
// message. Its Error text is what `ip` prints for the same refusal.
package rterr

import (
	"errors"
	"syscall"
	"unicode"
	"unicode/utf8"
)

// Error is a kernel-style refusal.
type Error struct {
	Errno syscall.Errno
	Msg   string // extended ack text without "Error: " and the final "."
}

// New returns a refusal with errno and an optional extended-ack message.
func New(errno syscall.Errno, msg string) *Error { return &Error{Errno: errno, Msg: msg} }

// Error returns the line iproute2 prints: "Error: MSG." when the kernel
// sent an extended ack, else "RTNETLINK answers: STRERROR".
func (e *Error) Error() string {
	if e.Msg != "" {
		return "Error: " + e.Msg + "."
	}
	return "RTNETLINK answers: " + Strerror(e.Errno)
}

// Unwrap returns the errno, so errors.Is(err, syscall.EEXIST) works.
func (e *Error) Unwrap() error { return e.Errno }

// Strerror returns glibc's text for errno ("File exists").
func Strerror(errno syscall.Errno) string {
	s := errno.Error()
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// Errno extracts the errno from err, or 0.
func Errno(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return 0
}

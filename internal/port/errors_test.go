package port

import (
	"errors"
	"testing"
)

func TestOpError(t *testing.T) {
	var err error = &OpError{Op: "read", Port: "eth0", Err: ErrClosed}
	if got, want := err.Error(), "read eth0: port closed"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !errors.Is(err, ErrClosed) {
		t.Errorf("errors.Is(%v, ErrClosed) = false, want true", err)
	}
}

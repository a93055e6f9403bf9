package main

import (
	"bytes"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestRemotePermissionHint: a client that may not open the socket is
// told how to get in (root, or govrfd -group).
func TestRemotePermissionHint(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "govrf.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if err := os.Chmod(sock, 0); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	code := asNobody(t, func() int { return remote(sock, []string{"link", "show"}, io.Discard, &stderr) })
	got := stderr.String()
	if code != exitRefused || !strings.Contains(got, "connect: permission denied") ||
		!strings.Contains(got, "govrfd with -group") || !strings.Contains(got, "as root") {
		t.Errorf("remote on a socket the caller may not open: exit %d,\n%s\nwant exit 2, the error and a hint at root and govrfd -group", code, got)
	}
}

// asNobody runs f with permission checks as for an unprivileged user:
// as root, on a thread whose file-system uid is nobody's (which drops
// root's file capabilities); otherwise as the caller, who is no root.
func asNobody(t *testing.T, f func() int) int {
	if os.Geteuid() != 0 {
		return f()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	unix.Setfsuid(65534)
	defer unix.Setfsuid(0)
	if prev, _ := unix.SetfsuidRetUid(-1); prev != 65534 {
		t.Fatalf("fsuid is %d, want 65534", prev)
	}
	return f()
}

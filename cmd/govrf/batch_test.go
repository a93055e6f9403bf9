package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/daemon"
)

// startDaemon runs a govrfd without a configuration file on a socket in
// a fresh directory until the test ends.
func startDaemon(t *testing.T) (*daemon.Daemon, string) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "govrf.sock")
	d, err := daemon.New(daemon.Config{Socket: sock})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return d, sock
}

// TestRemoteBatch: `govrf -batch FILE` with a daemon applies FILE in the
// daemon, which the client streams it; output and exit code are
// offline's.
func TestRemoteBatch(t *testing.T) {
	d, sock := startDaemon(t)
	file := filepath.Join(t.TempDir(), "routes.txt")
	os.WriteFile(file, []byte("link add d0 type dummy\n-br link show d0\nlink show nosuch\nlink add d1 type dummy\n"), 0o644)
	var out, errs strings.Builder
	code := remote(sock, []string{"-batch", file}, &out, &errs)
	if code != 1 || !strings.HasPrefix(out.String(), "d0 ") ||
		errs.String() != "Device \"nosuch\" does not exist.\nCommand failed "+file+":3\n" {
		t.Errorf("govrf -batch %s = exit %d, stdout %q, stderr %q", file, code, out.String(), errs.String())
	}
	s := d.Control().Snapshot()
	if s.LinkByName("d0") == nil || s.LinkByName("d1") != nil {
		t.Errorf("after the batch: d0 %v, d1 %v; want d0 alone", s.LinkByName("d0") != nil, s.LinkByName("d1") != nil)
	}

	out.Reset()
	errs.Reset()
	code = remoteBatch(sock, []string{"-atomic", "-batch", "-"}, strings.NewReader("link add d2 type dummy\nlink add d3 type dummy\n"), &out, &errs)
	if s := d.Control().Snapshot(); code != 0 || s.LinkByName("d2") == nil || s.LinkByName("d3") == nil {
		t.Errorf("govrf -atomic -batch - = exit %d, %q; want d2 and d3 made", code, errs.String())
	}

	errs.Reset()
	missing := filepath.Join(t.TempDir(), "none")
	if code := remote(sock, []string{"-batch", missing}, &out, &errs); code != 1 ||
		errs.String() != "Cannot open file \""+missing+"\" for reading: No such file or directory\n" {
		t.Errorf("govrf -batch on a missing file = exit %d, %q", code, errs.String())
	}
}

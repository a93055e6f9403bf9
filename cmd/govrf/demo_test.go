package main

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/netnstest"
)

// TestHelpListsDemo: `govrf help` names `govrf demo`, and `govrf demo
// --help` (or help, -h) prints the demo's usage and succeeds.
func TestHelpListsDemo(t *testing.T) {
	var stderr bytes.Buffer
	cli.Run(control.New(), []string{"help"}, io.Discard, &stderr)
	if !strings.Contains(stderr.String(), "govrf demo") {
		t.Errorf("govrf help lacks the demo:\n%s", stderr.String())
	}
	for _, arg := range []string{"--help", "-h", "help"} {
		if code := runDemo([]string{arg}); code != 0 {
			t.Errorf("govrf demo %s: exit %d, want 0", arg, code)
		}
	}
	if code := runDemo([]string{"--bogus"}); code == 0 {
		t.Errorf("govrf demo --bogus: exit 0, want a failure")
	}
}

// TestIntegrationDemoInterrupt: SIGINT in the middle of the namespace
// demo removes what it made (namespaces, the daemon) and exits quietly
// with 130, as a shell reports a program ended by SIGINT.
func TestIntegrationDemoInterrupt(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the namespace demo needs root")
		}
		t.Skip("needs root")
	}
	govrf, err := netnstest.Build(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	c := exec.Command(govrf, "demo")
	var stderr bytes.Buffer
	c.Stderr = &stderr
	stdout, err := c.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Start(); err != nil {
		t.Fatal(err)
	}
	defer c.Process.Kill()
	prefix := "gvd" + strconv.Itoa(c.Process.Pid%100000) + "-"
	sc := bufio.NewScanner(stdout)
	seen := ""
	for sc.Scan() {
		seen += sc.Text() + "\n"
		if strings.Contains(sc.Text(), "ping -c 3") {
			break // the pings have started: the daemon runs, the namespaces exist
		}
	}
	if !strings.Contains(netnsList(t), prefix) {
		t.Fatalf("no namespace %s* while the demo runs; it printed:\n%s", prefix, seen)
	}
	c.Process.Signal(syscall.SIGINT)
	go io.Copy(io.Discard, stdout)
	done := make(chan error, 1)
	go func() { done <- c.Wait() }()
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("the demo did not end within 20s of SIGINT")
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Errorf("interrupted demo: %v, want exit status 130", err)
	}
	if stderr.Len() != 0 {
		t.Errorf("interrupted demo wrote to standard error:\n%s", stderr.String())
	}
	if l := netnsList(t); strings.Contains(l, prefix) {
		t.Errorf("namespaces %s* left after the interrupted demo:\n%s", prefix, l)
	}
}

// netnsList returns `ip netns list`.
func netnsList(t *testing.T) string {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

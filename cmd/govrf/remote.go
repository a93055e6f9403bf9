package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/hoststack"
)

// Exit codes of the client's own failures, with ip's meaning.
const (
	exitSyntax  = 1
	exitRefused = 2
)

// remote runs argv in the daemon listening on socket and copies what the
// command printed; it returns the command's exit code, or 2 if the
// daemon cannot be reached. -batch streams its file to the daemon;
// monitor and capture stream; vrf exec runs the command here, in the namespace the
// daemon hands over; vrf identify without a PID asks about this process.
func remote(socket string, argv []string, stdout, stderr io.Writer) int {
	switch cmd, isExec := cli.VRFExec(argv); {
	case cli.Batch(argv) != "":
		return remoteBatch(socket, argv, os.Stdin, stdout, stderr)
	case isExec:
		return remoteVRFExec(socket, argv, cmd, stdout, stderr)
	case cli.IdentifiesCaller(argv):
		argv = append(argv[:len(argv):len(argv)], strconv.Itoa(os.Getpid()))
	case cli.IsMonitor(argv):
		return remoteMonitor(socket, argv, stdout, stderr)
	case cli.IsCapture(argv):
		return remoteCapture(socket, argv, stdout, stderr)
	}
	resp, err := api.Call(socket, argv)
	if err != nil {
		return cannotTalk(stderr, err)
	}
	io.WriteString(stdout, resp.Stdout)
	io.WriteString(stderr, resp.Stderr)
	return resp.Code
}

// cannotTalk reports a daemon that could not be asked. A socket the
// caller may not open gets a hint: it is for root and govrfd's group.
func cannotTalk(stderr io.Writer, err error) int {
	fmt.Fprintf(stderr, "Cannot talk to govrfd: %v\n", err)
	if errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) {
		fmt.Fprintln(stderr, "Only root and the members of the socket's group may use govrfd: run govrf as root, or start govrfd with -group NAME (say, `govrfd -group netadmin`) and add your user to that group.")
	}
	return exitRefused
}

// remoteMonitor runs `monitor` in the daemon as a stream, copying its
// events as they come until the daemon ends the stream or the process is
// stopped.
func remoteMonitor(socket string, argv []string, stdout, stderr io.Writer) int {
	show := func(r api.Response) {
		io.WriteString(stdout, r.Stdout)
		io.WriteString(stderr, r.Stderr)
	}
	last, err := api.CallStream(context.Background(), socket, argv, show)
	if err != nil {
		return cannotTalk(stderr, err)
	}
	show(last)
	return last.Code
}

// remoteVRFExec runs `vrf exec NAME CMD...`: the daemon checks the
// command line and answers with the host stack's namespace, as an open
// file passed over the socket (and its path); this process enters it and
// becomes CMD, as `ip vrf exec` does, keeping its terminal, environment
// and working directory. The file works whatever mount namespace either
// side runs in (`ip netns exec`, systemd's PrivateMounts=), where the
// path may name nothing here; the path serves a daemon that passes no
// file.
func remoteVRFExec(socket string, argv, cmd []string, stdout, stderr io.Writer) int {
	resp, err := api.Call(socket, argv)
	if err != nil {
		return cannotTalk(stderr, err)
	}
	defer func() {
		for _, f := range resp.Files {
			f.Close()
		}
	}()
	if resp.Code != 0 {
		io.WriteString(stdout, resp.Stdout)
		io.WriteString(stderr, resp.Stderr)
		return resp.Code
	}
	path := strings.TrimSuffix(resp.Stdout, "\n")
	if len(resp.Files) == 1 {
		err = hoststack.ExecIn(resp.Files[0], filepath.Base(path), cmd, os.Environ())
	} else {
		err = hoststack.Exec(path, cmd, os.Environ())
	}
	fmt.Fprintln(stderr, err)
	return exitSyntax
}

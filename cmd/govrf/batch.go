package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/cli"
)

// remoteBatch runs `-batch FILE` in the daemon: this process opens FILE
// (stdin for "-") and streams it, the daemon applies its lines as they
// come and answers with each line's output in order, then the exit code.
// The daemon never opens FILE itself: the caller's files are the
// caller's to read.
func remoteBatch(socket string, argv []string, stdin io.Reader, stdout, stderr io.Writer) int {
	file := cli.Batch(argv)
	body, code := cli.OpenBatch(file, stdin, stderr)
	if body == nil {
		return code
	}
	defer body.Close()
	show := func(r api.Response) {
		io.WriteString(stdout, r.Stdout)
		io.WriteString(stderr, r.Stderr)
	}
	last, bodyErr, err := api.CallBody(context.Background(), socket, argv, body, show)
	if err != nil {
		code := cannotTalk(stderr, err)
		if errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) {
			fmt.Fprintln(stderr, "govrfd ended before it answered: the batch was not acknowledged, and a govrfd started again keeps none of its lines. Check with `govrf show running-config`, then run the batch again.")
		}
		return code
	}
	show(last)
	if bodyErr != nil {
		fmt.Fprintf(stderr, "govrf: reading %s: %v; the lines after those read were not sent\n", file, bodyErr)
		return max(last.Code, exitSyntax)
	}
	return last.Code
}

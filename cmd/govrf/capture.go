package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"github.com/govrf/govrf/internal/api"
	"github.com/govrf/govrf/internal/buildinfo"
	"github.com/govrf/govrf/internal/cli"
)

// remoteCapture runs `capture ... -w FILE` in the daemon as a stream and
// writes the frames it sends to FILE as pcapng ("-": standard output),
// with one interface per port, until the daemon ends the stream (count
// reached) or the process is interrupted.
func remoteCapture(socket string, argv []string, stdout, stderr io.Writer) int {
	c, ok, code := cli.ParseCapture(argv, stderr)
	if !ok {
		return code
	}
	if c.File == "" {
		fmt.Fprintf(stderr, "Error: capture writes pcapng: add -w FILE.pcapng, or -w - to pipe it (govrf capture vrf %s -w - | tcpdump -n -r -).\n", c.VRF)
		return exitSyntax
	}
	out := stdout
	if c.File != "-" {
		f, err := os.Create(c.File)
		if err != nil {
			fmt.Fprintf(stderr, "Error: %v\n", err)
			return exitRefused
		}
		defer f.Close()
		out = f
	}
	bw := bufio.NewWriter(out)
	pw := &pcapngOut{w: bw, section: c.VRF}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var frames, lost uint64
	last, err := api.CallStream(ctx, socket, argv, func(r api.Response) {
		io.WriteString(stderr, r.Stderr)
		lost += r.Dropped
		if r.Frame == nil {
			return
		}
		if werr := pw.write(r.Frame); werr != nil {
			cancel(werr)
			return
		}
		frames++
		if c.File == "-" {
			bw.Flush() // a reader behind the pipe sees each frame as it comes
		}
	})
	if ferr := pw.finish(); ferr != nil && err == nil {
		err = ferr
	}
	if ferr := bw.Flush(); ferr != nil && err == nil {
		err = ferr
	}
	fmt.Fprintf(stderr, "%d frames captured, %d dropped (the client fell behind)\n", frames, lost)
	switch {
	case context.Cause(ctx) != nil && !errors.Is(context.Cause(ctx), context.Canceled):
		fmt.Fprintf(stderr, "Error: writing %s: %v\n", c.File, context.Cause(ctx))
		return exitRefused
	case ctx.Err() != nil:
		return 0 // interrupted: the file is complete up to here
	case err != nil:
		return cannotTalk(stderr, err)
	}
	io.WriteString(stderr, last.Stderr)
	return last.Code
}

// pcapngOut writes frames as pcapng: a section started at the first
// frame, an interface per port as each first appears, the direction of
// each frame in its flags.
type pcapngOut struct {
	w       io.Writer
	section string // the VRF, named in the section header
	ng      *pcapgo.NgWriter
	ifs     map[string]int
}

// iface describes port dev as a pcapng interface.
func iface(dev string) pcapgo.NgInterface {
	return pcapgo.NgInterface{Name: dev, LinkType: layers.LinkTypeEthernet, OS: runtime.GOOS,
		TimestampResolution: 9, Description: "govrf port " + dev}
}

func (o *pcapngOut) write(f *api.Frame) error {
	if o.ng == nil {
		if err := o.start(f.Dev); err != nil {
			return err
		}
	}
	id, ok := o.ifs[f.Dev]
	if !ok {
		var err error
		if id, err = o.ng.AddInterface(iface(f.Dev)); err != nil {
			return err
		}
		o.ifs[f.Dev] = id
	}
	dir := pcapgo.NgEpbFlagDirectionInbound
	if f.Out {
		dir = pcapgo.NgEpbFlagDirectionOutbound
	}
	ci := gopacket.CaptureInfo{Timestamp: time.Unix(0, f.Time), CaptureLength: len(f.Data), Length: len(f.Data), InterfaceIndex: id}
	return o.ng.WritePacketWithOptions(ci, f.Data, pcapgo.NgPacketOptions{Flags: &pcapgo.NgEpbFlags{Direction: dir}})
}

// start writes the section header with dev as the first interface.
func (o *pcapngOut) start(dev string) error {
	opts := pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{
		Hardware: runtime.GOARCH, OS: runtime.GOOS, Application: "govrf " + buildinfo.String(),
		Comment: "govrf capture of VRF " + o.section}}
	ng, err := pcapgo.NewNgWriterInterface(o.w, iface(dev), opts)
	if err != nil {
		return err
	}
	o.ng, o.ifs = ng, map[string]int{dev: 0}
	return nil
}

// finish completes the file; a capture that saw nothing still leaves a
// file readers accept, with one interface named after the VRF.
func (o *pcapngOut) finish() error {
	if o.ng == nil {
		if err := o.start(o.section); err != nil {
			return err
		}
	}
	return o.ng.Flush()
}

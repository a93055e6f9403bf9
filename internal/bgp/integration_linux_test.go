package bgp

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/control"
	"github.com/govrf/govrf/internal/netnstest"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"golang.org/x/sys/unix"
)

// TestIntegrationSpeakerNetns runs a speaker whose sessions belong to
// another network namespace, as govrfd's belong to the default VRF's
// host stack: its GoBGP, in a child process there, listens there and
// connects from there to its neighbour, which gets its OPEN.
func TestIntegrationSpeakerNetns(t *testing.T) {
	netnstest.Enter(t)
	netnstest.IP(t, "link", "set", "lo", "up")
	netns := fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), unix.Gettid())
	// The neighbour, in the namespace: this goroutine's thread is there,
	// and so is the socket.
	nb, err := net.Listen("tcp", "127.0.0.2:179")
	if err != nil {
		t.Fatal(err)
	}
	defer nb.Close()
	r := &router{ctl: control.New(), rec: &recorder{}}
	r.rec.ctl = r.ctl
	r.run(t, "bgp set as 65001 router-id 10.99.0.1", "bgp neighbor add 127.0.0.2 remote-as 65002")
	sp := New(Config{Applier: r.rec, Netns: netns, ListenAddrs: []string{"127.0.0.1"},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	stop := r.ctl.Subscribe(func(_, s *control.Snapshot) { sp.Update(s) })
	sp.Update(r.ctl.Snapshot())
	go func() { sp.Run(ctx); close(done) }()
	defer func() { cancel(); <-done; stop() }()
	r.sp = sp
	r.waitUp(t)

	nb.(*net.TCPListener).SetDeadline(time.Now().Add(20 * time.Second))
	conn, err := nb.Accept()
	if err != nil {
		t.Fatalf("the speaker did not connect to its neighbour in its namespace: %v", err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	hdr := make([]byte, bgp.BGP_HEADER_LENGTH)
	if _, err := io.ReadFull(conn, hdr); err != nil {
		t.Fatalf("reading the speaker's OPEN: %v", err)
	}
	if hdr[18] != bgp.BGP_MSG_OPEN {
		t.Fatalf("the speaker sent message type %d, want an OPEN", hdr[18])
	}
	rest := make([]byte, int(hdr[16])<<8|int(hdr[17])-bgp.BGP_HEADER_LENGTH)
	io.ReadFull(conn, rest)
	if as := int(rest[1])<<8 | int(rest[2]); as != 65001 {
		t.Errorf("OPEN from AS %d, want 65001", as)
	}
	if c, err := net.Dial("tcp", "127.0.0.1:179"); err != nil {
		t.Errorf("the speaker does not listen in its namespace: %v", err)
	} else {
		c.Close()
	}
}

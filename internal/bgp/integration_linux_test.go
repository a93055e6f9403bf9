package bgp

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
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
// host stack: it listens on TCP 179 there, and a neighbour that connects
// from there gets its OPEN.
func TestIntegrationSpeakerNetns(t *testing.T) {
	netnstest.Enter(t)
	netnstest.IP(t, "link", "set", "lo", "up")
	netns := fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), unix.Gettid())
	r := &router{ctl: control.New(), rec: &recorder{}}
	r.rec.ctl = r.ctl
	r.run(t, "bgp set as 65001 router-id 10.99.0.1", "bgp neighbor add 127.0.0.1 remote-as 65002")
	sp := New(Config{Applier: r.rec, Netns: netns, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	stop := r.ctl.Subscribe(func(_, s *control.Snapshot) { sp.Update(s) })
	sp.Update(r.ctl.Snapshot())
	go func() { sp.Run(ctx); close(done) }()
	defer func() { cancel(); <-done; stop() }()
	r.sp = sp
	r.waitUp(t)

	// This goroutine's thread is in the namespace: so is the socket.
	var conn net.Conn
	var err error
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if conn, err = net.Dial("tcp", "127.0.0.1:179"); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("dial 127.0.0.1:179 in the speaker's namespace: %v", err)
	}
	defer conn.Close()
	open, _ := bgp.NewBGPOpenMessage(65002, holdTime, netip.MustParseAddr("10.99.0.2"),
		[]bgp.OptionParameterInterface{bgp.NewOptionParameterCapability([]bgp.ParameterCapabilityInterface{
			bgp.NewCapMultiProtocol(bgp.RF_EVPN)})})
	b, _ := open.Serialize()
	if _, err := conn.Write(b); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	hdr := make([]byte, bgp.BGP_HEADER_LENGTH)
	if _, err := io.ReadFull(conn, hdr); err != nil {
		t.Fatalf("reading the speaker's answer: %v", err)
	}
	if hdr[18] != bgp.BGP_MSG_OPEN {
		t.Fatalf("the speaker answered with message type %d, want an OPEN", hdr[18])
	}
	rest := make([]byte, int(hdr[16])<<8|int(hdr[17])-bgp.BGP_HEADER_LENGTH)
	io.ReadFull(conn, rest)
	if as := int(rest[1])<<8 | int(rest[2]); as != 65001 {
		t.Errorf("OPEN from AS %d, want 65001", as)
	}
}

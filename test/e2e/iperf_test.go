package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// iperfUDP is the part of `iperf3 -u -J`'s report the test reads: the
// datagrams the server counted lost, as the client learns them at the
// end of the test.
type iperfUDP struct {
	End struct {
		Sum struct {
			Packets     int     `json:"packets"`
			LostPackets int     `json:"lost_packets"`
			LostPercent float64 `json:"lost_percent"`
		} `json:"sum"`
	} `json:"end"`
	Error string `json:"error"`
}

// TestIntegrationIperfUDP sends 10 Mbit/s of UDP from A1 to A2 for two
// seconds through govrfd and requires the receiver to get at least 90%
// of the datagrams. (iperf3's control connection is TCP, but carries
// only small messages.)
func TestIntegrationIperfUDP(t *testing.T) {
	tp := newTopo(t)
	tp.warm()
	srv := tp.in("A2", "iperf3", "-s", "-1", "-B", "192.168.2.10")
	var srvOut strings.Builder
	srv.Stdout, srv.Stderr = &srvOut, &srvOut
	if err := srv.Start(); err != nil {
		t.Fatalf("starting iperf3 -s in A2: %v", err)
	}
	srvDone := make(chan struct{})
	go func() { srv.Wait(); close(srvDone) }()
	t.Cleanup(func() {
		srv.Process.Kill()
		<-srvDone
	})

	var out []byte
	var err error
	for try := 0; try < 20; try++ { // until the server listens
		out, err = tp.in("A1", "iperf3", "-c", "192.168.2.10", "-u", "-b", "10M", "-t", "2", "-J").Output()
		if !strings.Contains(string(out), "unable to connect") { // even with -J, iperf3 exits 0 here
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var r iperfUDP
	if jerr := json.Unmarshal(out, &r); jerr != nil || err != nil || r.Error != "" {
		srv.Process.Kill()
		<-srvDone // srvOut is written until the server has exited
		t.Fatalf("iperf3 -c 192.168.2.10 -u -b 10M -t 2 -J from A1: %v, %v\n%s\nserver:\n%s", err, jerr, out, srvOut.String())
	}
	s := r.End.Sum
	t.Logf("iperf3 -u -b 10M -t 2 A1→A2: %d datagrams, %d lost (%.2f%%)", s.Packets, s.LostPackets, s.LostPercent)
	if s.Packets == 0 || s.LostPercent > 10 {
		t.Errorf("iperf3 -u -b 10M -t 2 A1→A2: %d datagrams, %.2f%% lost, want at most 10%% lost", s.Packets, s.LostPercent)
	}
}

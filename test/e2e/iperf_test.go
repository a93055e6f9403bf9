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

// iperfTCP is the part of `iperf3 -J`'s report for TCP the test reads:
// what the server received, and the sender's retransmissions.
type iperfTCP struct {
	End struct {
		SumSent struct {
			Retransmits int `json:"retransmits"`
		} `json:"sum_sent"`
		SumReceived struct {
			Bytes         int64   `json:"bytes"`
			BitsPerSecond float64 `json:"bits_per_second"`
		} `json:"sum_received"`
	} `json:"end"`
	Error string `json:"error"`
}

// iperfReport is a decoded `iperf3 -J` report.
type iperfReport interface {
	// failure returns the error iperf3 reported, if any.
	failure() string
}

func (r *iperfUDP) failure() string { return r.Error }
func (r *iperfTCP) failure() string { return r.Error }

// iperf runs `iperf3 -c dst -J args...` in A1 against a one-shot
// server in A2 bound to dst, and decodes the client's report into r. An
// iperf3 error fails the test with both sides' output.
func (tp *topo) iperf(r iperfReport, dst string, args ...string) {
	tp.t.Helper()
	srv := tp.in("A2", "iperf3", "-s", "-1", "-B", dst)
	var srvOut strings.Builder
	srv.Stdout, srv.Stderr = &srvOut, &srvOut
	if err := srv.Start(); err != nil {
		tp.t.Fatalf("starting iperf3 -s -B %s in A2: %v", dst, err)
	}
	srvDone := make(chan struct{})
	go func() { srv.Wait(); close(srvDone) }()
	tp.t.Cleanup(func() {
		srv.Process.Kill()
		<-srvDone
	})

	cmd := append([]string{"iperf3", "-c", dst, "-J"}, args...)
	var out []byte
	var err error
	for try := 0; try < 20; try++ { // until the server listens
		out, err = tp.in("A1", cmd...).Output()
		if !strings.Contains(string(out), "unable to connect") { // even with -J, iperf3 exits 0 here
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if jerr := json.Unmarshal(out, r); jerr != nil || err != nil || r.failure() != "" {
		srv.Process.Kill()
		<-srvDone // srvOut is written until the server has exited
		tp.t.Fatalf("%s from A1: %v, %v\n%s\nserver:\n%s", strings.Join(cmd, " "), err, jerr, out, srvOut.String())
	}
}

// TestIntegrationIperfUDP sends 10 Mbit/s of UDP from A1 to A2 for two
// seconds through govrfd and requires the receiver to get at least 90%
// of the datagrams. (iperf3's control connection is TCP, but carries
// only small messages.)
func TestIntegrationIperfUDP(t *testing.T) {
	tp := newTopo(t)
	tp.warm()
	var r iperfUDP
	tp.iperf(&r, "192.168.2.10", "-u", "-b", "10M", "-t", "2")
	s := r.End.Sum
	t.Logf("iperf3 -u -b 10M -t 2 A1→A2: %d datagrams, %d lost (%.2f%%)", s.Packets, s.LostPackets, s.LostPercent)
	if s.Packets == 0 || s.LostPercent > 10 {
		t.Errorf("iperf3 -u -b 10M -t 2 A1→A2: %d datagrams, %.2f%% lost, want at most 10%% lost", s.Packets, s.LostPercent)
	}
}

// TestIntegrationIperfTCP runs a TCP stream from A1 to A2 for two
// seconds through govrfd, over IPv4 and IPv6. The hosts' veths send TCP
// as super-frames (TSO), which govrfd's packet ports cut into wire
// packets. The test asserts only that the stream completed and carried
// data, not a rate, which depends on the machine; it logs the rate.
func TestIntegrationIperfTCP(t *testing.T) {
	tp := newTopo(t)
	tp.warm()
	for _, dst := range []string{"192.168.2.10", "2001:db8:2::10"} {
		var r iperfTCP
		tp.iperf(&r, dst, "-t", "2")
		got := r.End.SumReceived
		t.Logf("iperf3 -c %s -t 2 A1→A2: %.1f MB received, %.2f Gbit/s, %d retransmits",
			dst, float64(got.Bytes)/1e6, got.BitsPerSecond/1e9, r.End.SumSent.Retransmits)
		// 1 MB in 2 s is 4 Mbit/s: far below any working forwarder,
		// far above a stream that stalled after its handshake.
		if got.Bytes < 1_000_000 {
			t.Errorf("iperf3 -c %s -t 2 A1→A2: %d bytes received, want at least 1 MB", dst, got.Bytes)
		}
	}
}

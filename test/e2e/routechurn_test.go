package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// startIperfUDP starts `iperf3 -c dst -J args...` in host src against a
// one-shot server in host srv bound to dst, and returns a function that
// waits for the client's report.
func (tp *topo) startIperfUDP(src, srv, dst string, args ...string) (wait func() iperfUDP) {
	tp.t.Helper()
	s := tp.in(srv, "iperf3", "-s", "-1", "-B", dst)
	if err := s.Start(); err != nil {
		tp.t.Fatalf("starting iperf3 -s in %s: %v", srv, err)
	}
	srvDone := make(chan struct{})
	go func() { s.Wait(); close(srvDone) }()
	tp.t.Cleanup(func() { s.Process.Kill(); <-srvDone })
	cmd := append([]string{"iperf3", "-c", dst, "-J"}, args...)
	type result struct {
		out []byte
		err error
	}
	res := make(chan result, 1)
	go func() {
		var r result
		for try := 0; try < 20; try++ { // until the server listens
			r.out, r.err = tp.in(src, cmd...).Output()
			if !strings.Contains(string(r.out), "unable to connect") {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		res <- r
	}()
	return func() iperfUDP {
		tp.t.Helper()
		r := <-res
		var u iperfUDP
		if jerr := json.Unmarshal(r.out, &u); jerr != nil || r.err != nil || u.Error != "" {
			tp.t.Fatalf("%s from %s: %v, %v, %s\n%s", strings.Join(cmd, " "), src, r.err, jerr, u.Error, r.out)
		}
		return u
	}
}

// churn feeds `govrf -batch -` a thousand route changes a second in VRF
// a until stop is closed: each 10 ms five host routes of 10.60.0.0/16
// added and the five before deleted, and every 100 ms the route that
// covers 10.77.0.10 swapped between 10.77.0.0/24 and 10.77.0.0/16, the
// new one added before the old one goes, so that a route covers it at
// every line. Once mark is closed, the next tick adds 10.78.0.0/24 too
// and closes added once it is written. It returns the number of lines
// written.
func (tp *topo) churn(stdin io.Writer, stop <-chan struct{}, mark <-chan struct{}, added chan<- struct{}) int {
	lines := 0
	host := func(tick, i int) string {
		n := tick*5 + i
		return fmt.Sprintf("10.60.%d.%d/32", n>>8&255, n&255)
	}
	wide := false
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-stop:
			return lines
		case <-tick.C:
		}
		var b strings.Builder
		for i := range 5 {
			fmt.Fprintf(&b, "route add %s via 192.168.2.10 vrf a\n", host(n, i))
			if n > 0 {
				fmt.Fprintf(&b, "route del %s vrf a\n", host(n-1, i))
			}
		}
		if n%10 == 9 {
			if wide {
				b.WriteString("route add 10.77.0.0/24 via 192.168.2.10 vrf a\nroute del 10.77.0.0/16 vrf a\n")
			} else {
				b.WriteString("route add 10.77.0.0/16 via 192.168.2.10 vrf a\nroute del 10.77.0.0/24 vrf a\n")
			}
			wide = !wide
		}
		marked := false
		select {
		case <-mark:
			b.WriteString("route add 10.78.0.0/24 via 192.168.2.10 vrf a\n")
			mark, marked = nil, true
		default:
		}
		lines += strings.Count(b.String(), "\n")
		io.WriteString(stdin, b.String())
		if marked {
			close(added)
		}
	}
}

// TestIntegrationRouteChurn makes about a thousand route changes a
// second in VRF a through `govrf -batch -`, fed as they come, for five
// seconds, while iperf3 sends UDP at 4 Mbit/s through VRF b and A1
// pings an address of A2 that one of the churned routes covers at every
// moment. VRF b loses no datagram (but those its receiver's own socket
// dropped, counted apart), the ping loses none, and a route added to
// the stream reaches the data plane while the stream goes on.
func TestIntegrationRouteChurn(t *testing.T) {
	needTool(t, "iperf3")
	tp := newTopo(t)
	tp.must("ip", "-n", tp.ns("A2"), "addr", "add", "10.77.0.10/32", "dev", "lo")
	tp.must("ip", "-n", tp.ns("A2"), "addr", "add", "10.78.0.10/32", "dev", "lo")
	tp.govrf("route add 10.77.0.0/24 via 192.168.2.10 vrf a")
	tp.warm()
	if out, ok := tp.ping("A1", "-c", "2", "-i", "0.2", "-W", "1", "10.77.0.10"); !ok {
		t.Fatalf("ping A1 → 10.77.0.10 before the churn:\n%s", out)
	}
	if tp.reaches("A1", "10.78.0.10") {
		t.Fatal("ping A1 → 10.78.0.10 answered before a route covers it")
	}

	client := exec.Command(filepath.Join(binaries(t), "govrf"), "-socket", tp.sock, "-batch", "-")
	stdin, err := client.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	client.Stdout, client.Stderr = &out, &out
	if err := client.Start(); err != nil {
		t.Fatal(err)
	}
	stop, mark, added := make(chan struct{}), make(chan struct{}), make(chan struct{})
	written := make(chan int, 1)
	go func() { written <- tp.churn(stdin, stop, mark, added); stdin.Close() }()
	t.Cleanup(func() { client.Process.Kill() })

	rcvbuf := tp.udpCounter("B2", "RcvbufErrors")
	iperf := tp.startIperfUDP("B1", "B2", "192.168.2.10", "-u", "-b", "4M", "-l", "1000", "-t", "5")
	ping := tp.in("A1", "ping", "-q", "-c", "250", "-i", "0.02", "-W", "1", "10.77.0.10")
	var pingOut strings.Builder
	ping.Stdout, ping.Stderr = &pingOut, &pingOut
	if err := ping.Start(); err != nil {
		t.Fatal(err)
	}

	time.Sleep(3 * time.Second) // long enough for the batch to publish rarely by its age alone
	close(mark)
	<-added
	// At three seconds into the batch, its age alone would let it wait
	// 1.5 s to publish, and a client holding its input for whole chunks
	// 1.6 s more.
	if !tp.reachesWithin("A1", "10.78.0.10", 2*time.Second) {
		t.Error("ping A1 → 10.78.0.10 not answered within 2 s of its route going into the stream")
	}

	pingErr := ping.Wait()
	u := iperf()
	dropped := tp.udpCounter("B2", "RcvbufErrors") - rcvbuf
	close(stop)
	lines := <-written
	if err := client.Wait(); err != nil {
		t.Errorf("govrf -batch - of %d churned lines: %v\n%s", lines, err, out.String())
	}
	s := u.End.Sum
	t.Logf("%d route changes in VRF a; iperf3 -u -b 4M in VRF b: %d datagrams, %d lost, %d of them dropped by B2's own socket; ping A1 → 10.77.0.10: %s",
		lines, s.Packets, s.LostPackets, dropped, lastLines(pingOut.String(), 2))
	if s.Packets == 0 || s.LostPackets-dropped > 0 {
		t.Errorf("iperf3 in VRF b lost %d datagrams of %d besides the %d B2's socket dropped, during VRF a's churn", s.LostPackets-dropped, s.Packets, dropped)
	}
	if pingErr != nil || !strings.Contains(pingOut.String(), " 0% packet loss") {
		t.Errorf("ping A1 → 10.77.0.10, covered by a route at every moment of the churn: %v\n%s", pingErr, pingOut.String())
	}
	routes := tp.vrfARoutes("10.")
	if !routes["10.78.0.0/24"] || routes["10.77.0.0/24"] == routes["10.77.0.0/16"] {
		t.Errorf("VRF a after the churn holds 10.78.0.0/24 %v, 10.77.0.0/24 %v, 10.77.0.0/16 %v; want the first and one of the others",
			routes["10.78.0.0/24"], routes["10.77.0.0/24"], routes["10.77.0.0/16"])
	}
}

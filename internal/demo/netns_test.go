package demo

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/govrf/govrf/internal/cli"
	"github.com/govrf/govrf/internal/daemon"
)

// TestMain lets the test binary stand in for govrf: Namespaces starts
// os.Executable() as govrfd through DaemonEnv, and as the govrf client
// through ClientEnv.
func TestMain(m *testing.M) {
	if args, ok := os.LookupEnv(DaemonEnv); ok {
		os.Exit(daemon.Main(strings.Fields(args), os.Stderr))
	}
	if _, ok := os.LookupEnv(ClientEnv); ok {
		os.Exit(cli.Remote(os.Getenv("GOVRF_SOCKET"), os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestIntegrationNamespaces(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the namespace demo needs root")
		}
		t.Skip("needs root")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := Namespaces(ctx, &out); err != nil {
		t.Fatalf("Namespaces: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, want := range []string{"A1 reached A2; B2 received nothing", "B1 reached B2; A2 received nothing",
		"192.168.2.10 dev ra2 lladdr", "192.168.2.10 dev rb2 lladdr",
		"R's own ping in VRF a reached A2; B2 received nothing of it"} {
		if !strings.Contains(text, want) {
			t.Errorf("the story lacks %q:\n%s", want, text)
		}
	}
	// `neigh show vrf a` lists only the neighbours of a's ports.
	_, a, _ := strings.Cut(text, "$ govrf neigh show vrf a\n")
	a, _, _ = strings.Cut(a, "$ govrf")
	if strings.Contains(a, "dev rb") || !strings.Contains(a, "dev ra1") {
		t.Errorf("neigh show vrf a =\n%s\nwant only ra1 and ra2 entries", a)
	}
}

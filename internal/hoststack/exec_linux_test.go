package hoststack

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// execHelper is set in the environment of the test binary run as
// `vrf exec`: os.Args[1] is the namespace file, the rest the command.
const execHelper = "HOSTSTACK_TEST_EXEC"

func TestMain(m *testing.M) {
	if os.Getenv(execHelper) == "1" {
		err := Exec(os.Args[1], os.Args[2:], os.Environ())
		fmt.Fprintln(os.Stderr, err)
		os.Exit(255) // as ip(8) exits when exec fails
	}
	os.Exit(m.Run())
}

// vrfExec returns the command running argv in the namespace at path
// through Exec, in a child process.
func vrfExec(path string, argv ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], append([]string{path}, argv...)...)
	cmd.Env = append(os.Environ(), execHelper+"=1")
	return cmd
}

func TestIntegrationExec(t *testing.T) {
	s := create(t, Config{})
	mustSync(t, s, blueAddrs, blueRoutes)

	// A real program in the namespace sees the stack's device.
	out, err := vrfExec(s.Path(), "ip", "-br", "addr").CombinedOutput()
	if err != nil || !strings.Contains(string(out), s.Device()) || !strings.Contains(string(out), "192.168.2.1/24") {
		t.Errorf("vrf exec ip -br addr = %v:\n%s\nwant %s with 192.168.2.1/24", err, out, s.Device())
	}

	for _, tt := range []struct {
		path   string
		argv   []string
		code   int
		stderr string
	}{
		{s.Path(), []string{"sh", "-c", "exit 3"}, 3, ""},
		{s.Path(), []string{"true"}, 0, ""},
		{s.Path(), []string{"no-such-command-govrf"}, 255,
			`exec of "no-such-command-govrf" failed: No such file or directory`},
		{"/run/netns/no-such-ns-govrf", []string{"true"}, 255,
			`Cannot open network namespace "no-such-ns-govrf": No such file or directory`},
		{"/proc/self/exe", []string{"true"}, 255,
			`setting the network namespace "exe" failed: Invalid argument`},
	} {
		var stderr strings.Builder
		cmd := vrfExec(tt.path, tt.argv...)
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatalf("vrf exec %q: %v", tt.argv, err)
		}
		if code != tt.code || strings.TrimSpace(stderr.String()) != tt.stderr {
			t.Errorf("Exec(%s, %q) exits %d with %q, want %d with %q", tt.path, tt.argv, code, stderr.String(), tt.code, tt.stderr)
		}
	}
}

func TestIntegrationIdentifyPids(t *testing.T) {
	s := create(t, Config{})
	other := create(t, Config{})
	stacks := map[string]string{s.VRF(): s.Path(), other.VRF(): other.Path(), "gone": "/run/netns/no-such-ns-govrf"}

	cmd := vrfExec(s.Path(), "sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	pid := cmd.Process.Pid
	// The child enters the namespace and execs sleep on its own time.
	var name string
	for deadline := time.Now().Add(waitLimit); name != s.VRF() && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var err error
		if name, err = Identify(pid, stacks); err != nil {
			t.Fatalf("Identify(%d) = %v", pid, err)
		}
	}
	if name != s.VRF() {
		t.Fatalf("Identify(%d) = %q, want %q", pid, name, s.VRF())
	}
	for _, p := range []int{0, os.Getpid()} {
		if name, err := Identify(p, stacks); name != "" || err != nil {
			t.Errorf("Identify(%d) = %q, %v; want \"\", nil", p, name, err)
		}
	}
	if _, err := Identify(1<<30, stacks); err == nil {
		t.Errorf("Identify(no such PID) = nil error")
	}

	// The comm is sleep's once the exec is done.
	want := Process{PID: pid, Comm: "sleep"}
	var procs []Process
	for deadline := time.Now().Add(waitLimit); !slices.Contains(procs, want) && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		var err error
		if procs, err = Pids(s.Path()); err != nil {
			t.Fatalf("Pids(%s) = %v", s.Path(), err)
		}
	}
	if len(procs) != 1 || procs[0] != want {
		t.Errorf("Pids(%s) = %v, want [%v]", s.Path(), procs, want)
	}
	if procs, err := Pids(other.Path()); len(procs) != 0 || err != nil {
		t.Errorf("Pids(%s) = %v, %v; want none", other.Path(), procs, err)
	}
	if _, err := Pids("/run/netns/no-such-ns-govrf"); err == nil {
		t.Errorf("Pids(no such namespace) = nil error")
	}
}

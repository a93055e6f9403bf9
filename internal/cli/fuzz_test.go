package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/govrf/govrf/internal/control"
)

// FuzzRun feeds command lines (one per input line, words split on
// spaces) to Run on one fresh control plane: no command may panic, and
// every exit code must be one ip uses.
func FuzzRun(f *testing.F) {
	f.Add("link add d0 type dummy\nlink set d0 up\naddr add 10.0.0.1/24 dev d0\n-j -p addr show")
	f.Fuzz(func(t *testing.T, script string) {
		ctl := control.New()
		for _, line := range strings.Split(script, "\n") {
			words := strings.Split(line, " ")
			if inv, err := parseOptions(words); err == nil && inv.batch != "" {
				continue // would read a file or standard input
			}
			var out, errOut bytes.Buffer
			switch code := Run(ctl, words, &out, &errOut); code {
			case exitOK, exitSyntax, exitRefused, exitUsage:
			default:
				t.Fatalf("Run(%q) = %d", words, code)
			}
		}
	})
}

package cli

import "testing"

func TestRule(t *testing.T) { runTranscript(t, "testdata/rule.txt") }

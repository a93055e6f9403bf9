package cli

import "testing"

func TestNexthop(t *testing.T) { runTranscript(t, "testdata/nexthop.txt") }

package demo

import (
	"bytes"
	"strings"
	"testing"
)

func TestMemory(t *testing.T) {
	var out bytes.Buffer
	if err := Memory(&out); err != nil {
		t.Fatalf("Memory: %v\n%s", err, out.String())
	}
	for _, want := range []string{"A1: ping 192.168.2.10", "B1: ping 192.168.2.10", "B2 saw nothing", "A2 saw nothing",
		"B1    B        192.168.1.10/24  2001:db8:1::10  rb1          b    192.168.1.1", "$ govrf link add name b type vrf table 20"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the story lacks %q:\n%s", want, out.String())
		}
	}
}

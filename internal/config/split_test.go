package config

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSplitBlanks checks SplitLine's fast path for lines without quotes
// or comments against the general one.
func TestSplitBlanks(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "ab \t1./:"
	for range 20000 {
		b := make([]byte, r.IntN(12))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		want, _ := splitQuoted(string(b))
		if got := appendBlanks(nil, string(b)); !slices.Equal(got, want) || (got == nil) != (want == nil) {
			t.Fatalf("appendBlanks(nil, %q) = %q, want %q", b, got, want)
		}
	}
}

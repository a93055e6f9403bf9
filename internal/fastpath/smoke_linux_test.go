package fastpath

import "testing"

func TestIntegrationSmoke(t *testing.T) {
	for _, m := range []Mode{XDP, TC} {
		p, err := New(m)
		if err != nil {
			t.Fatal(err)
		}
		p.Close()
	}
}

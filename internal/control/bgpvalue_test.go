package control

import "testing"

func TestParseBGPTag(t *testing.T) {
	tests := []struct {
		in, want string // want "" for a refusal
	}{
		{"65001:100", "65001:100"},
		{"0:4294967295", "0:4294967295"},
		{"10.99.0.1:65535", "10.99.0.1:65535"},
		{"4200000000:7", "4200000000:7"},
		{"4200000000:65536", ""},
		{"10.99.0.1:65536", ""},
		{"2001:db8::1:1", ""},
		{"65001", ""},
		{"65001:", ""},
		{"a:1", ""},
		{"1:2:3", ""},
		{"4294967296:1", ""},
	}
	for _, tc := range tests {
		got, err := ParseBGPTag(tc.in)
		if tc.want == "" {
			if err == nil {
				t.Errorf("ParseBGPTag(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("ParseBGPTag(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

// FuzzParseBGPTag checks that whatever parses prints as it parses back.
func FuzzParseBGPTag(f *testing.F) {
	for _, s := range []string{"65001:100", "10.0.0.1:5", "4200000000:9", "1.2:3", ":", "0:0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tag, err := ParseBGPTag(s)
		if err != nil {
			return
		}
		back, err := ParseBGPTag(tag.String())
		if err != nil || back != tag {
			t.Fatalf("ParseBGPTag(%q) = %v; its String parses to %v, %v", s, tag, back, err)
		}
	})
}

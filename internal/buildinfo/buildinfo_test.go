package buildinfo

import (
	"runtime/debug"
	"testing"
)

func TestDescribe(t *testing.T) {
	rev := "f8575ac0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6"
	for _, tc := range []struct {
		name string
		bi   debug.BuildInfo
		want string
	}{
		{"tree with changes", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "true"}}},
			"version (devel), revision " + rev + ", modified"},
		{"clean tree", debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: "false"}}},
			"version (devel), revision " + rev},
		{"go install of a tag", debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}},
			"version v1.2.0, revision unknown"},
		{"nothing known", debug.BuildInfo{}, "version unknown, revision unknown"},
	} {
		if got := Describe(&tc.bi); got != tc.want {
			t.Errorf("%s: Describe = %q, want %q", tc.name, got, tc.want)
		}
	}
}

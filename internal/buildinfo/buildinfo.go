// Package buildinfo says which build of govrf is running: the main
// module's version and the version-control revision the go command
// stamped into the binary (runtime/debug.ReadBuildInfo).
package buildinfo

import (
	"runtime/debug"
	"strings"
)

// String describes the running binary's build, as Describe does; without
// build information (a binary built without module support) it says so.
func String() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "version unknown (no build information)"
	}
	return Describe(bi)
}

// Describe returns "version V, revision R" with the main module's
// version ("(devel)" for a build of a checked-out tree, a tag such as
// v1.2.0 for `go install module@version`), the vcs.revision the go
// command recorded and ", modified" when the tree had uncommitted
// changes (vcs.modified). A build without VCS information (-buildvcs=false,
// a tree outside version control) says "revision unknown".
func Describe(bi *debug.BuildInfo) string {
	version := bi.Main.Version
	if version == "" {
		version = "unknown"
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	var b strings.Builder
	b.WriteString("version " + version)
	if rev == "" {
		b.WriteString(", revision unknown")
	} else {
		b.WriteString(", revision " + rev)
	}
	if modified == "true" {
		b.WriteString(", modified")
	}
	return b.String()
}

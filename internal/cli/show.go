package cli

import "github.com/govrf/govrf/internal/config"

// showUsage is the usage of `show`.
const showUsage = "Usage: govrf show running-config\n       govrf show errors [ vrf NAME | dev NAME ]"

// doShow runs `show running-config`: the canonical command script of the
// current state (docs/configuration.md), what govrfd keeps in its file;
// or `show errors` (doShowErrors).
func doShow(c *ctx, a *args) error {
	w := a.next()
	if matches(w, "errors") {
		return doShowErrors(c, a)
	}
	if !matches(w, "running-config") || a.more() {
		return &cmdError{showUsage, exitUsage}
	}
	config.WriteScript(c.out, c.ctl.View()) // output errors are ignored, as ip ignores them
	return nil
}

// doSave answers `save` offline: only govrfd has a configuration file
// to write (it keeps every change in it and its journal, and
// compacts them on `save`).
func doSave(c *ctx, a *args) error {
	return &cmdError{"Error: save writes govrfd's configuration file; offline, use \"govrf show running-config\".", exitRefused}
}

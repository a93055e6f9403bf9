package cli

import (
	"fmt"

	"github.com/govrf/govrf/internal/config"
)

// doShow runs `show running-config`: the canonical command script of the
// current state (docs/configuration.md), what govrfd keeps in its file.
func doShow(c *ctx, a *args) error {
	w := a.next()
	if !matches(w, "running-config") || a.more() {
		return &cmdError{`Usage: govrf show running-config`, exitUsage}
	}
	fmt.Fprint(c.out, config.Script(c.ctl.View()))
	return nil
}

// doSave answers `save` offline: only govrfd has a configuration file
// to write (it saves after every change, and on `save`).
func doSave(c *ctx, a *args) error {
	return &cmdError{"Error: save writes govrfd's configuration file; offline, use \"govrf show running-config\".", exitRefused}
}

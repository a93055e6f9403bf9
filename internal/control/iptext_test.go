package control

import (
	"errors"
	"strings"

	"github.com/govrf/govrf/internal/rterr"
)

// ipText words err as ip prints a refusal ("Error: MSG." or "RTNETLINK
// answers: STRERROR"), so that tests state refusals in the words a user
// sees; the command line (internal/cli) words them the same way.
func ipText(err error) string {
	var re *rterr.Error
	if !errors.As(err, &re) {
		return err.Error()
	}
	text := "Error: " + re.Msg + "."
	if re.Msg == "" {
		s := re.Errno.Error()
		text = "RTNETLINK answers: " + strings.ToUpper(s[:1]) + s[1:]
	}
	return strings.TrimSuffix(err.Error(), re.Error()) + text
}

package cli

import (
	"testing"
)

// FuzzRuleArgs runs `rule add WORDS...` as FuzzRouteArgs does `route add`.
// Besides ip's usual codes, exit 22 is allowed for the one message ip
// fails with -EINVAL itself.
func FuzzRuleArgs(f *testing.F) {
	for _, s := range []string{
		"from 10.0.0.0/8 to 192.168.0.0/16 tos 0x10 fwmark 0x5/0xff iif d0 pref 100 table 100",
		"not from 1.1.1.1 lookup main suppress_prefixlength 0 suppress_ifgroup 5",
		"l3mdev pref 1000 protocol kernel",
		"l3mdev table 5",
		"iif nosuch goto 32766",
		"pref 10 goto 5",
		"ipproto tcp sport 1-100 dport 80 unreachable",
		"fwmark 1/x",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		// ip's own refusal, exit 22: ip rule exits with -EINVAL there.
		fuzzAdd(t, "rule", s, func(rc int, stderr string) bool {
			return rc == 22 && stderr == "table can not be specified for l3mdev rules\n"
		})
	})
}

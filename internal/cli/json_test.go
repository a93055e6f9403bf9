package cli

import (
	"bytes"
	"testing"
)

// TestJSONWriterMatchesIP checks the writer against bytes captured from
// `ip -j` and `ip -j -p` (iproute2 6.1).
func TestJSONWriterMatchesIP(t *testing.T) {
	write := func(pretty bool) string {
		var b bytes.Buffer
		p := &printer{out: &b, j: &jsonWriter{w: &b, pretty: pretty}}
		p.j.startArray()
		p.openObject("")
		p.int(printAny, "ifindex", "", 1)
		p.str(printAny, "ifname", "", "lo")
		p.openArray(printAny, "flags", "")
		p.str(printAny, "", "", "LOOPBACK")
		p.str(printAny, "", "", "UP")
		p.closeArray(printAny, "")
		p.openArray(printJSON, "addr_info", "")
		p.openObject("")
		p.str(printAny, "local", "", "127.0.0.1")
		p.bool(printJSON, "secondary", "", true)
		p.closeObject()
		p.closeArray(printJSON, "")
		p.openArray(printJSON, "empty", "")
		p.closeArray(printJSON, "")
		p.openObject("linkinfo")
		p.null(printAny, "n", "", "")
		p.uint(printAny, "u", "", 42)
		p.closeObject()
		p.closeObject()
		p.close()
		return b.String()
	}
	const compact = `[{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP"],"addr_info":[{"local":"127.0.0.1","secondary":true}],"empty":[],"linkinfo":{"n":null,"u":42}}]` + "\n"
	const pretty = `[ {
        "ifindex": 1,
        "ifname": "lo",
        "flags": [ "LOOPBACK","UP" ],
        "addr_info": [ {
                "local": "127.0.0.1",
                "secondary": true
            } ],
        "empty": [ ],
        "linkinfo": {
            "n": null,
            "u": 42
        }
    } ]
`
	if got := write(false); got != compact {
		t.Errorf("compact JSON = %s, want %s", got, compact)
	}
	if got := write(true); got != pretty {
		t.Errorf("pretty JSON = %s, want %s", got, pretty)
	}
}

func TestJSONEscapes(t *testing.T) {
	var b bytes.Buffer
	j := &jsonWriter{w: &b}
	j.str("a\"b\\c\td\ne\x01\x7f/é")
	if want := `"a\"b\\c\td\ne\u0001\u007f/é"`; b.String() != want {
		t.Errorf("str = %s, want %s", b.String(), want)
	}
}

func TestEmptyListings(t *testing.T) {
	runCases(t, []cmdCase{
		{name: "json empty", cmd: "-j link show up type vrf", out: "[]\n"},
		{name: "pretty empty", cmd: "-j -p link show type vrf", out: "[ ]\n"},
	})
}

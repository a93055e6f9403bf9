package dataplane

// ICMPTypeOf names the ICMP message a frame refused for r was answered
// with (Counters.Answered), in either family: "destination_unreachable"
// (frag-needed included), "packet_too_big", "time_exceeded", or, for a
// header problem, "parameter_problem".
func ICMPTypeOf(r Reason) string {
	if typ, _, ok := errorFor(r, true); ok {
		switch typ {
		case 1:
			return "destination_unreachable"
		case 2:
			return "packet_too_big"
		case 3:
			return "time_exceeded"
		}
	}
	if typ, _, ok := errorFor(r, false); ok {
		if typ == 11 {
			return "time_exceeded"
		}
		return "destination_unreachable"
	}
	return "parameter_problem"
}

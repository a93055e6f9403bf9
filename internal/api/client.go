package api

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"time"
)

// Call sends argv to the daemon listening on the socket at path and
// returns its response. An error means the daemon could not be asked or
// did not answer; a refused command is a Response with a non-zero Code.
//
// Commands run one at a time in the daemon and a large change can take
// a while, so Call waits for the answer without a deadline; only the
// connection itself is bounded by Timeout.
func Call(path string, argv []string) (Response, error) {
	conn, err := net.DialTimeout("unix", path, Timeout)
	if err != nil {
		return Response{}, err
	}
	defer conn.Close()
	if err := conn.SetWriteDeadline(time.Now().Add(Timeout)); err != nil {
		return Response{}, err
	}
	if err := json.NewEncoder(conn).Encode(Request{Argv: argv}); err != nil {
		return Response{}, fmt.Errorf("api: send to %s: %w", path, err)
	}
	// The half-close ends the request: the server reads to EOF.
	if err := conn.(*net.UnixConn).CloseWrite(); err != nil {
		return Response{}, fmt.Errorf("api: send to %s: %w", path, err)
	}
	var resp Response
	if err := json.NewDecoder(io.LimitReader(conn, 1<<30)).Decode(&resp); err != nil {
		return Response{}, fmt.Errorf("api: answer from %s: %w", path, err)
	}
	return resp, nil
}

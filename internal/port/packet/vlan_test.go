package packet

import (
	"bytes"
	"testing"
)

func TestRetag(t *testing.T) {
	frame := []byte{
		1, 2, 3, 4, 5, 6, // dst
		7, 8, 9, 10, 11, 12, // src
		0x08, 0x00, // IPv4
		0xaa, 0xbb,
	}
	tagged := []byte{
		1, 2, 3, 4, 5, 6,
		7, 8, 9, 10, 11, 12,
		0x81, 0x00, 0x20, 0x0a, // PCP 1, VID 10
		0x08, 0x00,
		0xaa, 0xbb,
	}
	qinq := append([]byte(nil), tagged...)
	qinq[12], qinq[13] = 0x88, 0xa8
	tests := []struct {
		name      string
		room      int
		tci, tpid uint16
		want      []byte
		ok        bool
	}{
		{"8021Q default TPID", 32, 0x200a, 0, tagged, true},
		{"explicit 8021AD", 32, 0x200a, 0x88a8, qinq, true},
		{"exact room", len(frame) + 4, 0x200a, 0x8100, tagged, true},
		{"no room", len(frame) + 3, 0x200a, 0x8100, frame, false},
	}
	for _, tt := range tests {
		b := make([]byte, tt.room)
		copy(b, frame)
		n, ok := retag(b, len(frame), tt.tci, tt.tpid)
		if ok != tt.ok || !bytes.Equal(b[:n], tt.want) {
			t.Errorf("%s: retag(frame, %d, %#x, %#x) = % x, %v; want % x, %v",
				tt.name, len(frame), tt.tci, tt.tpid, b[:n], ok, tt.want, tt.ok)
		}
	}
	if n, ok := retag(make([]byte, 32), 11, 1, 0); ok || n != 11 {
		t.Errorf("retag(runt, 11, 1, 0) = %d, %v; want 11, false", n, ok)
	}
}

func TestRetagFront(t *testing.T) {
	frame := []byte{
		1, 2, 3, 4, 5, 6, // dst
		7, 8, 9, 10, 11, 12, // src
		0x08, 0x00, // IPv4
		0xaa, 0xbb,
	}
	tagged := []byte{
		1, 2, 3, 4, 5, 6,
		7, 8, 9, 10, 11, 12,
		0x81, 0x00, 0x20, 0x0a, // PCP 1, VID 10
		0x08, 0x00,
		0xaa, 0xbb,
	}
	tests := []struct {
		name  string
		start int // where the frame begins in its buffer
		frame []byte
		want  []byte
		ok    bool
	}{
		{"room in front", 6, frame, tagged, true},
		{"exact room", 4, frame, tagged, true},
		{"no room", 3, frame, frame, false},
		{"runt", 8, frame[:11], frame[:11], false},
	}
	for _, tt := range tests {
		b := append(make([]byte, tt.start), tt.frame...)
		start, ok := retagFront(b, tt.start, len(b), 0x200a, 0)
		if ok != tt.ok || !bytes.Equal(b[start:], tt.want) {
			t.Errorf("%s: retagFront(b, %d, %d, 0x200a, 0) = % x, %v; want % x, %v",
				tt.name, tt.start, len(b), b[start:], ok, tt.want, tt.ok)
		}
	}
}

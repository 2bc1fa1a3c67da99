package load

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

var jsonCases = []string{
	`{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"web","namespace":"shop"},"spec":{"hosts":["*"],"http":[{"retries":{"attempts":3,"retryOn":"5xx"}}],"tcp":[]}}`,
	"{\n  \"a\": [1, -0, 1.5, 1e3, -2E-2, 12345678901234567890, true, false, null],\n  \"b\": {},\n\t\"c\": \"x\\ny\\u00e9\\\"\\/\"\r\n}\n",
	`{"é": "ü", "k": "日本語", "after": [ "x" ] }`,
	`{"on":"yes","y":"n","<<":{"a":1},"":"","8080":{"mode":"DISABLE"}}`,
	`[{"a":[[],[{}]]}, "s", 1]`,
	"{\"a\":\r1,\r\"b\":2}",
	`{"s":"\ud83d\ude00 \u0041"}`,
	`  {"lead":"ing"}  `,
}

// checkJSONAgainstYAMLv3 fails when parseJSON accepts a document that
// yaml.v3 reads differently.
func checkJSONAgainstYAMLv3(t *testing.T, doc []byte) {
	t.Helper()
	got, err := parseJSON(string(doc), 0)
	if err != nil {
		return
	}
	var want yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(doc)).Decode(&want); err != nil && err != io.EOF {
		// yaml.v3 refuses some valid JSON (control characters such as
		// DEL in strings); the API server reads it, and so does meshlint.
		return
	}
	if bytes.Contains(doc, []byte("\u0085")) || bytes.Contains(doc, []byte("\u2028")) || bytes.Contains(doc, []byte("\u2029")) || bytes.Contains(doc, []byte("\ufeff")) {
		// yaml.v3 takes these characters inside strings for line breaks
		// (or a byte order mark); JSON does not.
		return
	}
	if len(want.Content) == 0 {
		t.Fatalf("parseJSON accepted a document yaml.v3 finds empty: %q", doc)
	}
	if err := sameTree(want.Content[0], got, ""); err != nil {
		t.Fatalf("%v\ndocument: %q", err, doc)
	}
}

func TestJSONMatchesYAMLv3(t *testing.T) {
	for i, c := range jsonCases {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if _, err := parseJSON(c, 0); err != nil {
				t.Fatalf("parseJSON refused valid JSON: %v", err)
			}
			checkJSONAgainstYAMLv3(t, []byte(c))
		})
	}
}

// FuzzJSON checks that whenever the JSON parser accepts a document, yaml.v3
// builds the identical tree.
func FuzzJSON(f *testing.F) {
	for _, c := range jsonCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, doc []byte) { checkJSONAgainstYAMLv3(t, doc) })
}

func TestJSONRefuses(t *testing.T) {
	deep := strings.Repeat(`{"a":`, MaxDepth+1) + "1" + strings.Repeat("}", MaxDepth+1)
	for _, tc := range []struct {
		name, doc string
		depth     bool
	}{
		{"invalid", `{"a":}`, false},
		{"truncated", `{"a":[1,2`, false},
		{"two values", `{}{}`, false},
		{"invalid UTF-8", "{\"a\":\"\xff\"}", false},
		{"too deep", deep, true},
		{"too deep, arrays", strings.Repeat("[", MaxDepth+1) + strings.Repeat("]", MaxDepth+1), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseJSON(tc.doc, 0)
			if err == nil {
				t.Fatal("accepted")
			}
			if got := errors.As(err, new(LimitError)); got != tc.depth {
				t.Errorf("error %q: depth error %v, want %v", err, got, tc.depth)
			}
		})
	}
	if _, err := parseJSON(`{"a":[1,2,3],"b":{}}`, 6); !errors.As(err, new(LimitError)) {
		t.Errorf("8 nodes with a bound of 6: error %v, want a LimitError", err)
	}
	if _, err := parseJSON(`{"a":[1,2,3],"b":{}}`, 8); err != nil {
		t.Errorf("8 nodes with a bound of 8: %v", err)
	}
	// As deep as the API server goes is read.
	ok := strings.Repeat(`{"a":`, MaxDepth-1) + "1" + strings.Repeat("}", MaxDepth-1)
	if _, err := parseJSON(ok, 0); err != nil {
		t.Errorf("%d levels: %v", MaxDepth-1, err)
	}
}

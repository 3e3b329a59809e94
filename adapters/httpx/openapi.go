package httpx

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// ServeOpenAPI returns a handler that serves an adapter's OpenAPI document
// (JSON, paths relative to the adapter's mount point) with its servers set
// to where the adapter is mounted, so that a client such as Swagger UI
// calls the routes under the right prefix. It panics if doc is not a JSON
// object, which an embedded document always is after its test.
func ServeOpenAPI(doc []byte) HandlerFunc {
	var base map[string]any
	if err := json.Unmarshal(doc, &base); err != nil {
		panic(fmt.Sprintf("httpx: the OpenAPI document is not JSON: %v", err))
	}
	return func(w http.ResponseWriter, r *http.Request) error {
		out := make(map[string]any, len(base)+1)
		for k, v := range base {
			out[k] = v
		}
		prefix := mountPrefix(r)
		if prefix == "" {
			prefix = "/"
		}
		out["servers"] = []map[string]string{{"url": prefix}}
		w.Header().Set("Cache-Control", "no-cache")
		WriteJSON(w, http.StatusOK, out)
		return nil
	}
}

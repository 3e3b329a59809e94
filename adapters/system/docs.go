package system

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"strings"

	swaggerFiles "github.com/swaggo/files/v2"

	"github.com/hanok-dev/hanok/adapters/httpx"
)

// apiDoc is one OpenAPI document listed by the docs page.
type apiDoc struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// docsHandler serves Swagger UI at /docs/ from the copy embedded in
// github.com/swaggo/files/v2 (no CDN), with a selector of docs. Its
// initializer script is generated here; every other file is Swagger UI's
// own.
// A path that names no file is ErrNoRoute, rendered with render as any
// other unknown path.
func docsHandler(docs []apiDoc, render httpx.Renderer) http.Handler {
	urls, err := json.Marshal(docs)
	if err != nil {
		panic(fmt.Sprintf("system: docs list: %v", err))
	}
	primary := ""
	if len(docs) > 0 {
		primary = docs[0].Name
	}
	initializer := fmt.Sprintf(`window.onload = function() {
  window.ui = SwaggerUIBundle({
    urls: %s,
    "urls.primaryName": %q,
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: "StandaloneLayout"
  });
};
`, urls, primary)
	files := http.StripPrefix("/docs/", http.FileServerFS(swaggerFiles.FS))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := strings.TrimPrefix(r.URL.Path, "/docs/")
		switch name {
		case "swagger-initializer.js":
			w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
			w.Header().Set("Cache-Control", "no-cache")
			fmt.Fprint(w, initializer)
			return
		case "", "index.html":
			// FileServer redirects /index.html to ./; serve the page itself.
			page, err := fs.ReadFile(swaggerFiles.FS, "index.html")
			if err != nil {
				render(w, r, fmt.Errorf("system: docs page: %w", err))
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(page)
			return
		}
		if _, err := fs.Stat(swaggerFiles.FS, name); err != nil {
			render(w, r, httpx.ErrNoRoute)
			return
		}
		files.ServeHTTP(w, r)
	})
}

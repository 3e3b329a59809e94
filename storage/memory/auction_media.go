package memory

import "context"

// ImagePaths implements auction.Store.
func (s *AuctionStore) ImagePaths(context.Context) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, c := range s.cars {
		for _, im := range c.Images {
			if !seen[im.Path] {
				seen[im.Path] = true
				out = append(out, im.Path)
			}
		}
	}
	return out, nil
}

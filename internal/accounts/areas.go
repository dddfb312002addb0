package accounts

import "context"

// OfficerAreas lists the areas of the officers' accounts, one per officer.
// The handoff uses it to tell whether a citizen's area has an officer.
func (s *Store) OfficerAreas(ctx context.Context) ([]string, error) {
	list, err := s.List(ctx, Officer)
	if err != nil {
		return nil, err
	}
	var areas []string
	for _, a := range list {
		areas = append(areas, a.Area)
	}
	return areas, nil
}

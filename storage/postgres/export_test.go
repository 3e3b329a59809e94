package postgres

// MigrationVersions returns the numbers of the embedded migrations, in
// order, for the tests of package postgres_test.
func MigrationVersions() ([]int, error) {
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	vs := make([]int, len(ms))
	for i, m := range ms {
		vs[i] = m.Version
	}
	return vs, nil
}
